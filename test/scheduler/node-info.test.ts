import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { SchedulerCache } from "../../plugins/kube-scheduler/cache/scheduler-cache.js";
import { NodeInfo } from "../../plugins/kube-scheduler/framework/node-info.js";
import { PodInfo } from "../../plugins/kube-scheduler/framework/pod-info.js";
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, podRequests } from "../../plugins/kube-scheduler/framework/resource.js";
import { SeededRandom } from "../../core/clock/random.js";

function node(name: string, cpu: string, extra: Partial<Node["spec"]> = {}): Node {
  return { metadata: { name }, spec: extra, status: { allocatable: { cpu, memory: "8Gi", "ephemeral-storage": "10Gi", pods: "110" } } } as Node;
}
let uid = 0;
function pod(nodeName: string, cpu?: string): Pod {
  return {
    metadata: { name: `p${++uid}`, namespace: "default", uid: `u${uid}` },
    spec: { nodeName, containers: [{ name: "c", image: "x", ...(cpu ? { resources: { requests: { cpu, memory: "1Gi" } } } : {}) }] },
  } as Pod;
}

/** The inline numbers Filter and Score read agree with the NodeInfo's Resource totals. */
function assertInSync(ni: NodeInfo): void {
  assert.is(ni.allocatableMilliCPU, ni.allocatable.milliCPU, `${ni.name} allocatable cpu`);
  assert.is(ni.allocatableMemory, ni.allocatable.memory, `${ni.name} allocatable memory`);
  assert.is(ni.allocatableEphemeralStorage, ni.allocatable.ephemeralStorage);
  assert.is(ni.requestedMilliCPU, ni.requested.milliCPU, `${ni.name} requested cpu`);
  assert.is(ni.requestedMemory, ni.requested.memory);
  assert.is(ni.nonZeroRequestedMilliCPU, ni.nonZeroRequested.milliCPU);
  assert.is(ni.nonZeroRequestedMemory, ni.nonZeroRequested.memory);
  assert.is(ni.podCount, ni.pods.length);
  assert.is(ni.allowedPodNumber, ni.allocatable.allowedPodNumber);
}

test("NodeInfo numbers stay in sync through growth of the shared rows, pod changes and node removal", () => {
  const cache = new SchedulerCache();
  // More nodes than the initial rows hold, so the storage grows under existing NodeInfos.
  for (let i = 0; i < 150; i++) cache.addNode(node(`n${i}`, `${i + 1}`));
  const pods = Array.from({ length: 300 }, (_, i) => pod(`n${i % 150}`, i < 150 && i % 3 === 0 ? undefined : "250m"));
  for (const p of pods) cache.addPod(p);
  for (const ni of cache.list()) assertInSync(ni);
  assert.is(cache.get("n149")!.allocatableMilliCPU, 150_000);
  assert.is(cache.get("n1")!.requestedMilliCPU, 500);
  // Pods without requests count the defaults in the non-zero totals only.
  assert.is(cache.get("n0")!.requestedMilliCPU, 250);
  assert.is(cache.get("n0")!.nonZeroRequestedMilliCPU, 350);
  for (const p of pods.slice(0, 150)) cache.removePod(p);
  for (let i = 0; i < 50; i++) cache.removeNode(node(`n${i}`, "1"));
  // Freed rows are reused by new nodes without touching the others.
  for (let i = 150; i < 200; i++) cache.addNode(node(`n${i}`, "2", i % 2 ? { unschedulable: true, taints: [{ key: "k", effect: "NoSchedule" }] } : {}));
  for (const ni of cache.list()) assertInSync(ni);
  assert.is(cache.get("n151")!.requestedMilliCPU, 0);
  assert.is(cache.get("n151")!.unschedulable, true);
  assert.equal(cache.get("n151")!.taints, [{ key: "k", effect: "NoSchedule" }]);
  assert.is(cache.get("n150")!.unschedulable, false);
  assert.is(cache.get("n150")!.taints, undefined);
  assert.is(cache.get("n60")!.requestedMilliCPU, 250);
});

test("a NodeInfo clone has its own numbers", () => {
  const cache = new SchedulerCache();
  cache.addNode(node("a", "4"));
  cache.addNode(node("b", "4"));
  const original = cache.get("a")!;
  const copy = original.clone();
  copy.addPod(pod("a", "1"));
  assert.is(copy.requestedMilliCPU, 1000);
  assert.is(original.requestedMilliCPU, 0);
  assert.is(cache.get("b")!.requestedMilliCPU, 0);
  assertInSync(copy);
  assertInSync(original);
});

