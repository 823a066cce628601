import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SchedulingQueue } from "../../plugins/kube-scheduler/queue/scheduling-queue.js";
import { ActionType, QueueingHint, type QueuedPodInfo } from "../../plugins/kube-scheduler/framework/interface.js";
import { PrioritySort, SchedulingGates } from "../../plugins/kube-scheduler/plugins/simple.js";

let n = 0;
function pod(priority = 0, gates: string[] = []): Pod {
  n++;
  return { metadata: { name: `p${n}`, namespace: "default", uid: `u${n}` }, spec: { priority, containers: [], ...(gates.length ? { schedulingGates: gates.map((name) => ({ name })) } : {}) } } as Pod;
}

function setup() {
  const clock = new VirtualClock({ auto: false });
  const sort = new PrioritySort();
  const gates = new SchedulingGates();
  const events = new Map([["NodeResourcesFit", [{ event: { resource: "Node", actionType: ActionType.Add } }]]]);
  const queue = new SchedulingQueue({
    clock,
    less: (a, b) => sort.less(a, b),
    profileFor: () => ({ less: (a, b) => sort.less(a, b), preEnqueue: (p) => { const s = gates.preEnqueue(p); return s ? { plugin: gates.name, status: s } : undefined; }, events }),
  });
  return { clock, queue };
}

function fail(queue: SchedulingQueue, info: QueuedPodInfo, plugin: string): void {
  info.unschedulablePlugins = new Set([plugin]);
  queue.addUnschedulable(info, queue.schedulingCycle, false);
}

test("activeQ pops by priority, then FIFO", () => {
  const { queue } = setup();
  const low = pod(0), high = pod(100), low2 = pod(0);
  for (const p of [low, high, low2]) queue.add(p);
  assert.equal([queue.tryPop()!.pod, queue.tryPop()!.pod, queue.tryPop()!.pod].map((p) => p.metadata!.name), [high, low, low2].map((p) => p.metadata!.name));
  queue.close();
});

test("activeQ orders by the priority of each pod's latest object (an update re-sorts it)", () => {
  const { queue } = setup();
  const a = pod(0), b = pod(50), c = pod(10);
  for (const p of [a, b, c]) queue.add(p);
  queue.update({ ...a, spec: { ...a.spec!, priority: 100 } }, a);
  queue.update({ ...b, spec: { ...b.spec!, priority: 0 } }, b);
  assert.equal([queue.tryPop()!, queue.tryPop()!, queue.tryPop()!].map((i) => [i.pod.metadata!.name, i.priority]), [[a.metadata!.name, 100], [c.metadata!.name, 10], [b.metadata!.name, 0]]);
  queue.close();
});

