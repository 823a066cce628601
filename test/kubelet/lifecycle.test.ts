import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { Lease } from "kubernetes-types/coordination/v1.js";
import { columns, kubeletCluster, pod } from "./harness.js";

test("the kubelet registers its node with capacity, nodeInfo and Ready, and renews its lease", async () => {
  const { cluster } = await kubeletCluster();
  try {
    const node = await cluster.client.resource<Node>("Node").get("node-1");
    assert.is(node.status?.nodeInfo?.containerRuntimeVersion, "containerd://1.7.24");
    assert.is(node.status?.nodeInfo?.kubeletVersion, "v1.32.0");
    assert.is(node.status?.allocatable?.["memory"], "8286208Ki");
    assert.is(node.spec?.podCIDR, "10.244.0.0/24");
    assert.is(node.status?.conditions?.find((c) => c.type === "Ready")?.reason, "KubeletReady");
    assert.ok(node.status?.images?.some((i) => i.names?.includes("registry.k8s.io/pause:3.9")));
    const leases = cluster.client.resource<Lease>({ apiVersion: "coordination.k8s.io/v1", kind: "Lease" });
    // The kubelet creates its Lease right after registering its Node (an API round trip later).
    const first = await cluster.waitFor<Lease>({ apiVersion: "coordination.k8s.io/v1", kind: "Lease" }, (l) => l.metadata?.name === "node-1", { namespace: "kube-node-lease" });
    await cluster.clock.sleep(25_000);
    const later = await leases.get("node-1", { namespace: "kube-node-lease" });
    assert.ok(Date.parse(later.spec!.renewTime!) - Date.parse(first.spec!.renewTime!) >= 20_000);
  } finally {
    await cluster.stop();
  }
});

test("a node without a pod network is NotReady with the runtime's message; hostNetwork pods run, others stay ContainerCreating", async () => {
  const { cluster, pods } = await kubeletCluster({ network: false });
  try {
    const node = await cluster.client.resource<Node>("Node").get("node-1");
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    assert.is(ready?.status, "False");
    assert.is(ready?.message, "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized");
    await pods.create(pod("host", { hostNetwork: true, containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"] }] }));
    await pods.create(pod("web", { containers: [{ name: "nginx", image: "nginx:1.25" }] }));
    const host = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "host" && p.status?.phase === "Running");
    assert.is(host.status?.podIP, "172.18.0.2");
    await cluster.clock.sleep(30_000);
    const web = await pods.get("web", { namespace: "default" });
    assert.is(columns(web), "0/1 ContainerCreating 0");
  } finally {
    await cluster.stop();
  }
});

test("nginx runs: Running 1/1 with a pod IP, conditions, containerID and the entrypoint's log lines", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    await pods.create(pod("web", { containers: [{ name: "nginx", image: "nginx:1.25", ports: [{ containerPort: 80 }] }] }));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "web" && x.status?.phase === "Running" && !!x.status.containerStatuses?.[0]?.ready);
    assert.is(columns(p), "1/1 Running 0");
    assert.is(p.status?.podIP, "10.244.0.2");
    assert.match(p.status!.containerStatuses![0]!.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(p.status!.containerStatuses![0]!.imageID!, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.equal(p.status?.conditions?.map((c) => `${c.type}=${c.status}`), ["PodReadyToStartContainers=True", "Initialized=True", "Ready=True", "ContainersReady=True"]);
    const k = kubeletOf();
    const w = k.worker("default", "web")!;
    const logPath = `/var/log/pods/default_web_${p.metadata!.uid}/nginx/0.log`;
    const lines = k.runtime.logs.lines(logPath)!;
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z stdout F \/docker-entrypoint\.sh: \/docker-entrypoint\.d\/ is not empty, will attempt to perform configuration$/);
    assert.ok(lines.some((l) => / stderr F .*\[notice\] 1#1: start worker processes$/.test(l)));
    assert.ok(w.sandbox);
  } finally {
    await cluster.stop();
  }
});

test("a crashing container restarts with CrashLoopBackOff: immediately, then 10 s, 20 s, 40 s apart", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("crash", { containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo dying; exit 3"] }] }));
    const restartTimes: number[] = [];
    let seen = 0;
    await cluster.waitFor<Pod>("Pod", (x) => {
      const cs = x.status?.containerStatuses?.[0];
      if (x.metadata?.name === "crash" && cs && cs.restartCount > seen) {
        seen = cs.restartCount;
        restartTimes.push(cluster.clock.now());
      }
      return seen >= 4;
    }, { timeout: 300_000 });
    const gaps = restartTimes.slice(1).map((t, i) => Math.round((t - restartTimes[i]!) / 1000));
    // Each gap is the backoff plus the container's create/start time (well under a second).
    assert.equal(gaps.map((g) => Math.min(g, 999)), [10, 20, 40]);
    await cluster.clock.sleep(2_000);
    const p = await pods.get("crash", { namespace: "default" });
    const cs = p.status!.containerStatuses![0]!;
    assert.is(cs.lastState?.terminated?.exitCode, 3);
    assert.is(cs.lastState?.terminated?.reason, "Error");
    assert.is(columns(p), "0/1 CrashLoopBackOff 4");
    assert.match(cs.state?.waiting?.message ?? "", /^back-off 1m20s restarting failed container=c pod=crash_default\(/);
  } finally {
    await cluster.stop();
  }
});

test("an unknown image fails with ErrImagePull, then ImagePullBackOff", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("typo", { containers: [{ name: "web", image: "ngnix:1.25" }] }));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "typo" && x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ErrImagePull");
    assert.is(p.status!.containerStatuses![0]!.state!.waiting!.message, 'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/ngnix:1.25": failed to resolve reference "docker.io/library/ngnix:1.25": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed');
    const b = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "typo" && x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff");
    assert.is(columns(b), "0/1 ImagePullBackOff 0");
  } finally {
    await cluster.stop();
  }
});

