import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import kubeSchedulerPlugin, { kubeScheduler, explainSchedule, KubeScheduler, SchedulerConfigError, validateSchedulerConfig } from "../../plugins/kube-scheduler/index.js";
import { Scheduler } from "../../plugins/kube-scheduler/scheduler.js";
import type { Client } from "../../core/client/client.js";
import { createControlPlane } from "../../core/apiserver/control-plane.js";
import { RealClock } from "../../core/clock/real-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { createLogger } from "../../core/log/logger.js";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { nodeObject } from "../../core/cluster/node-registration.js";

function podObject(name: string, cpu = "100m", spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu } } }], ...spec } } as Pod;
}

async function boundTo(cluster: Cluster, name: string): Promise<string> {
  const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata!.name === name && !!x.spec?.nodeName, { namespace: "default" });
  return p.spec!.nodeName!;
}

async function events(cluster: Cluster, name: string): Promise<Event[]> {
  await cluster.clock.sleep(10);
  return ((await cluster.client.resource<Event>("Event").list({ namespace: "default" } as never)).items as Event[]).filter((e) => e.involvedObject.name === name);
}

test("pods spread over the workers, the control-plane taint keeps them off it; Scheduled events; PodScheduled=True", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 4, plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  try {
    for (let i = 0; i < 6; i++) await cluster.client.resource<Pod>("Pod").create(podObject(`web-${i}`, "100m", {}, { app: "web" }));
    const nodes = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => boundTo(cluster, `web-${i}`)));
    assert.not.ok(nodes.includes("kubesim-control-plane"));
    const counts = new Map<string, number>();
    for (const n of nodes) counts.set(n, (counts.get(n) ?? 0) + 1);
    assert.equal([...counts.values()].sort(), [2, 2, 2], "spread evenly over 3 workers");
    const ev = await events(cluster, "web-0");
    assert.ok(ev.some((e) => e.reason === "Scheduled" && e.message === `Successfully assigned default/web-0 to ${nodes[0]}` && e.source?.component === "default-scheduler"));
    const p = await cluster.client.resource<Pod>("Pod").get("web-0", { namespace: "default" } as never);
    assert.equal(p.status?.conditions?.find((c) => c.type === "PodScheduled")?.status, "True");
  } finally {
    await cluster.stop();
  }
});

test("a one-node cluster's control-plane node is untainted and takes pods", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  try {
    const node = await cluster.client.resource<Node>("Node").get("kubesim-control-plane");
    assert.is(node.spec?.taints, undefined);
    await cluster.client.resource<Pod>("Pod").create(podObject("solo"));
    assert.is(await boundTo(cluster, "solo"), "kubesim-control-plane");
  } finally {
    await cluster.stop();
  }
});

test("too much cpu: PodScheduled=False/Unschedulable and FailedScheduling with upstream's text; scheduled once a node fits", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 4, plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  try {
    await cluster.client.resource<Pod>("Pod").create(podObject("big", "5"));
    const want = "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.";
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata!.name === "big" && !!x.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False"), { namespace: "default" });
    const cond = p.status!.conditions!.find((c) => c.type === "PodScheduled")!;
    assert.is(cond.reason, "Unschedulable");
    assert.is(cond.message, want);
    const ev = await events(cluster, "big");
    assert.ok(ev.some((e) => e.reason === "FailedScheduling" && e.type === "Warning" && e.message === want));
    // A bigger node joins: the Node Add event requeues the pod (NodeResourcesFit registered it).
    await cluster.addNode({ name: "huge", capacity: { cpu: "8" } });
    assert.is(await boundTo(cluster, "big"), "huge");
  } finally {
    await cluster.stop();
  }
});

