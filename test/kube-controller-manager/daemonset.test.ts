import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, Pod, Taint } from "kubernetes-types/core/v1.js";
import type { ControllerRevision, DaemonSet } from "kubernetes-types/apps/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { daemonPodTolerations, nodeShouldRunDaemonPod } from "../../plugins/kube-controller-manager/controllers/daemonset/node-eligibility.js";
import { daemonSetBudget, rollingUpdateStep } from "../../plugins/kube-controller-manager/controllers/daemonset/daemon-set-controller.js";
import { NodeVerdicts } from "../../plugins/kube-controller-manager/controllers/daemonset/node-verdicts.js";
import { StatusTally, nodeTally } from "../../plugins/kube-controller-manager/controllers/daemonset/status-tally.js";
import { fakeKubelet, podsOf, setPodStatus, withCluster } from "./helpers.js";

/** The controllers and the scheduler (these controllers place pods through it); the fake kubelet runs them. */
const WITH_SCHEDULER = ["kube-controller-manager", "kube-scheduler"];

const node = (name: string, labels: Record<string, string> = {}, taints?: Taint[]): Node => ({ metadata: { name, labels }, spec: taints ? { taints } : {} });

test("node eligibility: nodeSelector, node affinity, taints and the automatic tolerations (table)", () => {
  const spec = { containers: [{ name: "c" }] };
  // [description, node, pod spec, shouldRun, shouldContinueRunning]
  const cases: [string, Node, object, boolean, boolean][] = [
    ["plain node", node("a"), spec, true, true],
    ["nodeSelector matches", node("a", { disk: "ssd" }), { ...spec, nodeSelector: { disk: "ssd" } }, true, true],
    ["nodeSelector mismatch", node("a", { disk: "hdd" }), { ...spec, nodeSelector: { disk: "ssd" } }, false, false],
    ["affinity In", node("a", { zone: "z1" }), { ...spec, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["z1"] }] }] } } } }, true, true],
    ["affinity NotIn", node("a", { zone: "z1" }), { ...spec, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["z1"] }] }] } } } }, false, false],
    ["affinity matchFields metadata.name", node("b"), { ...spec, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }] }] } } } }, false, false],
    ["untolerated NoSchedule: keeps running, no new pod", node("a", {}, [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }]), spec, false, true],
    ["tolerated NoSchedule", node("a", {}, [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }]), { ...spec, tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }] }, true, true],
    ["untolerated NoExecute", node("a", {}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]), spec, false, false],
    ["tolerated NoExecute by value", node("a", {}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]), { ...spec, tolerations: [{ key: "dedicated", value: "db", effect: "NoExecute" }] }, true, true],
    ["PreferNoSchedule ignored", node("a", {}, [{ key: "x", effect: "PreferNoSchedule" }]), spec, true, true],
    ["not-ready tolerated automatically", node("a", {}, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }]), spec, true, true],
    ["unreachable tolerated automatically", node("a", {}, [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }]), spec, true, true],
    ["unschedulable tolerated automatically", node("a", {}, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]), spec, true, true],
    ["memory pressure tolerated automatically", node("a", {}, [{ key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" }]), spec, true, true],
    ["network-unavailable only for hostNetwork", node("a", {}, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]), spec, false, true],
    ["network-unavailable with hostNetwork", node("a", {}, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]), { ...spec, hostNetwork: true }, true, true],
  ];
  for (const [what, n, s, run, cont] of cases) assert.equal(nodeShouldRunDaemonPod(n, s as never), { shouldRun: run, shouldContinueRunning: cont }, what);
  assert.is(daemonPodTolerations({ containers: [] }).length, 6);
  assert.is(daemonPodTolerations({ containers: [], hostNetwork: true }).length, 7);
});

