import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import type { RuntimeClass } from "kubernetes-types/node/v1.js";
import { isStatusError } from "../../core/api/status.js";
import { NodeCommands } from "../../core/cluster/node-commands.js";
import docker from "../../plugins/runtime-docker/index.js";
import { columns, kubeletCluster, pod } from "./harness.js";

const rc = (name: string, handler: string, extra: Partial<RuntimeClass> = {}): RuntimeClass => ({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name }, handler, ...extra });

async function failure(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isStatusError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected the request to fail");
}

test("RuntimeClass objects: handler required and a DNS label, immutable", async () => {
  const { cluster } = await kubeletCluster({ network: false });
  try {
    const classes = cluster.client.resource<RuntimeClass>({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass" });
    await classes.create(rc("gvisor", "runsc"));
    const bad = await failure(classes.create(rc("bad", "Not_A_Label")));
    assert.is(bad.code, 422);
    assert.match(bad.message, /RuntimeClass\.node\.k8s\.io "bad" is invalid: handler: Invalid value: "Not_A_Label"/);
    const current = await classes.get("gvisor");
    const immutable = await failure(classes.update({ ...current, handler: "kata" }));
    assert.is(immutable.code, 422);
    assert.match(immutable.message, /handler: Invalid value: "kata": field is immutable/);
  } finally {
    await cluster.stop();
  }
});

test("RuntimeClass admission: unknown class refused; overhead and scheduling copied onto the pod", async () => {
  const { cluster, pods } = await kubeletCluster({ network: false });
  try {
    const missing = await failure(pods.create(pod("p", { runtimeClassName: "nope", containers: [{ name: "c", image: "busybox" }] })));
    assert.is(missing.code, 403);
    assert.is(missing.message, 'pods "p" is forbidden: pod rejected: RuntimeClass "nope" not found');
    const classes = cluster.client.resource<RuntimeClass>({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass" });
    await classes.create(rc("sandboxed", "runc", { overhead: { podFixed: { cpu: "250m", memory: "120Mi" } }, scheduling: { nodeSelector: { sandbox: "yes" }, tolerations: [{ key: "sandbox", operator: "Exists", effect: "NoSchedule" }] } }));
    const created = await pods.create(pod("q", { runtimeClassName: "sandboxed", containers: [{ name: "c", image: "busybox" }] }));
    assert.equal(created.spec!.overhead, { cpu: "250m", memory: "120Mi" });
    assert.equal(created.spec!.nodeSelector, { sandbox: "yes" });
    assert.ok(created.spec!.tolerations!.some((t) => t.key === "sandbox"));
    const conflict = await failure(pods.create(pod("r", { runtimeClassName: "sandboxed", nodeSelector: { sandbox: "no" }, containers: [{ name: "c", image: "busybox" }] })));
    assert.is(conflict.message, 'pods "r" is forbidden: pod rejected: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = yes; pod.spec.nodeSelector[sandbox] = no');
    const noClass = await failure(pods.create(pod("s", { overhead: { cpu: "1" }, containers: [{ name: "c", image: "busybox" }] })));
    assert.is(noClass.message, 'pods "s" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  } finally {
    await cluster.stop();
  }
});

test("the kubelet runs a pod with its RuntimeClass's handler; a handler the runtime lacks fails sandbox creation as upstream", async () => {
  const { cluster, pods } = await kubeletCluster({ extra: [docker], nodes: [{ name: "node-1" }, { name: "node-2", runtime: "docker" }] });
  try {
    const classes = cluster.client.resource<RuntimeClass>({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass" });
    await classes.create(rc("test", "test-handler"));
    await classes.create(rc("gvisor", "runsc"));
    await classes.create(rc("runc", "runc"));
    await pods.create(pod("ok", { runtimeClassName: "test", containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] }));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "ok" && p.status?.phase === "Running");
    const crictl = cluster.extensions.point(NodeCommands).get("crictl")!;
    assert.match((await crictl({ nodeName: "node-1", scope: cluster.nodes.get("node-1")!.scope, argv: ["crictl", "pods"] })).stdout, /Ready\s+ok\s+default\s+0\s+test-handler\n/);

    await pods.create(pod("gv", { runtimeClassName: "gvisor", containers: [{ name: "c", image: "busybox" }] }));
    const ev = await cluster.waitFor<Event>("Event", (e) => e.involvedObject?.name === "gv" && e.reason === "FailedCreatePodSandBox");
    assert.is(ev.type, "Warning");
    assert.is(ev.message, 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox runtime: no runtime for "runsc" is configured');
    assert.is(columns(await pods.get("gv", { namespace: "default" })), "0/1 ContainerCreating 0");

    await pods.create(pod("dk", { runtimeClassName: "runc", containers: [{ name: "c", image: "busybox" }] }, "node-2"));
    const dk = await cluster.waitFor<Event>("Event", (e) => e.involvedObject?.name === "dk" && e.reason === "FailedCreatePodSandBox");
    assert.is(dk.message, 'Failed to create pod sandbox: rpc error: code = Unknown desc = RuntimeHandler "runc" not supported');

    // A RuntimeClass deleted after the pod was admitted: the kubelet's lookup fails.
    await classes.create(rc("gone", "runc"));
    await pods.create({ ...pod("late", { runtimeClassName: "gone", containers: [{ name: "c", image: "busybox" }] }), spec: { runtimeClassName: "gone", containers: [{ name: "c", image: "busybox" }] } });
    await classes.delete("gone");
    await pods.createSubresource("late", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "late", namespace: "default" }, target: { kind: "Node", name: "node-2" } } as never, { namespace: "default" });
    const late = await cluster.waitFor<Event>("Event", (e) => e.involvedObject?.name === "late" && e.reason === "FailedCreatePodSandBox");
    assert.is(late.message, 'Failed to create pod sandbox: runtimeclass.node.k8s.io "gone" not found');
  } finally {
    await cluster.stop();
  }
});

test.run();