test("a bound pod confirming its assumed copy takes its place; a changed one is counted again", () => {
  const cache = new SchedulerCache();
  cache.addNode(node("a", "4"));
  cache.addNode(node("b", "4"));
  const base = pod("", "500m");
  const { nodeName: _unset, ...unbound } = base.spec!;
  const pending = { ...base, metadata: { ...base.metadata, labels: { app: "x" } }, spec: unbound } as Pod;
  const assumed = { ...pending, spec: { ...pending.spec!, nodeName: "a" } };
  cache.assumePod(assumed, "a");
  // The bound pod as the API server stores it: spec parts shared with the pending pod, metadata new.
  const bound = { ...pending, metadata: { ...pending.metadata, resourceVersion: "2", labels: { app: "x" } }, spec: { ...pending.spec!, nodeName: "a" } } as Pod;
  cache.addPod(bound);
  const a = cache.get("a")!;
  assert.is(a.pods.length, 1);
  assert.is(a.pods[0]!.pod, bound, "the NodeInfo holds the newer object");
  assert.is(a.requestedMilliCPU, 500);
  assert.is(cache.isAssumed(bound.metadata!.uid!), false);
  assertInSync(a);
  // A newer object with other requests (an in-place resize) is counted anew.
  const resized = { ...bound, spec: { ...bound.spec!, containers: [{ name: "c", image: "x", resources: { requests: { cpu: "1", memory: "1Gi" } } }] } } as Pod;
  cache.addPod(resized);
  assert.is(a.pods.length, 1);
  assert.is(a.requestedMilliCPU, 1000);
  // Moved to another node (never by a binding, but the cache follows what the informer says).
  cache.addPod({ ...resized, spec: { ...resized.spec!, nodeName: "b" } } as Pod);
  assert.is(a.pods.length, 0);
  assert.is(a.requestedMilliCPU, 0);
  assert.is(cache.get("b")!.requestedMilliCPU, 1000);
  assertInSync(a);
  assertInSync(cache.get("b")!);
});


test("NodeInfo removes and replaces pods by uid wherever they sit, in clones too, and leaves the others", () => {
  const ni = new NodeInfo("n");
  const pods = Array.from({ length: 6 }, () => pod("n", "100m"));
  for (const p of pods) ni.addPod(p);
  const uids = (info: NodeInfo): string[] => info.pods.map((p) => p.uid).sort();
  // Remove from the middle (the last moves into its place), then the one that moved.
  assert.is(ni.removePod(pods[1]!)?.pod, pods[1]);
  assert.is(ni.removePod(pods[5]!)?.pod, pods[5]);
  assert.is(ni.removePod(pods[5]!), undefined);
  assert.equal(uids(ni), [pods[0]!, pods[2]!, pods[3]!, pods[4]!].map((p) => p.metadata!.uid!).sort());
  assert.is(ni.requestedMilliCPU, 400);
  const copy = ni.clone();
  // A newer object of a pod takes its place; a stale PodInfo of it does not.
  const newer = { ...pods[3]!, metadata: { ...pods[3]!.metadata, resourceVersion: "2" } } as Pod;
  assert.ok(ni.replacePodInfo(PodInfo.of(pods[3]!), PodInfo.ofCopy(newer, pods[3]!)));
  assert.not.ok(ni.replacePodInfo(PodInfo.of(pods[3]!), PodInfo.of(newer)));
  assert.is(ni.removePod(pods[3]!)?.pod, newer);
  // The clone kept its own positions.
  assert.is(copy.removePod(pods[4]!)?.pod, pods[4]);
  assert.is(copy.removePod(pods[0]!)?.pod, pods[0]);
  assert.equal(uids(copy), [pods[2]!, pods[3]!].map((p) => p.metadata!.uid!).sort());
  assert.equal(uids(ni), [pods[0]!, pods[2]!, pods[4]!].map((p) => p.metadata!.uid!).sort());
  assertInSync(ni);
  assertInSync(copy);
});