const dpod = (name: string, hash: string, ready: boolean): Pod => ({
  metadata: { name, labels: { "controller-revision-hash": hash } },
  spec: { containers: [] },
  status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

test("rolling update arithmetic: maxUnavailable and maxSurge (table)", () => {
  const ds = (u: number | string, s: number | string): DaemonSet => ({ spec: { selector: {}, template: {}, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: u, maxSurge: s } } } });
  assert.equal(daemonSetBudget(ds(1, 0), 10), { surge: 0, unavailable: 1 });
  assert.equal(daemonSetBudget(ds("25%", 0), 10), { surge: 0, unavailable: 3 }, "rounds up");
  assert.equal(daemonSetBudget(ds(0, "10%"), 15), { surge: 2, unavailable: 0 });
  assert.equal(daemonSetBudget(ds(0, 0), 5), { surge: 0, unavailable: 1 });
  const ready = (p: Pod): boolean => p.status?.conditions?.[0]?.status === "True";
  const map = (entries: [string, Pod[]][]): Map<string, Pod[]> => new Map(entries);
  // Without surge: two old ready pods, budget 1 → delete one.
  let step = rollingUpdateStep(map([["n1", [dpod("a", "old", true)]], ["n2", [dpod("b", "old", true)]]]), "new", { surge: 0, unavailable: 1 }, ready);
  assert.equal(step.deletePods.map((p) => p.metadata!.name), ["a"]);
  // A new pod still unavailable uses the budget: nothing more is deleted.
  step = rollingUpdateStep(map([["n1", [dpod("a2", "new", false)]], ["n2", [dpod("b", "old", true)]]]), "new", { surge: 0, unavailable: 1 }, ready);
  assert.equal(step.deletePods, []);
  // Unavailable old pods go regardless of the budget.
  step = rollingUpdateStep(map([["n1", [dpod("a2", "new", false)]], ["n2", [dpod("b", "old", false)]]]), "new", { surge: 0, unavailable: 1 }, ready);
  assert.equal(step.deletePods.map((p) => p.metadata!.name), ["b"]);
  // Surge: new pods start on up to maxSurge nodes; an old pod goes once the new one is available.
  step = rollingUpdateStep(map([["n1", [dpod("a", "old", true)]], ["n2", [dpod("b", "old", true)]], ["n3", [dpod("c", "old", true)]]]), "new", { surge: 2, unavailable: 0 }, ready);
  assert.equal(step.surgeNodes, ["n1", "n2"]);
  step = rollingUpdateStep(map([["n1", [dpod("a", "old", true), dpod("a2", "new", true)]], ["n2", [dpod("b", "old", true), dpod("b2", "new", false)]], ["n3", [dpod("c", "old", true)]]]), "new", { surge: 2, unavailable: 0 }, ready);
  assert.equal(step.deletePods.map((p) => p.metadata!.name), ["a"]);
  assert.equal(step.surgeNodes, ["n3"]);
});

const DS = (image: string, extra: Partial<NonNullable<DaemonSet["spec"]>> = {}): DaemonSet => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "agent", namespace: "default" },
  spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image }] } }, ...extra },
});

const livePods = async (cluster: Cluster, uid: string): Promise<Pod[]> => (await podsOf(cluster, "default", uid)).filter((p) => !p.metadata?.deletionTimestamp);

test("a DaemonSet runs one pod per eligible node through the scheduler, follows nodes coming and going, and reports status", async () => {
  await withCluster(async (cluster) => {
    const stop = fakeKubelet(cluster, { scheduled: true });
    const created = (await cluster.client.resource<DaemonSet>("DaemonSet").create(DS("agent:1"))) as DaemonSet;
    const uid = created.metadata!.uid!;
    const done = await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.numberReady === 2 && d.status?.observedGeneration === 1, { namespace: "default" });
    // As the API server serves it: numberUnavailable (omitempty) is gone at 0, numberMisscheduled (no omitempty) is there.
    assert.equal(
      { ...done.status, conditions: undefined },
      { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2, observedGeneration: 1, conditions: undefined },
    );
    const pods = await livePods(cluster, uid);
    assert.equal(pods.map((p) => p.spec!.nodeName).sort(), ["kubesim-worker", "kubesim-worker2"], "control-plane is tainted NoSchedule");
    for (const p of pods) {
      const terms = p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
      assert.equal(terms, [{ matchFields: [{ key: "metadata.name", operator: "In", values: [p.spec!.nodeName!] }] }]);
      assert.ok(p.spec!.tolerations!.some((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute"));
      assert.match(p.metadata!.name!, /^agent-[a-z0-9]{5}$/);
      assert.is(p.metadata!.labels!["pod-template-generation"], "1");
    }
    const revs = (await cluster.client.resource<ControllerRevision>("ControllerRevision").list({ namespace: "default" })).items as ControllerRevision[];
    assert.is(revs.length, 1);
    const hash = revs[0]!.metadata!.labels!["controller-revision-hash"]!;
    assert.is(revs[0]!.metadata!.name, `agent-${hash}`);
    assert.is(revs[0]!.revision, 1);
    assert.ok(pods.every((p) => p.metadata!.labels!["controller-revision-hash"] === hash));
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "SuccessfulCreate" && e.involvedObject.kind === "DaemonSet", { namespace: "default" });
    assert.match(ev.message!, /^Created pod: agent-[a-z0-9]{5}$/);
    assert.is(ev.source?.component, "daemonset-controller");

    // A new node gets a pod; a removed node loses it — to the pod garbage collector, after its
    // 40 s quarantine (the DaemonSet controller leaves pods bound to a gone node alone).
    await cluster.addNode({ name: "kubesim-worker3" });
    await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.numberReady === 3 && d.status.desiredNumberScheduled === 3, { namespace: "default" });
    await cluster.removeNode("kubesim-worker3");
    await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.desiredNumberScheduled === 2, { namespace: "default" });
    await cluster.clock.sleep(1000);
    assert.equal((await livePods(cluster, uid)).map((p) => p.spec!.nodeName).sort(), ["kubesim-worker", "kubesim-worker2", "kubesim-worker3"]);
    await cluster.clock.sleep(61_000);
    assert.equal((await livePods(cluster, uid)).map((p) => p.spec!.nodeName).sort(), ["kubesim-worker", "kubesim-worker2"]);

    // A nodeSelector that stops matching a node removes its pod (misscheduled until then).
    await cluster.client.resource<Node>("Node").patch("kubesim-worker", "merge", { metadata: { labels: { agent: "yes" } } });
    await cluster.client.resource<DaemonSet>("DaemonSet").patch("agent", "merge", { spec: { template: { spec: { nodeSelector: { agent: "yes" } } } } }, { namespace: "default" });
    await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.desiredNumberScheduled === 1 && d.status.numberMisscheduled === 0 && d.status.updatedNumberScheduled === 1 && d.status.numberReady === 1, { namespace: "default" });
    const after = await livePods(cluster, uid);
    assert.equal(after.map((p) => p.spec!.nodeName), ["kubesim-worker"]);
    const del = await cluster.waitFor<Event>("Event", (e) => e.reason === "SuccessfulDelete" && e.involvedObject.kind === "DaemonSet", { namespace: "default" });
    assert.match(del.message!, /^Deleted pod: agent-[a-z0-9]{5}$/);
    stop();
  }, { nodes: 3, plugins: WITH_SCHEDULER });
});