test("backoff: 1 s doubling to 10 s", () => {
  const { queue } = setup();
  assert.equal([1, 2, 3, 4, 5, 6].map((a) => queue.backoffDuration(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
  queue.close();
});

test("unschedulable pods return only on a registered event, after their backoff", async () => {
  const { clock, queue } = setup();
  const p = pod();
  queue.add(p);
  const info = queue.tryPop()!;
  fail(queue, info, "NodeResourcesFit");
  assert.is(queue.location(p.metadata!.uid!), "unschedulable");
  queue.onEvent({ resource: "Pod", actionType: ActionType.Add }, undefined, {});
  assert.is(queue.location(p.metadata!.uid!), "unschedulable", "an event nobody registered leaves it");
  queue.onEvent({ resource: "Node", actionType: ActionType.Add }, undefined, {});
  assert.is(queue.location(p.metadata!.uid!), "backoff", "still backing off (1 s)");
  await clock.advance(1000);
  assert.is(queue.location(p.metadata!.uid!), "active");
  queue.close();
});

test("an event during the pod's cycle sends its failure to backoff, not the pool", async () => {
  const { clock, queue } = setup();
  const p = pod();
  queue.add(p);
  const info = queue.tryPop()!;
  queue.onEvent({ resource: "Node", actionType: ActionType.Add }, undefined, {});
  fail(queue, info, "TaintToleration");
  assert.is(queue.location(p.metadata!.uid!), "backoff");
  await clock.advance(1000);
  assert.is(queue.location(p.metadata!.uid!), "active");
  queue.close();
});

test("unschedulable pods are flushed after 5 minutes", async () => {
  const { clock, queue } = setup();
  const p = pod();
  queue.add(p);
  fail(queue, queue.tryPop()!, "TaintToleration");
  await clock.advance(299_000);
  assert.is(queue.location(p.metadata!.uid!), "unschedulable");
  await clock.advance(1_000);
  assert.is(queue.location(p.metadata!.uid!), "active");
  queue.close();
});

test("each unschedulable pod is flushed 5 minutes after it failed, gated pods ahead of it or not", async () => {
  const { clock, queue } = setup();
  const gated = pod(0, ["example.com/quota"]), first = pod(), second = pod();
  queue.add(gated);
  queue.add(first);
  fail(queue, queue.tryPop()!, "TaintToleration");
  await clock.advance(60_000);
  queue.add(second);
  fail(queue, queue.tryPop()!, "TaintToleration");
  const where = (): (string | undefined)[] => [gated, first, second].map((p) => queue.location(p.metadata!.uid!));
  await clock.advance(239_000);
  assert.equal(where(), ["unschedulable", "unschedulable", "unschedulable"]);
  await clock.advance(1_000);
  assert.equal(where(), ["unschedulable", "active", "unschedulable"]);
  await clock.advance(59_000);
  assert.equal(where(), ["unschedulable", "active", "unschedulable"]);
  await clock.advance(1_000);
  assert.equal(where(), ["unschedulable", "active", "active"]);
  queue.close();
});

test("scheduling gates hold a pod until an update removes them", () => {
  const { queue } = setup();
  const gated = pod(0, ["example.com/quota"]);
  queue.add(gated);
  assert.is(queue.location(gated.metadata!.uid!), "unschedulable");
  assert.is(queue.info(gated.metadata!.uid!)!.gatedBy, "SchedulingGates");
  queue.onEvent({ resource: "Node", actionType: ActionType.Add }, undefined, {});
  assert.is(queue.location(gated.metadata!.uid!), "unschedulable");
  const ungated = { ...gated, spec: { ...gated.spec!, schedulingGates: [] } } as Pod;
  queue.update(ungated, gated);
  assert.is(queue.location(gated.metadata!.uid!), "active");
  queue.close();
});

test("an event moves exactly the pods one of whose rejecting plugins registered it with a Queue hint; a pod gated again stays once", async () => {
  const clock = new VirtualClock({ auto: false });
  const sort = new PrioritySort();
  const gates = new SchedulingGates();
  const hinted: string[] = [];
  const events = new Map([
    ["TaintToleration", [{ event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateNodeTaint }, hint: (p: Pod) => (hinted.push(p.metadata!.name!), QueueingHint.Skip) }]],
    ["NodeResourcesFit", [{ event: { resource: "Node", actionType: ActionType.Add }, hint: () => QueueingHint.Queue }]],
    ["InterPodAffinity", [{ event: { resource: "Pod", actionType: ActionType.Add } }]],
  ]);
  const queue = new SchedulingQueue({
    clock,
    less: (a, b) => sort.less(a, b),
    profileFor: () => ({ less: (a, b) => sort.less(a, b), preEnqueue: (p) => { const s = gates.preEnqueue(p); return s ? { plugin: gates.name, status: s } : undefined; }, events }),
  });
  const taint = pod(), both = pod(), affinity = pod(), regated = pod();
  for (const p of [taint, both, affinity, regated]) queue.add(p);
  const infos = [queue.tryPop()!, queue.tryPop()!, queue.tryPop()!, queue.tryPop()!];
  const rejected: Record<string, string[]> = { [taint.metadata!.name!]: ["TaintToleration"], [both.metadata!.name!]: ["TaintToleration", "NodeResourcesFit"], [affinity.metadata!.name!]: ["InterPodAffinity"], [regated.metadata!.name!]: ["InterPodAffinity"] };
  for (const info of infos) {
    info.unschedulablePlugins = new Set(rejected[info.pod.metadata!.name!]);
    queue.addUnschedulable(info, queue.schedulingCycle, false);
  }
  await clock.advance(1_000); // past every backoff
  // No plugin registered a Pod update: nothing moves, no hint runs.
  queue.onEvent({ resource: "Pod", actionType: ActionType.UpdatePodLabel }, {}, {});
  assert.equal(hinted, []);
  // Node taint change: TaintToleration's hint runs for its two pods (Skip); nobody moves.
  queue.onEvent({ resource: "Node", actionType: ActionType.UpdateNodeTaint }, {}, {});
  assert.equal(hinted, [taint.metadata!.name!, both.metadata!.name!]);
  assert.equal([taint, both, affinity, regated].map((p) => queue.location(p.metadata!.uid!)), ["unschedulable", "unschedulable", "unschedulable", "unschedulable"]);
  // Node add: NodeResourcesFit says Queue for the pod it rejected too.
  queue.onEvent({ resource: "Node", actionType: ActionType.Add }, undefined, {});
  assert.equal([taint, both].map((p) => queue.location(p.metadata!.uid!)), ["unschedulable", "active"]);
  // Assigned pod add: InterPodAffinity (no hint) moves its pods; one that PreEnqueue gates meanwhile goes back to the pool once.
  queue.info(regated.metadata!.uid!)!.pod = { ...regated, spec: { ...regated.spec!, schedulingGates: [{ name: "example.com/quota" }] } } as Pod;
  queue.onEvent({ resource: "Pod", actionType: ActionType.Add }, undefined, {});
  assert.equal([affinity, regated].map((p) => queue.location(p.metadata!.uid!)), ["active", "unschedulable"]);
  assert.is(queue.info(regated.metadata!.uid!)!.gatedBy, "SchedulingGates");
  assert.equal(queue.size, { active: 2, backoff: 0, unschedulable: 2 });
  queue.close();
});

test("the pool's index: an event looks at each pod its registered plugins rejected once, in pool order, under the plugins of the pod's latest failure", async () => {
  const clock = new VirtualClock({ auto: false });
  const sort = new PrioritySort();
  const seen: string[] = [];
  const record = (plugin: string) => (p: Pod): QueueingHint => (seen.push(`${p.metadata!.name!} ${plugin}`), QueueingHint.Skip);
  const events = new Map([
    ["TaintToleration", [{ event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateNodeTaint }, hint: record("TaintToleration") }]],
    ["NodeResourcesFit", [{ event: { resource: "Node", actionType: ActionType.Add }, hint: record("NodeResourcesFit") }, { event: { resource: "Pod", actionType: ActionType.Delete }, hint: () => QueueingHint.Queue }]],
    ["NodeAffinity", [{ event: { resource: "Node", actionType: ActionType.UpdateNodeLabel }, hint: record("NodeAffinity") }]],
  ]);
  const queue = new SchedulingQueue({ clock, less: (a, b) => sort.less(a, b), profileFor: () => ({ less: (a, b) => sort.less(a, b), preEnqueue: () => undefined, events }) });
  const pods = [pod(), pod(), pod(), pod(), pod()];
  const plugins = [["NodeResourcesFit"], ["TaintToleration"], ["TaintToleration", "NodeResourcesFit"], ["NodeAffinity"], ["NodeResourcesFit", "NodeAffinity"]];
  for (const p of pods) queue.add(p);
  const infos = pods.map(() => queue.tryPop()!);
  infos.forEach((info, i) => {
    info.unschedulablePlugins = new Set(plugins[i]);
    queue.addUnschedulable(info, queue.schedulingCycle, false);
  });
  const hints = (...calls: [number, string][]): string[] => calls.map(([j, plugin]) => `${pods[j]!.metadata!.name!} ${plugin}`);
  // Node add: TaintToleration's and NodeResourcesFit's pods, each once (its plugins' hints in turn), in the order they failed.
  queue.onEvent({ resource: "Node", actionType: ActionType.Add }, undefined, {});
  assert.equal(seen, hints([0, "NodeResourcesFit"], [1, "TaintToleration"], [2, "TaintToleration"], [2, "NodeResourcesFit"], [4, "NodeResourcesFit"]));
  seen.length = 0;
  queue.onEvent({ resource: "Node", actionType: ActionType.UpdateNodeLabel }, {}, {});
  assert.equal(seen, hints([3, "NodeAffinity"], [4, "NodeAffinity"]));
  // The first pod is deleted; the second fails again, now on NodeAffinity only: it leaves TaintToleration's pods and comes last.
  queue.delete(pods[0]!);
  await clock.advance(1_000);
  queue.update({ ...pods[1]!, metadata: { ...pods[1]!.metadata!, labels: { changed: "yes" } } } as Pod, pods[1]!);
  const again = queue.tryPop()!;
  assert.is(again.pod.metadata!.uid, pods[1]!.metadata!.uid);
  again.unschedulablePlugins = new Set(["NodeAffinity"]);
  queue.addUnschedulable(again, queue.schedulingCycle, false);
  seen.length = 0;
  queue.onEvent({ resource: "Node", actionType: ActionType.UpdateNodeTaint }, {}, {});
  assert.equal(seen, hints([2, "TaintToleration"]));
  seen.length = 0;
  queue.onEvent({ resource: "Node", actionType: ActionType.UpdateNodeLabel }, {}, {});
  assert.equal(seen, hints([3, "NodeAffinity"], [4, "NodeAffinity"], [1, "NodeAffinity"]));
  // Assigned pod deleted: NodeResourcesFit's Queue hint moves its two remaining pods, nothing else.
  queue.onEvent({ resource: "Pod", actionType: ActionType.Delete }, {}, undefined);
  assert.equal(pods.map((p) => queue.location(p.metadata!.uid!)), [undefined, "unschedulable", "active", "unschedulable", "active"]);
  assert.equal(queue.size, { active: 2, backoff: 0, unschedulable: 2 });
  queue.close();
});

test.run();