test("a newer object of a placed pod takes its place: same node and labels keep the parsed data, changed labels or deletion are placed again, moved requests are parsed again", () => {
  const cache = new SchedulerCache();
  cache.addNode(node("a", "4"));
  cache.addNode(node("b", "4"));
  const p = pod("a", "500m");
  cache.assumePod(p, "a");
  // The binding's confirmation and a status write: new objects sharing the spec's parts.
  const confirmed: Pod = { ...p, metadata: { ...p.metadata!, resourceVersion: "2" } };
  cache.addPod(confirmed);
  assert.is(cache.isAssumed(p.metadata!.uid!), false);
  const status: Pod = { ...confirmed, status: { phase: "Running" } };
  cache.addPod(status);
  const a = cache.get("a")!;
  assert.is(a.pods.length, 1);
  assert.is(a.pods[0]!.pod, status);
  assert.is(a.requestedMilliCPU, 500);
  // Labels changed: placed again with the same requests; what the pod is counted under follows.
  const labelled: Pod = { ...status, metadata: { ...status.metadata!, labels: { app: "web" } } };
  cache.addPod(labelled);
  assert.is(a.pods.length, 1);
  assert.is(a.pods[0]!.pod, labelled);
  assert.is(a.pods[0]!.requests, PodInfo.of(p).requests, "parsed requests shared, not parsed again");
  assert.is(a.requestedMilliCPU, 500);
  // Being deleted: placed again, still counted.
  const deleting: Pod = { ...labelled, metadata: { ...labelled.metadata!, deletionTimestamp: "2026-01-01T00:00:00Z" } };
  cache.addPod(deleting);
  assert.is(a.pods[0]!.pod, deleting);
  assert.is(a.requestedMilliCPU, 500);
  // A different spec (a copy through JSON, requests changed) is parsed again.
  const resized: Pod = JSON.parse(JSON.stringify(deleting));
  resized.spec!.containers[0]!.resources!.requests!["cpu"] = "1";
  cache.addPod(resized);
  assert.is(a.pods.length, 1);
  assert.is(a.requestedMilliCPU, 1000);
  assertInSync(a);
  assertInSync(cache.get("b")!);
  cache.removePod(resized);
  assert.is(a.pods.length, 0);
  assert.is(a.requestedMilliCPU, 0);
});

test("podRequests of pods without init containers (one pass) equals the init-container path's and upstream's sums, defaults and overhead", () => {
  const random = new SeededRandom(11);
  const pick = <T>(xs: readonly T[]): T => xs[random.int(xs.length)]!;
  const CPU = [undefined, "0", "100m", "250m", "1", 2, 0] as const;
  const MEM = [undefined, "0", "64Mi", "1Gi", 1048576] as const;
  for (let n = 0; n < 500; n++) {
    const containers = Array.from({ length: 1 + random.int(3) }, (_, i) => {
      const shape = random.int(4);
      const cpu = pick(CPU);
      const memory = pick(MEM);
      const requests: Record<string, string | number> = {};
      if (cpu !== undefined) requests["cpu"] = cpu;
      if (memory !== undefined) requests["memory"] = memory;
      if (random.next() < 0.2) requests["example.com/gpu"] = 1 + random.int(2);
      if (random.next() < 0.2) requests["ephemeral-storage"] = "1Gi";
      return { name: `c${i}`, image: "x", ...(shape === 0 ? {} : shape === 1 ? { resources: {} } : { resources: { requests } }) };
    });
    const overhead = random.next() < 0.3 ? { cpu: pick(["10m", "250m"]), memory: pick(["32Mi", "120Mi"]) } : undefined;
    const pod = { metadata: { name: "p", namespace: "default" }, spec: { containers, ...(overhead ? { overhead } : {}) } } as unknown as Pod;
    const got = podRequests(pod);
    // The general path (init containers): one that requests nothing of anything changes no total.
    const viaInit = podRequests({ ...pod, spec: { ...pod.spec!, initContainers: [{ name: "i", image: "x", resources: { requests: { cpu: "0", memory: "0" } } }] } } as Pod);
    assert.equal(got, viaInit, JSON.stringify(pod.spec));
    // Upstream: requests summed (+ overhead); non-zero cpu/memory take the defaults where a container names none.
    const cpuOf = (v: string | number | undefined): number => (v === undefined ? 0 : typeof v === "number" ? v * 1000 : v.endsWith("m") ? Number(v.slice(0, -1)) : Number(v) * 1000);
    const memOf = (v: string | number | undefined): number => (v === undefined ? 0 : typeof v === "number" ? v : v.endsWith("Mi") ? Number(v.slice(0, -2)) * 2 ** 20 : v.endsWith("Gi") ? Number(v.slice(0, -2)) * 2 ** 30 : Number(v));
    let cpu = cpuOf(overhead?.cpu);
    let mem = memOf(overhead?.memory);
    let nzCpu = cpu;
    let nzMem = mem;
    for (const c of containers) {
      const r = (c as { resources?: { requests?: Record<string, string | number> } }).resources?.requests;
      cpu += cpuOf(r?.["cpu"]);
      mem += memOf(r?.["memory"]);
      nzCpu += r?.["cpu"] === undefined ? DEFAULT_MILLI_CPU_REQUEST : cpuOf(r["cpu"]);
      nzMem += r?.["memory"] === undefined ? DEFAULT_MEMORY_REQUEST : memOf(r["memory"]);
    }
    assert.is(got.requests.milliCPU, cpu);
    assert.is(got.requests.memory, mem);
    assert.is(got.nonZeroMilliCPU, nzCpu);
    assert.is(got.nonZeroMemory, nzMem);
  }
});

test.run();