test("RollingUpdate replaces pods within maxUnavailable, records revisions; OnDelete waits for deletions", async () => {
  await withCluster(async (cluster) => {
    const stop = fakeKubelet(cluster, { scheduled: true });
    const dsClient = cluster.client.resource<DaemonSet>("DaemonSet");
    const created = (await dsClient.create(DS("agent:1"))) as DaemonSet;
    const uid = created.metadata!.uid!;
    await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.numberReady === 3, { namespace: "default" });
    // Track the most pods ever unavailable at once during the rollout.
    let worst = 0;
    const reg = cluster.informers.forResource<DaemonSet>("DaemonSet").addEventHandler({ onUpdate: (_o, n) => void (worst = Math.max(worst, (n.status?.desiredNumberScheduled ?? 0) - (n.status?.numberAvailable ?? 0))) });
    await dsClient.patch("agent", "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "agent:2" }] } } } }, { namespace: "default" });
    const rolled = await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.updatedNumberScheduled === 3 && d.status.numberAvailable === 3 && d.status.observedGeneration === 2, { namespace: "default", timeout: 120_000 });
    reg.remove();
    assert.ok(worst <= 1, `at most maxUnavailable=1 unavailable (saw ${worst})`);
    assert.is(rolled.status!.currentNumberScheduled, 3);
    const revs = ((await cluster.client.resource<ControllerRevision>("ControllerRevision").list({ namespace: "default" })).items as ControllerRevision[]).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    assert.equal(revs.map((r) => r.revision), [1, 2]);
    const newHash = revs[1]!.metadata!.labels!["controller-revision-hash"];
    assert.ok((await livePods(cluster, uid)).every((p) => p.spec!.containers[0]!.image === "agent:2" && p.metadata!.labels!["controller-revision-hash"] === newHash));
    assert.is(rolled.metadata!.annotations!["deprecated.daemonset.template.generation"], "2", "a template change bumps the template generation");
    assert.ok((await livePods(cluster, uid)).every((p) => p.metadata!.labels!["pod-template-generation"] === "2"));

    // OnDelete: a template change touches no pod until one is deleted.
    await dsClient.patch("agent", "merge", { spec: { updateStrategy: { type: "OnDelete", rollingUpdate: null }, template: { spec: { containers: [{ name: "c", image: "agent:3" }] } } } }, { namespace: "default" });
    await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.observedGeneration === 3, { namespace: "default" });
    await cluster.clock.sleep(5000);
    let live = await livePods(cluster, uid);
    assert.ok(live.every((p) => p.spec!.containers[0]!.image === "agent:2"));
    await cluster.client.resource("Pod").delete(live[0]!.metadata!.name!, { namespace: "default" });
    await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.updatedNumberScheduled === 1 && d.status.numberReady === 3, { namespace: "default" });
    live = await livePods(cluster, uid);
    assert.equal(live.map((p) => p.spec!.containers[0]!.image).sort(), ["agent:2", "agent:2", "agent:3"]);
    stop();
  }, { nodes: 4, plugins: WITH_SCHEDULER });
});

