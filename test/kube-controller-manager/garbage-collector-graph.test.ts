import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../../core/api/object.js";
import type { RegisteredType } from "../../core/api/resource-registry.js";
import type { SharedInformer } from "../../core/informers/shared-informer.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { isStatusError } from "../../core/api/status.js";
import type { VirtualClock } from "../../core/clock/virtual-clock.js";
import { KubeControllerManager } from "../../plugins/kube-controller-manager/index.js";
import { GraphBuilder, type GraphSink, type Identity, type Monitor } from "../../plugins/kube-controller-manager/controllers/garbagecollector/graph-builder.js";

/** A monitor for the graph builder: only its type's descriptor is read when observing. */
function monitor(group: string, kind: string, plural: string, namespaced = true): Monitor {
  const type = { descriptor: { group, version: "v1", kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, namespaced, shortNames: [], categories: [], subresources: [] }, strategy: {} } as RegisteredType;
  return { type, informer: undefined as unknown as SharedInformer<KubeObject> };
}

const PODS = monitor("", "Pod", "pods");
const REPLICASETS = monitor("apps", "ReplicaSet", "replicasets");

/** Counts what the graph sends to the collector's queues, by uid. */
function recorder(): GraphSink & { deletes: string[]; orphans: string[]; absent: Identity[]; reset(): void } {
  const r = {
    deletes: [] as string[],
    orphans: [] as string[],
    absent: [] as Identity[],
    attemptToDelete: (n: { identity: Identity }) => void r.deletes.push(n.identity.uid),
    attemptToOrphan: (n: { identity: Identity }) => void r.orphans.push(n.identity.uid),
    ownerAbsent: (id: Identity) => void r.absent.push(id),
    reset() {
      r.deletes.length = 0;
      r.orphans.length = 0;
      r.absent.length = 0;
    },
  };
  return r;
}

const rs = (uid: string, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: `rs-${uid}`, namespace: "default", uid, ...extra } });
const refTo = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: `rs-${uid}`, uid, controller: true, blockOwnerDeletion: true, ...extra });
const pod = (owners: OwnerReference[], extra: Partial<Pod> = {}): Pod => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "default", uid: "pod-1", resourceVersion: "1", ownerReferences: owners }, ...extra });

/** A graph with ReplicaSet `a` observed and its pod added; the queues emptied. */
function withPod(): { graph: GraphBuilder; sink: ReturnType<typeof recorder>; p: Pod } {
  const sink = recorder();
  const graph = new GraphBuilder(sink);
  graph.observe(REPLICASETS, rs("a"));
  const p = pod([refTo("a")]);
  graph.observe(PODS, p as KubeObject);
  assert.equal(sink.deletes, [], "a pod whose owner is observed with matching coordinates sends nothing");
  return { graph, sink, p };
}

test("a status-only update of a pod sends nothing to either queue", () => {
  const { graph, sink, p } = withPod();
  let old = p;
  for (let i = 2; i <= 5; i++) {
    // Fresh objects with equal (not identical) ownerReferences, as decoded watch events carry.
    const next: Pod = { ...old, metadata: { ...old.metadata!, resourceVersion: String(i), ownerReferences: [refTo("a")] }, status: { phase: "Running", conditions: [{ type: "Ready", status: i % 2 ? "True" : "False" }] } };
    graph.observe(PODS, next as KubeObject, old as KubeObject);
    old = next;
  }
  const labelled: Pod = { ...old, metadata: { ...old.metadata!, labels: { app: "web" } } };
  graph.observe(PODS, labelled as KubeObject, old as KubeObject);
  assert.equal(sink.deletes, []);
  assert.equal(sink.orphans, []);
});