test("init containers run in order before the app (Init:0/2 → PodInitializing → Running); a job-like pod completes", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    const seen = new Set<string>();
    await pods.create(pod("init", {
      initContainers: [
        { name: "one", image: "busybox:1.36", command: ["sh", "-c", "sleep 5"] },
        { name: "two", image: "busybox:1.36", command: ["sh", "-c", "sleep 5"] },
      ],
      containers: [{ name: "app", image: "busybox:1.36", command: ["sleep", "infinity"] }],
    }));
    await cluster.waitFor<Pod>("Pod", (x) => {
      if (x.metadata?.name === "init") seen.add(columns(x).split(" ")[1]!);
      return x.metadata?.name === "init" && x.status?.phase === "Running";
    });
    assert.ok(seen.has("Init:0/2"), [...seen].join(","));
    assert.ok(seen.has("Init:1/2"), [...seen].join(","));
    await pods.create(pod("job", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "for i in 1 2 3; do echo $i; done"] }] }));
    const done = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "job" && x.status?.phase === "Succeeded");
    assert.is(columns(done), "0/1 Completed 0");
    await pods.create(pod("fail", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["false"] }] }));
    const failed = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "fail" && x.status?.phase === "Failed");
    assert.is(columns(failed), "0/1 Error 0");
  } finally {
    await cluster.stop();
  }
});

test("liveness probe failures kill and restart the container with the upstream event message", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("live", {
      containers: [{
        name: "c", image: "busybox:1.36", command: ["sh", "-c", "touch /tmp/healthy; sleep 30; rm /tmp/healthy; sleep 600"],
        livenessProbe: { exec: { command: ["cat", "/tmp/healthy"] }, initialDelaySeconds: 5, periodSeconds: 5 },
      }],
    }));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "live" && (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, { timeout: 120_000 });
    assert.is(p.status!.containerStatuses![0]!.lastState!.terminated!.exitCode, 137);
    await cluster.clock.sleep(1000);
    const events = await cluster.client.resource("Event").list({ namespace: "default" });
    const messages = events.items.map((e) => (e as { message?: string }).message);
    assert.ok(messages.includes("Liveness probe failed: cat: /tmp/healthy: No such file or directory"), messages.join("\n"));
    assert.ok(messages.includes("Container c failed liveness probe, will be restarted"));
  } finally {
    await cluster.stop();
  }
});

test("graceful deletion: SIGTERM, the grace period, SIGKILL; then the kubelet removes the pod", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("stubborn", { terminationGracePeriodSeconds: 20, containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "trap '' TERM; sleep 3600"] }] }));
    await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "stubborn" && x.status?.phase === "Running");
    const start = cluster.clock.now();
    await pods.delete("stubborn", { namespace: "default" });
    const during = await pods.get("stubborn", { namespace: "default" });
    assert.is(columns(during).split(" ")[1], "Terminating");
    for (;;) {
      const gone = await pods.get("stubborn", { namespace: "default" }).then(() => false, () => true);
      if (gone) break;
      await cluster.clock.sleep(1000);
    }
    // The shell is the container's PID 1 and has no TERM handler: SIGTERM is ignored, SIGKILL comes after the 20 s grace period.
    const took = cluster.clock.now() - start;
    assert.ok(took >= 20_000 && took < 22_000, String(took));
  } finally {
    await cluster.stop();
  }
});

test("kubelet admission rejects a pod that does not fit (OutOfcpu)", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("big", { containers: [{ name: "c", image: "busybox:1.36", resources: { requests: { cpu: "8" } } }] }));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "big" && x.status?.phase === "Failed");
    assert.is(p.status?.reason, "OutOfcpu");
    assert.is(p.status?.message, "Pod was rejected: Node didn't have enough resource: cpu, requested: 8000, used: 0, capacity: 4000");
    assert.is(columns(p).split(" ")[1], "OutOfcpu");
  } finally {
    await cluster.stop();
  }
});

test.run();