test("maxSurge starts the new pod next to the old one before deleting it", async () => {
  await withCluster(async (cluster) => {
    const stop = fakeKubelet(cluster, { scheduled: true });
    const dsClient = cluster.client.resource<DaemonSet>("DaemonSet");
    const created = (await dsClient.create(DS("agent:1", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }))) as DaemonSet;
    // Watch the rollout from a settled start: both pods available, and the informer the check uses has seen it.
    const settled = (d: DaemonSet): boolean => d.status?.numberAvailable === 2 && d.status.desiredNumberScheduled === 2;
    await cluster.waitFor<DaemonSet>("DaemonSet", settled, { namespace: "default" });
    await cluster.clock.sleep(1000);
    let worst = 0;
    const reg = cluster.informers.forResource<DaemonSet>("DaemonSet").addEventHandler({ onUpdate: (_o, n) => void (worst = Math.max(worst, (n.status?.desiredNumberScheduled ?? 0) - (n.status?.numberAvailable ?? 0))) });
    await dsClient.patch("agent", "merge", { spec: { template: { spec: { containers: [{ name: "c", image: "agent:2" }] } } } }, { namespace: "default" });
    await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.status?.updatedNumberScheduled === 2 && d.status.numberAvailable === 2 && d.status.observedGeneration === 2, { namespace: "default", timeout: 120_000 });
    await cluster.clock.sleep(2000);
    reg.remove();
    assert.is(worst, 0, "never fewer available pods than nodes");
    const live = await livePods(cluster, created.metadata!.uid!);
    assert.equal(live.map((p) => p.spec!.containers[0]!.image), ["agent:2", "agent:2"]);
    stop();
  }, { nodes: 3, plugins: WITH_SCHEDULER });
});