test("an ownerReference change is acted on: a new unobserved owner becomes a virtual node to check, an unblocked owner is checked", () => {
  const { graph, sink, p } = withPod();
  // A second owner nobody observed yet: a virtual node, sent to attemptToDelete to be confirmed.
  const twoOwners: Pod = { ...p, metadata: { ...p.metadata!, resourceVersion: "2", ownerReferences: [refTo("a"), refTo("b", { controller: false })] } };
  graph.observe(PODS, twoOwners as KubeObject, p as KubeObject);
  assert.equal(sink.deletes, ["b"]);
  assert.ok(graph.node("b")?.virtual);
  assert.equal([...graph.node("b")!.dependents!].map((d) => d.identity.uid), ["pod-1"]);
  sink.reset();
  // Dropping blockOwnerDeletion on the reference to `a`: `a` may be waiting on this pod.
  const unblocked: Pod = { ...twoOwners, metadata: { ...twoOwners.metadata!, resourceVersion: "3", ownerReferences: [refTo("a", { blockOwnerDeletion: false }), refTo("b", { controller: false })] } };
  graph.observe(PODS, unblocked as KubeObject, twoOwners as KubeObject);
  assert.equal(sink.deletes, ["a"]);
  sink.reset();
  // Removing the reference to `a` (not blocking any more): the graph follows, nothing to check.
  const onlyB: Pod = { ...unblocked, metadata: { ...unblocked.metadata!, resourceVersion: "4", ownerReferences: [refTo("b", { controller: false })] } };
  graph.observe(PODS, onlyB as KubeObject, unblocked as KubeObject);
  assert.equal(sink.deletes, []);
  assert.is(graph.node("a")!.dependents!.size, 0);
  // Dropping the virtual owner `b`: nothing refers to it any more, it leaves the graph.
  graph.observe(PODS, { ...onlyB, metadata: { ...onlyB.metadata!, resourceVersion: "5", ownerReferences: [] } } as KubeObject, onlyB as KubeObject);
  assert.is(graph.node("b"), undefined);
  assert.ok(graph.node("a"), "an observed owner stays");
});

test("a reference whose coordinates disagree with the observed owner sends the dependent", () => {
  const sink = recorder();
  const graph = new GraphBuilder(sink);
  graph.observe(REPLICASETS, rs("a"));
  graph.observe(PODS, pod([refTo("a", { name: "not-rs-a" })]) as KubeObject);
  assert.equal(sink.deletes, ["pod-1"]);
});

test("deleting an owner sends its dependents and records it absent; deleting a dependent sends an owner deleting in the foreground", () => {
  const { graph, sink, p } = withPod();
  const a = rs("a");
  const deleting = { ...a, metadata: { ...a.metadata!, deletionTimestamp: "2025-01-01T00:00:00Z", finalizers: ["foregroundDeletion"] } };
  graph.observe(REPLICASETS, deleting, a);
  assert.equal(sink.deletes, ["pod-1", "a"], "foreground deletion starts: the dependents and the owner");
  sink.reset();
  // Another update while still deleting: no transition, nothing sent.
  graph.observe(REPLICASETS, { ...deleting, metadata: { ...deleting.metadata, resourceVersion: "9" } }, deleting);
  assert.equal(sink.deletes, []);
  graph.forget(p as KubeObject);
  assert.equal(sink.deletes, ["a"], "the owner waiting for its dependents is checked again");
  assert.is(graph.node("pod-1"), undefined);
  sink.reset();
  const { graph: g2, sink: s2 } = withPod();
  g2.forget(rs("a"));
  assert.equal(s2.deletes, ["pod-1"]);
  assert.equal(s2.absent.map((i) => i.uid), ["a"]);
});

test("deletion starting with the orphan finalizer sends the owner to attemptToOrphan, once", () => {
  const { graph, sink } = withPod();
  const a = rs("a");
  const orphaning = { ...a, metadata: { ...a.metadata!, deletionTimestamp: "2025-01-01T00:00:00Z", finalizers: ["orphan"] } };
  graph.observe(REPLICASETS, orphaning, a);
  graph.observe(REPLICASETS, { ...orphaning, metadata: { ...orphaning.metadata, resourceVersion: "7" } }, orphaning);
  assert.equal(sink.orphans, ["a"]);
  assert.equal(sink.deletes, []);
});