test("preemption: a high-priority pod evicts a lower one (DisruptionTarget, Preempted event, nominatedNodeName) and is bound", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: [{ role: "worker", name: "w1", capacity: { cpu: "2" } }], plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  try {
    await cluster.apply({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000 } as never);
    await cluster.client.resource<Pod>("Pod").create(podObject("low", "1500m"));
    assert.is(await boundTo(cluster, "low"), "w1");
    const lowUid = (await cluster.client.resource<Pod>("Pod").get("low", { namespace: "default" } as never)).metadata!.uid;
    const conditions: string[] = [];
    const informer = cluster.informers.forResource<Pod>("Pod");
    informer.addEventHandler({ onUpdate: (_o, n) => { if (n.metadata!.name === "low") for (const c of n.status?.conditions ?? []) conditions.push(`${c.type}=${c.status}/${c.reason ?? ""}`); } });
    const high = await cluster.client.resource<Pod>("Pod").create(podObject("high", "1500m", { priorityClassName: "high" }));
    const nominated = await cluster.waitFor<Pod>("Pod", (x) => x.metadata!.name === "high" && (x.status?.nominatedNodeName === "w1" || !!x.spec?.nodeName), { namespace: "default" });
    assert.ok(nominated.status?.nominatedNodeName === "w1" || nominated.spec?.nodeName === "w1");
    // No kubelet yet: finish the victim's graceful deletion as the kubelet would.
    await cluster.waitFor<Pod>("Pod", (x) => x.metadata!.name === "low" && !!x.metadata!.deletionTimestamp, { namespace: "default" });
    await cluster.client.resource<Pod>("Pod").delete("low", { namespace: "default", gracePeriodSeconds: 0 } as never);
    assert.is(await boundTo(cluster, "high"), "w1");
    assert.ok(conditions.includes("DisruptionTarget=True/PreemptionByScheduler"), conditions.join(","));
    const ev = await events(cluster, "low");
    assert.ok(ev.some((e) => e.reason === "Preempted" && e.message === `Preempted by pod ${high.metadata!.uid} on node w1`), JSON.stringify(ev.map((e) => e.message)));
    assert.ok(lowUid);
  } finally {
    await cluster.stop();
  }
});

test("profiles: a second scheduler name works; a pod naming an unknown scheduler stays Pending", async () => {
  const config = { profiles: [{ schedulerName: "default-scheduler" }, { schedulerName: "packer", plugins: { score: { disabled: [{ name: "NodeResourcesFit" }], enabled: [{ name: "NodeResourcesFit", weight: 5 }] } }, pluginConfig: [{ name: "NodeResourcesFit", args: { scoringStrategy: { type: "MostAllocated" } } }] }] };
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 3, plugins: [kubeScheduler({ config })] });
  await cluster.start();
  try {
    const pods = cluster.client.resource<Pod>("Pod");
    await pods.create(podObject("packed-0", "1", { schedulerName: "packer" }));
    const first = await boundTo(cluster, "packed-0");
    await pods.create(podObject("packed-1", "1", { schedulerName: "packer" }));
    assert.is(await boundTo(cluster, "packed-1"), first, "MostAllocated packs onto the same node");
    await pods.create(podObject("orphan", "100m", { schedulerName: "nobody" }));
    await cluster.clock.sleep(30_000);
    const orphan = await pods.get("orphan", { namespace: "default" } as never);
    assert.is(orphan.spec?.nodeName, undefined);
    assert.is(orphan.status?.conditions, undefined);
  } finally {
    await cluster.stop();
  }
});

test("Filter's round-robin start moves on by the nodes examined, modulo all nodes, also for a pod PreFilter narrows to one node", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 151, plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  try {
    const scheduler = cluster.resolve(KubeScheduler) as unknown as { nextStartNodeIndex: number };
    const pods = cluster.client.resource<Pod>("Pod");
    assert.is(scheduler.nextStartNodeIndex, 0);
    // 151 nodes: 48% is 72, so 100 feasible workers are wanted; the tainted control-plane node is examined and rejected on the way.
    await pods.create(podObject("plain"));
    await boundTo(cluster, "plain");
    assert.is(scheduler.nextStartNodeIndex, 101);
    const pinned = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["kubesim-worker7"] }] }] } } } };
    await pods.create(podObject("pinned", "100m", pinned));
    assert.is(await boundTo(cluster, "pinned"), "kubesim-worker7");
    assert.is(scheduler.nextStartNodeIndex, 102, "one node examined: the start moves by one (not back to 0)");
    await pods.create(podObject("after"));
    await boundTo(cluster, "after");
    // From 102 round the end: 100 workers again, and the control-plane node once more.
    assert.is(scheduler.nextStartNodeIndex, (102 + 101) % 151);
  } finally {
    await cluster.stop();
  }
});