test("node verdicts are cached per template generation and node labels and taints, not per object", () => {
  const verdicts = new NodeVerdicts();
  const spec = { containers: [{ name: "c" }], nodeSelector: { agent: "yes" } };
  const a = node("a", { agent: "yes" });
  assert.equal(verdicts.get(a, "uid", 1, spec), { shouldRun: true, shouldContinueRunning: true });
  // A heartbeat: a new object, same labels and taints. The cached verdict stands even for a spec
  // object that would now say otherwise (same generation: the same template).
  const heartbeat: Node = { ...a, status: { conditions: [{ type: "Ready", status: "True" }] } };
  assert.equal(verdicts.get(heartbeat, "uid", 1, { ...spec, nodeSelector: { agent: "no" } }), { shouldRun: true, shouldContinueRunning: true });
  // A new generation re-evaluates.
  assert.equal(verdicts.get(heartbeat, "uid", 2, { ...spec, nodeSelector: { agent: "no" } }), { shouldRun: false, shouldContinueRunning: false });
  // New labels or taints re-evaluate.
  assert.equal(verdicts.get(node("a", { agent: "no" }), "uid", 1, spec), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(verdicts.get(node("a", { agent: "yes" }, [{ key: "k", effect: "NoExecute" }]), "uid", 1, spec), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(verdicts.get(node("a", { agent: "yes" }, [{ key: "k", effect: "NoSchedule" }]), "uid", 1, spec), { shouldRun: false, shouldContinueRunning: true });
  assert.equal(verdicts.get(node("a", { agent: "yes" }), "other", 1, spec), { shouldRun: true, shouldContinueRunning: true }, "per set");
});

test("status tally: per-node shares add up to upstream's counters and follow re-evaluated nodes", () => {
  const ready = (name: string, hash: string): Pod => ({ ...dpod(name, hash, true), metadata: { name, creationTimestamp: "2026-01-01T00:00:0" + name.length + "Z", labels: { "controller-revision-hash": hash } } });
  const always = (): boolean => true;
  const tally = new StatusTally();
  tally.set("n1", nodeTally(true, [ready("a", "h")], "h", always));
  tally.set("n2", nodeTally(true, [dpod("b", "old", false)], "h", always));
  tally.set("n3", nodeTally(true, [], "h", always));
  tally.set("n4", nodeTally(false, [ready("d", "h")], "h", always));
  tally.set("gone", nodeTally(undefined, [dpod("e", "old", true)], "h", always));
  assert.equal(tally.counters(), { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1, numberUnavailable: 2 });
  assert.ok(tally.hasOld);
  // n2's pod replaced by an updated ready one, the gone node's pod removed, n4 gone.
  tally.set("n2", nodeTally(true, [ready("b2", "h")], "h", always));
  tally.set("gone", nodeTally(undefined, [], "h", always));
  tally.set("n4", nodeTally(undefined, [], "h", always));
  assert.equal(tally.counters(), { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberUnavailable: 1 });
  assert.not.ok(tally.hasOld);
  // Two pods on a node: the oldest is the one counted as ready.
  const later: Pod = { ...dpod("c", "h", false), metadata: { name: "c", creationTimestamp: "2026-01-01T00:00:09Z", labels: { "controller-revision-hash": "h" } } };
  tally.set("n3", nodeTally(true, [later, ready("cc", "h")], "h", always));
  assert.is(tally.counters().numberReady, 3);
});

test("node label and taint changes, relabelled and failed pods re-evaluate only their node", async () => {
  await withCluster(async (cluster) => {
    const stop = fakeKubelet(cluster, { scheduled: true });
    const dsClient = cluster.client.resource<DaemonSet>("DaemonSet");
    const nodes = cluster.client.resource<Node>("Node");
    await nodes.patch("kubesim-worker", "merge", { metadata: { labels: { agent: "yes" } } });
    const created = (await dsClient.create(DS("agent:1", { template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image: "agent:1" }], nodeSelector: { agent: "yes" } } } }))) as DaemonSet;
    const uid = created.metadata!.uid!;
    const ds = (p: (d: DaemonSet) => boolean): Promise<DaemonSet> => cluster.waitFor<DaemonSet>("DaemonSet", p, { namespace: "default" });
    await ds((d) => d.status?.numberReady === 1 && d.status.desiredNumberScheduled === 1);
    const onNodes = async (): Promise<string[]> => (await livePods(cluster, uid)).map((p) => p.spec!.nodeName!).sort();
    // A node gaining the label gets a pod (the set itself did not change).
    await nodes.patch("kubesim-worker2", "merge", { metadata: { labels: { agent: "yes" } } });
    await ds((d) => d.status?.numberReady === 2 && d.status.desiredNumberScheduled === 2);
    assert.equal(await onNodes(), ["kubesim-worker", "kubesim-worker2"]);
    // An untolerated NoExecute taint removes the node's pod.
    await nodes.patch("kubesim-worker2", "merge", { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] } });
    await ds((d) => d.status?.desiredNumberScheduled === 1 && d.status.numberMisscheduled === 0 && d.status.currentNumberScheduled === 1);
    await cluster.clock.sleep(1000);
    assert.equal(await onNodes(), ["kubesim-worker"]);
    // A pod relabelled out of the selector is released, and the node gets a new pod.
    const [first] = await livePods(cluster, uid);
    await cluster.client.resource<Pod>("Pod").patch(first!.metadata!.name!, "merge", { metadata: { labels: { app: "other" } } }, { namespace: "default" });
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === first!.metadata!.name && !p.metadata?.ownerReferences?.length, { namespace: "default" });
    // The set's status may still count the released pod: wait for its replacement to be Ready.
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name !== first!.metadata!.name && !!p.metadata?.ownerReferences?.some((r) => r.uid === uid) && !!p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"), { namespace: "default" });
    await ds((d) => d.status?.numberReady === 1);
    const replaced = await livePods(cluster, uid);
    assert.is(replaced.length, 1);
    assert.is.not(replaced[0]!.metadata!.name, first!.metadata!.name);
    // A failed pod is deleted (with a FailedDaemonPod event) and replaced on its node.
    stop();
    for (let attempt = 0; ; attempt++) {
      try {
        await setPodStatus(cluster, replaced[0]!, { phase: "Failed", node: "kubesim-worker" });
        break;
      } catch (err) {
        if (attempt > 5) throw err;
        await cluster.clock.sleep(100);
      }
    }
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "FailedDaemonPod", { namespace: "default" });
    assert.is(ev.message, `Found failed daemon pod default/${replaced[0]!.metadata!.name} on node kubesim-worker, will try to kill it`);
    await cluster.clock.sleep(1000);
    const live = await livePods(cluster, uid);
    assert.equal(live.map((p) => p.spec!.nodeName ?? p.spec!.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0]), ["kubesim-worker"]);
    assert.is.not(live[0]!.metadata!.name, replaced[0]!.metadata!.name);
  }, { nodes: 3, plugins: WITH_SCHEDULER });
});

test.run();