test("a virtual owner confirmed absent goes from the graph and its dependents are checked; one observed later becomes real", () => {
  const sink = recorder();
  const graph = new GraphBuilder(sink);
  graph.observe(PODS, pod([refTo("ghost")]) as KubeObject);
  assert.equal(sink.deletes, ["ghost"]);
  sink.reset();
  graph.virtualDelete(graph.node("ghost")!.identity);
  assert.is(graph.node("ghost"), undefined);
  assert.equal(sink.deletes, ["pod-1"]);
  const sink2 = recorder();
  const g2 = new GraphBuilder(sink2);
  g2.observe(PODS, pod([refTo("late")]) as KubeObject);
  g2.observe(REPLICASETS, rs("late"));
  assert.not.ok(g2.node("late")!.virtual);
  assert.equal(sink2.deletes, ["late"], "only the virtual node's own check; the matching dependent is not suspect");
});

/** `workqueue_adds_total` of a queue, from kube-controller-manager's metrics text. */
async function adds(kcm: KubeControllerManager, queue: string): Promise<number> {
  const line = (await kcm.metrics.metrics()).split("\n").find((l) => l.startsWith(`workqueue_adds_total{name="${queue}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

test("in a cluster: pod status updates add nothing to the collector's queues; an ownerReference to a missing owner is checked and pruned", async () => {
  const cluster = new Cluster({ clock: "virtual", autoAdvance: false, plugins: [] });
  await cluster.start();
  const clock = cluster.clock as VirtualClock;
  const deps = { client: cluster.client, informers: cluster.informers, clock: cluster.clock, log: cluster.log, registry: cluster.registry };
  const kcm = new KubeControllerManager(deps, { controllers: "garbagecollector", leaderElect: false });
  const running = kcm.start();
  const cms = cluster.client.resource("ConfigMap");
  const pods = cluster.client.resource<Pod>("Pod");
  const owner = await cms.create({ metadata: { name: "owner", namespace: "default" } });
  const ref: OwnerReference = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! };
  await pods.create({ metadata: { name: "p", namespace: "default", ownerReferences: [ref] }, spec: { containers: [{ name: "c", image: "nginx" }] } });
  await clock.advance(1_000);
  const before = await adds(kcm, "garbage_collector_attempt_to_delete");
  for (const phase of ["Pending", "Running", "Running"] as const) {
    const p = await pods.get("p", { namespace: "default" });
    await pods.updateSubresource("p", "status", { ...p, status: { ...p.status, phase, conditions: [{ type: "Ready", status: phase === "Running" ? "True" : "False" }] } }, { namespace: "default" });
    await clock.advance(100);
  }
  assert.is(await adds(kcm, "garbage_collector_attempt_to_delete"), before, "status updates add nothing");
  assert.is(await adds(kcm, "garbage_collector_attempt_to_orphan"), 0);
  const p = await pods.get("p", { namespace: "default" });
  const ghost: OwnerReference = { apiVersion: "v1", kind: "ConfigMap", name: "ghost", uid: "00000000-0000-4000-8000-00000000beef" };
  await pods.update({ ...p, metadata: { ...p.metadata!, ownerReferences: [ref, ghost] } });
  await clock.advance(2_000);
  assert.ok((await adds(kcm, "garbage_collector_attempt_to_delete")) > before, "the new owner reference is checked");
  const pruned = await pods.get("p", { namespace: "default" });
  assert.equal(pruned.metadata!.ownerReferences!.map((r) => r.name), ["owner"], "the dangling reference is removed, the pod stays with its live owner");
  await cms.delete("owner", { namespace: "default" });
  await clock.advance(2_000);
  try {
    await pods.get("p", { namespace: "default" });
    assert.unreachable("the pod outlived its owner");
  } catch (err) {
    assert.ok(isStatusError(err, "NotFound"));
  }
  await kcm.stop();
  await running;
  await cluster.stop();
});

test.run();
