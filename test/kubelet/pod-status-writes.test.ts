import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event as CoreEvent, Pod } from "kubernetes-types/core/v1.js";
import { kubeletCluster, pod } from "./harness.js";

const condition = (p: Pod | undefined, type: string): string | undefined => p?.status?.conditions?.find((c) => c.type === type)?.status;

test("the kubelet writes a running pod's status only when it changes (no rewrite of an unchanged status)", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("web", { containers: [{ name: "nginx", image: "nginx:1.25" }] }));
    const ready = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "web" && condition(x, "Ready") === "True");
    // Housekeeping, lease renewals and the sync-period volume refresh run meanwhile.
    await cluster.clock.sleep(3 * 60_000);
    const later = await pods.get("web", { namespace: "default" });
    assert.is(later.metadata?.resourceVersion, ready.metadata?.resourceVersion);
    // Someone else overwrites a field the kubelet owns: the kubelet's next sync puts it back.
    await pods.patch("web", "merge", { status: { hostIP: "192.0.2.1", hostIPs: [{ ip: "192.0.2.1" }] } }, { namespace: "default", subresource: "status" });
    const fixed = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "web" && x.status?.hostIP !== "192.0.2.1");
    assert.is(fixed.status?.hostIP, ready.status?.hostIP);
  } finally {
    await cluster.stop();
  }
});

test("a readiness gate: the pod is Ready only once another component sets the gate's condition, which the kubelet keeps", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("gated", { readinessGates: [{ conditionType: "example.com/feature-1" }], containers: [{ name: "c", image: "nginx:1.25" }] }));
    const waiting = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "gated" && condition(x, "ContainersReady") === "True");
    const notReady = waiting.status?.conditions?.find((c) => c.type === "Ready");
    assert.is(notReady?.status, "False");
    assert.is(notReady?.reason, "ReadinessGatesNotReady");
    assert.is(notReady?.message, 'corresponding condition of pod readiness gate "example.com/feature-1" does not exist.');
    await pods.patch("gated", "strategic", { status: { conditions: [{ type: "example.com/feature-1", status: "True" }] } }, { namespace: "default", subresource: "status" });
    const ready = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "gated" && condition(x, "Ready") === "True");
    assert.is(condition(ready, "example.com/feature-1"), "True");
  } finally {
    await cluster.stop();
  }
});

test("kubelet admission counts the pods already running on the node (OutOfcpu with their requests as used)", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("first", { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], resources: { requests: { cpu: "3" } } }] }));
    await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "first" && x.status?.phase === "Running");
    await pods.create(pod("second", { containers: [{ name: "c", image: "busybox:1.36", resources: { requests: { cpu: "1500m" } } }] }));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "second" && x.status?.phase === "Failed");
    assert.is(p.status?.reason, "OutOfcpu");
    assert.is(p.status?.message, "Pod was rejected: Node didn't have enough resource: cpu, requested: 1500, used: 3000, capacity: 4000");
  } finally {
    await cluster.stop();
  }
});

test("kubelet admission stops counting a pod once it has finished or is gone from the node", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    const phaseOf = (name: string, phase: string) =>
      cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === name && x.status?.phase === phase).catch(async (err: Error) => {
        const p = await pods.get(name, { namespace: "default" });
        throw new Error(`${name} is ${p.status?.phase} (${p.status?.reason ?? ""} ${p.status?.message ?? ""}), not ${phase}: ${err.message}`);
      });
    // A completed pod's requests are free again.
    await pods.create(pod("done", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo ok"], resources: { requests: { cpu: "3" } } }] }));
    await phaseOf("done", "Succeeded");
    await pods.create(pod("next", { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], resources: { requests: { cpu: "3" } } }] }));
    await phaseOf("next", "Running");
    // While "next" runs its 3 CPUs are used...
    await pods.create(pod("over", { containers: [{ name: "c", image: "busybox:1.36", resources: { requests: { cpu: "1500m" } } }] }));
    const over = await phaseOf("over", "Failed");
    assert.is(over.status?.message, "Pod was rejected: Node didn't have enough resource: cpu, requested: 1500, used: 3000, capacity: 4000");
    // ...and once it is deleted and its containers are gone, they are free.
    await pods.delete("next", { namespace: "default", gracePeriodSeconds: 0 });
    await cluster.clock.sleep(5000);
    await pods.create(pod("last", { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], resources: { requests: { cpu: "3" } } }] }));
    await phaseOf("last", "Running");
  } finally {
    await cluster.stop();
  }
});

test("a stopped kubelet writes no pod status: a sync in flight as it stops does not report its aborted pulls and killed containers", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("starting", { containers: [{ name: "a", image: "nginx:1.25" }, { name: "b", image: "busybox:1.36", command: ["sleep", "3600"] }] }));
    // Stopped while it pulls the first image (nginx takes seconds).
    await cluster.waitFor<CoreEvent>("Event", (e) => e.involvedObject.name === "starting" && e.reason === "Pulling", { namespace: "default" });
    const creating = await pods.get("starting", { namespace: "default" });
    await cluster.removeNode("node-1");
    const stopped = await pods.get("starting", { namespace: "default" });
    await cluster.clock.sleep(60_000);
    const later = await pods.get("starting", { namespace: "default" });
    assert.is(later.metadata?.resourceVersion, stopped.metadata?.resourceVersion, JSON.stringify(later.status?.containerStatuses));
    assert.equal(later.status?.containerStatuses?.map((c) => c.state), creating.status?.containerStatuses?.map((c) => c.state));
  } finally {
    await cluster.stop();
  }
});

test.run();