test("a pod nominated to a node is tried there first and bound there while it fits, though Score would prefer another node", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: [{ role: "worker", name: "w1", capacity: { cpu: "4" } }, { role: "worker", name: "w2", capacity: { cpu: "4" } }, { role: "worker", name: "w3", capacity: { cpu: "4" } }], plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  try {
    const pods = cluster.client.resource<Pod>("Pod");
    // w2 is the busiest node: LeastAllocated scores it last.
    await pods.create(podObject("load", "2", { nodeSelector: { "kubernetes.io/hostname": "w2" } }));
    assert.is(await boundTo(cluster, "load"), "w2");
    await pods.create(podObject("nominated", "100m", { schedulingGates: [{ name: "example.com/hold" }] }));
    await pods.patch("nominated", "merge", { status: { nominatedNodeName: "w2" } }, { namespace: "default", subresource: "status" });
    await pods.patch("nominated", "json", [{ op: "remove", path: "/spec/schedulingGates" }], { namespace: "default" });
    assert.is(await boundTo(cluster, "nominated"), "w2");
    // Nominated to a node it does not fit: scheduled as any other pod, on the emptier nodes.
    await pods.create(podObject("too-big", "3", { schedulingGates: [{ name: "example.com/hold" }] }));
    await pods.patch("too-big", "merge", { status: { nominatedNodeName: "w2" } }, { namespace: "default", subresource: "status" });
    await pods.patch("too-big", "json", [{ op: "remove", path: "/spec/schedulingGates" }], { namespace: "default" });
    assert.ok(["w1", "w3"].includes(await boundTo(cluster, "too-big")));
  } finally {
    await cluster.stop();
  }
});

test("a bad KubeSchedulerConfiguration is refused naming the field", () => {
  const bad: [unknown, string][] = [
    [{ parallelism: 0 }, "parallelism: Invalid value: 0: should be an integer value greater than zero"],
    [{ percentageOfNodesToScore: 120 }, "percentageOfNodesToScore: Invalid value: 120: not in valid range [0-100]"],
    [{ profiles: [{ schedulerName: "a" }, { schedulerName: "a" }] }, 'profiles[1].schedulerName: Duplicate value: "a"'],
    [{ profiles: [{ schedulerName: "a", pluginConfig: [{ name: "NodeResourcesFit", args: { scoringStrategy: { type: "Fancy" } } }] }] }, 'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Fancy"'],
    [{ profiles: [{ schedulerName: "a", pluginConfig: [{ name: "InterPodAffinity", args: { hardPodAffinityWeight: 101 } }] }] }, "profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101"],
  ];
  for (const [config, message] of bad) {
    try {
      validateSchedulerConfig(config);
      assert.unreachable(`accepted ${JSON.stringify(config)}`);
    } catch (err) {
      assert.instance(err, SchedulerConfigError);
      assert.ok((err as Error).message.includes(message), (err as Error).message);
    }
  }
});

test("default selector (PodTopologySpread's defaults): the Services selecting a pod and its controller's selector merged, one object per combination", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  try {
    await cluster.apply(`apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-1, namespace: default}
spec:
  replicas: 0
  selector: {matchLabels: {app: web, hash: "1"}, matchExpressions: [{key: tier, operator: In, values: [fe]}]}
  template:
    metadata: {labels: {app: web, hash: "1", tier: fe}}
    spec: {containers: [{name: c, image: nginx}]}
`);
    const rs = await cluster.waitFor<{ metadata?: { name?: string; uid?: string } }>("replicasets.apps", (x) => x.metadata?.name === "web-1", { namespace: "default" });
    const scheduler = cluster.resolve(KubeScheduler) as unknown as { defaultSelector(pod: Pod): { toString(): string } | undefined };
    const owned = (name: string, labels: Record<string, string>): Pod => ({ ...podObject(name, "100m", {}, labels), metadata: { name, namespace: "default", labels, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: rs.metadata!.uid!, controller: true }] } }) as Pod;
    const labels = { app: "web", hash: "1", tier: "fe" };
    const alone = scheduler.defaultSelector(owned("a", labels));
    assert.is(alone?.toString(), "app=web,hash=1,tier in (fe)");
    assert.is(scheduler.defaultSelector(owned("b", labels)), alone, "one object for the set's pods");
    assert.is(scheduler.defaultSelector(podObject("orphan", "100m", {}, { other: "x" })), undefined);
    await cluster.apply(`apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web, port: http}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: fe, namespace: default}
spec: {selector: {tier: fe}, ports: [{port: 80}]}
`);
    await cluster.clock.sleep(10);
    // Only the Service whose selector matches the pod counts; its labels come first, the controller's after.
    const merged = scheduler.defaultSelector(owned("c", labels));
    assert.is(merged?.toString(), "app=web,hash=1,tier=fe,tier in (fe)");
    assert.is(scheduler.defaultSelector(owned("d", labels)), merged, "one object for the same Services and controller");
    const withPort = scheduler.defaultSelector(owned("e", { ...labels, port: "http" }));
    assert.is(withPort?.toString(), "app=web,hash=1,port=http,tier=fe,tier in (fe)");
    assert.is.not(withPort, merged);
  } finally {
    await cluster.stop();
  }
});

test("explain: each node's Filter verdict and per-plugin scores as a table", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 3, plugins: [kubeSchedulerPlugin] });
  await cluster.start();
  try {
    await cluster.client.resource<Pod>("Pod").create(podObject("x", "1"));
    const node = await boundTo(cluster, "x");
    const text = await explainSchedule(cluster, "default/x");
    assert.match(text, "Pod default/x (scheduler default-scheduler), bound to " + node);
    assert.match(text, /kubesim-control-plane\s+Unschedulable\s+TaintToleration\s+node\(s\) had untolerated taint \{node-role.kubernetes.io\/control-plane: \}/);
    assert.match(text, /NODE\s+TaintToleration\s+NodeResourcesFit\s+NodeResourcesBalancedAllocation\s+TOTAL/);
    assert.match(text, /kubesim-worker\s+0\/100×3\s+\d+\/\d+×1/);
    // The same answer through the API (as `kubesim explain-schedule` gets it from another process).
    const explanation = cluster.resolve(KubeScheduler).explain("default", "x");
    assert.is(explanation.nodes.length, 3);
    assert.is(explanation.nodes.filter((n) => n.filter).length, 1);
  } finally {
    await cluster.stop();
  }
});

test("pods waiting in activeQ are scheduled back to back: every one is assumed before the first binding request goes out, and all are bound in order", async () => {
  const clock = new RealClock();
  const random = new SeededRandom(1);
  const log = createLogger("test", { level: "silent" });
  const cp = await createControlPlane({ clock, random, log, disabledAdmission: ["ServiceAccount", "Priority"] });
  for (let i = 0; i < 2; i++) await cp.client.resource<Node>("Node").create(nodeObject({ name: `w${i}`, role: "worker" }, `10.244.${i}.0/24`, "172.18.0.2", "2026-01-01T00:00:00Z"));
  const names = Array.from({ length: 6 }, (_, i) => `p${i}`);
  for (const name of names) await cp.client.resource<Pod>("Pod").create(podObject(name));
  // The scheduler's client: binding requests note how many pods the cache holds as they go out.
  const bindings: { pod: string; placed: number }[] = [];
  let scheduler: Scheduler | undefined;
  const client = new Proxy(cp.client, {
    get(target, prop, receiver) {
      if (prop !== "resource") return Reflect.get(target, prop, receiver);
      return (ref: never) => {
        const r = target.resource(ref);
        if (ref !== "Pod") return r;
        return new Proxy(r, {
          get(t, p, rcv) {
            if (p !== "createSubresource") return Reflect.get(t, p, rcv);
            return (name: string, ...rest: unknown[]) => {
              bindings.push({ pod: name, placed: scheduler!.cache.list().reduce((n, ni) => n + ni.pods.length, 0) });
              return (t.createSubresource as (...a: unknown[]) => unknown)(name, ...rest);
            };
          },
        });
      };
    },
  }) as Client;
  const informers = new SharedInformerFactory({ client: cp.client, clock, random, registry: cp.registry, logger: log });
  scheduler = new Scheduler({ client, informers, clock, random, log, leaderElect: false });
  try {
    await scheduler.start();
    while (scheduler.stats.scheduled < names.length) await new Promise((r) => setTimeout(r, 5));
    await scheduler.flushBindings();
    assert.equal(bindings.map((b) => b.pod), names, "bindings go out in scheduling order");
    assert.is(bindings[0]!.placed, names.length, "every queued pod was assumed before the first binding request");
  } finally {
    await scheduler.shutdown();
    await informers.shutdown();
    cp.stop();
    await cp.store.close();
  }
});

test.run();
