import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { NodeInfo } from "../../plugins/kube-scheduler/framework/node-info.js";
import { CycleState } from "../../plugins/kube-scheduler/framework/cycle-state.js";
import { Status } from "../../plugins/kube-scheduler/framework/status.js";
import { podRequests } from "../../plugins/kube-scheduler/framework/resource.js";
import { fitErrorMessage } from "../../plugins/kube-scheduler/framework/fit-error.js";
import { TaintToleration } from "../../plugins/kube-scheduler/plugins/taint-toleration.js";
import { NodeAffinity } from "../../plugins/kube-scheduler/plugins/node-affinity.js";
import { NodeResourcesBalancedAllocation, NodeResourcesFit } from "../../plugins/kube-scheduler/plugins/node-resources.js";
import { NodePorts, NodeUnschedulable, SchedulingGates } from "../../plugins/kube-scheduler/plugins/simple.js";
import { InterPodAffinity } from "../../plugins/kube-scheduler/plugins/inter-pod-affinity.js";
import { PodTopologySpread } from "../../plugins/kube-scheduler/plugins/pod-topology-spread.js";
import { numFeasibleNodesToFind } from "../../plugins/kube-scheduler/scheduler.js";
import type { FilterPlugin, NodeScore, ScorePlugin } from "../../plugins/kube-scheduler/framework/interface.js";
import { SchedulerCache } from "../../plugins/kube-scheduler/cache/scheduler-cache.js";
import { labelSelectorFromSet } from "../../core/api/selectors/label-selector.js";

let uid = 0;
function pod(spec: Partial<Pod["spec"]> & object = {}, meta: Partial<Pod["metadata"]> & object = {}): Pod {
  return { metadata: { name: `p${++uid}`, namespace: "default", uid: `u${uid}`, ...meta }, spec: { containers: [{ name: "c", image: "x" }], ...spec } } as Pod;
}
function requests(cpu: string, memory: string): Partial<Pod["spec"]> & object {
  return { containers: [{ name: "c", image: "x", resources: { requests: { cpu, memory } } }] };
}
function node(name: string, alloc: Record<string, string>, extra: Partial<Node> = {}, labels: Record<string, string> = {}): NodeInfo {
  const ni = new NodeInfo(name);
  ni.setNode({ metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } }, status: { allocatable: { pods: "110", ...alloc } }, ...extra } as Node);
  return ni;
}

/** The batched Filter the framework calls must give exactly the per-node verdicts (messages, codes). */
function filterAgrees(plugin: FilterPlugin, state: CycleState, p: Pod, nodes: NodeInfo[]): void {
  if (!plugin.filterNodes) throw new Error(`${plugin.name} has no filterNodes`);
  const verdict = (s: Status | null | undefined) => (s ? `${s.code} ${s.message}` : "ok");
  const out: (Status | null)[] = nodes.map(() => Status.error("unset"));
  plugin.filterNodes(state, p, nodes, nodes.length, out);
  assert.equal(out.map(verdict), nodes.map((n) => verdict(plugin.filter(state, p, n))), `${plugin.name}.filterNodes agrees with filter`);
}

function scores(plugin: ScorePlugin, p: Pod, nodes: NodeInfo[]): Record<string, number> {
  const state = new CycleState();
  (plugin as unknown as { preScore?: (s: CycleState, p: Pod, n: NodeInfo[]) => unknown }).preScore?.(state, p, nodes);
  const list: NodeScore[] = nodes.map((n) => ({ name: n.name, score: plugin.score(state, p, n) }));
  if (plugin.scoreNodes) {
    // The batched form the framework calls must give exactly the per-node scores.
    const out = new Float64Array(nodes.length).fill(-1);
    plugin.scoreNodes(state, p, nodes, out);
    assert.equal([...out], list.map((s) => s.score), `${plugin.name}.scoreNodes agrees with score`);
  }
  const ext = plugin.scoreExtensions?.();
  const raw = Float64Array.from(list.map((s) => s.score));
  ext?.normalizeScore(state, p, list);
  if (ext?.normalizeScores) {
    // The batched normalize the framework calls must scale exactly as normalizeScore.
    ext.normalizeScores(state, p, raw);
    assert.equal([...raw], list.map((s) => s.score), `${plugin.name}.normalizeScores agrees with normalizeScore`);
  }
  return Object.fromEntries(list.map((s) => [s.name, s.score]));
}

test("NodeResourcesFit LeastAllocated / MostAllocated: upstream 'differently sized nodes' case", () => {
  const nodes = [node("node1", { cpu: "4000m", memory: "10000" }), node("node2", { cpu: "6000m", memory: "10000" })];
  const p = pod(requests("3000m", "5000"));
  assert.equal(scores(new NodeResourcesFit(), p, nodes), { node1: 37, node2: 50 });
  assert.equal(scores(new NodeResourcesFit({ scoringStrategy: { type: "MostAllocated" } }), p, nodes), { node1: 62, node2: 50 });
  // RequestedToCapacityRatio with the default-like shape (0→10, 100→0) equals LeastAllocated per resource.
  const r2c = new NodeResourcesFit({ scoringStrategy: { type: "RequestedToCapacityRatio", requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } });
  assert.equal(scores(r2c, p, nodes), { node1: 62, node2: 50 });
  // A node without allocatable cpu is scored on memory alone; an overcommitted resource scores 0.
  const odd = [node("nocpu", { memory: "10000" }), node("small", { cpu: "1000m", memory: "10000" })];
  assert.equal(scores(new NodeResourcesFit(), p, odd), { nocpu: 50, small: 25 });
  assert.equal(scores(new NodeResourcesBalancedAllocation(), p, odd), { nocpu: 100, small: 75 });
});

test("NodeResourcesBalancedAllocation: upstream case, skipped for pods requesting nothing", () => {
  const nodes = [node("node1", { cpu: "4000m", memory: "10000" }), node("node2", { cpu: "6000m", memory: "10000" })];
  assert.equal(scores(new NodeResourcesBalancedAllocation(), pod(requests("3000m", "5000")), nodes), { node1: 87, node2: 100 });
  const state = new CycleState();
  assert.is(new NodeResourcesBalancedAllocation().preScore(state, pod())?.code, Status.skip().code);
});

test("NodeResourcesFit filter: reasons, pod count, extended resources, init containers, sidecars and overhead", () => {
  const fit = new NodeResourcesFit();
  const ni = node("n", { cpu: "2", memory: "1Gi", pods: "2", "nvidia.com/gpu": "1" });
  ni.addPod(pod(requests("1500m", "512Mi")));
  const cases: [string, Pod, string[]][] = [
    ["fits", pod(requests("500m", "256Mi")), []],
    ["cpu", pod(requests("600m", "256Mi")), ["Insufficient cpu"]],
    ["cpu and memory", pod(requests("1", "1Gi")), ["Insufficient cpu", "Insufficient memory"]],
    ["gpu", pod({ containers: [{ name: "c", image: "x", resources: { requests: { "nvidia.com/gpu": "2" } } }] }), ["Insufficient nvidia.com/gpu"]],
    ["init container larger than app", pod({ initContainers: [{ name: "i", image: "x", resources: { requests: { cpu: "1" } } }], ...requests("100m", "1") }), ["Insufficient cpu"]],
    ["overhead counts", pod({ ...requests("400m", "1"), overhead: { cpu: "200m" } }), ["Insufficient cpu"]],
  ];
  for (const [name, p, want] of cases) {
    const s = fit.filter(new CycleState(), p, ni);
    assert.equal(s?.reasons ?? [], want, name);
    filterAgrees(fit, new CycleState(), p, [ni, node("roomy", { cpu: "8", memory: "8Gi", "nvidia.com/gpu": "4" })]);
  }
  ni.addPod(pod());
  assert.equal(fit.filter(new CycleState(), pod(), ni)?.reasons, ["Too many pods"]);
});

test("pod requests: sidecars add to the app containers; init containers take the max", () => {
  const p = pod({
    initContainers: [
      { name: "side", image: "x", restartPolicy: "Always", resources: { requests: { cpu: "200m" } } },
      { name: "init", image: "x", resources: { requests: { cpu: "1" } } },
    ],
    containers: [{ name: "c", image: "x", resources: { requests: { cpu: "300m" } } }],
  });
  // max(app 300m + sidecar 200m, init 1000m + sidecar 200m) = 1200m
  assert.is(podRequests(p).requests.milliCPU, 1200);
  assert.is(podRequests(pod()).nonZeroMilliCPU, 100);
  assert.is(podRequests(pod()).nonZeroMemory, 200 * 1024 * 1024);
});

test("TaintToleration: filter message and PreferNoSchedule score", () => {
  const tt = new TaintToleration();
  const cp = node("cp", {}, { spec: { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] } });
  assert.is(tt.filter(new CycleState(), pod(), cp)!.message, "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }");
  assert.is(tt.filter(new CycleState(), pod({ tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }] }), cp), null);
  assert.is(tt.filter(new CycleState(), pod({ tolerations: [{ operator: "Exists" }] }), cp), null);
  filterAgrees(tt, new CycleState(), pod(), [node("plain", {}), cp]);
  const a = node("a", {}, { spec: { taints: [{ key: "k", value: "v", effect: "PreferNoSchedule" }, { key: "k2", effect: "PreferNoSchedule" }] } });
  const b = node("b", {}, { spec: { taints: [{ key: "k", value: "v", effect: "PreferNoSchedule" }] } });
  const c = node("c", {});
  assert.equal(scores(tt, pod(), [a, b, c]), { a: 0, b: 50, c: 100 });
  assert.equal(scores(tt, pod({ tolerations: [{ key: "k", value: "v", operator: "Equal", effect: "PreferNoSchedule" }] }), [a, b, c]), { a: 0, b: 100, c: 100 });
});

test("NodeAffinity: operators, matchFields narrowing, preferred weights", () => {
  const na = new NodeAffinity();
  const n1 = node("n1", {}, {}, { zone: "a", gen: "5" });
  const n2 = node("n2", {}, {}, { zone: "b" });
  const req = (exprs: object[]) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs as never }] } } } });
  const cases: [object[], boolean, boolean][] = [
    [[{ key: "zone", operator: "In", values: ["a"] }], true, false],
    [[{ key: "zone", operator: "NotIn", values: ["a"] }], false, true],
    [[{ key: "gen", operator: "Exists" }], true, false],
    [[{ key: "gen", operator: "DoesNotExist" }], false, true],
    [[{ key: "gen", operator: "Gt", values: ["4"] }], true, false],
    [[{ key: "gen", operator: "Lt", values: ["4"] }], false, false],
  ];
  for (const [exprs, on1, on2] of cases) {
    const p = req(exprs);
    assert.is(na.filter(new CycleState(), p, n1) === null, on1, JSON.stringify(exprs));
    assert.is(na.filter(new CycleState(), p, n2) === null, on2, JSON.stringify(exprs));
  }
  assert.is(na.filter(new CycleState(), pod({ nodeSelector: { zone: "b" } }), n1)!.message, "node(s) didn't match Pod's node affinity/selector");
  const byName = pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }] } } } });
  assert.equal([...((na.preFilter(new CycleState(), byName) as { nodeNames: Set<string> }).nodeNames)], ["n2"]);
  const pref = pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 2, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } }, { weight: 8, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] } }] } } });
  assert.equal(scores(na, pref, [n1, n2]), { n1: 25, n2: 100 });
});

test("NodePorts and NodeUnschedulable and SchedulingGates", () => {
  const np = new NodePorts();
  const ni = node("n", {});
  ni.addPod(pod({ containers: [{ name: "c", image: "x", ports: [{ containerPort: 80, hostPort: 8080 }] }] }));
  const want = (hostIP?: string, protocol?: string) => pod({ containers: [{ name: "c", image: "x", ports: [{ containerPort: 80, hostPort: 8080, ...(hostIP ? { hostIP } : {}), ...(protocol ? { protocol } : {}) }] }] });
  for (const [p, conflict] of [[want(), true], [want("10.0.0.1"), true], [want(undefined, "UDP"), false]] as [Pod, boolean][]) {
    const state = new CycleState();
    np.preFilter(state, p);
    assert.is(np.filter(state, p, ni)?.message, conflict ? "node(s) didn't have free ports for the requested pod ports" : undefined);
  }
  const cordoned = node("c", {}, { spec: { unschedulable: true } });
  assert.is(new NodeUnschedulable().filter(new CycleState(), pod(), cordoned)!.message, "node(s) were unschedulable");
  assert.is(new NodeUnschedulable().filter(new CycleState(), pod({ tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] }), cordoned), null);
  filterAgrees(new NodeUnschedulable(), new CycleState(), pod(), [cordoned, ni]);
  assert.ok(new SchedulingGates().preEnqueue(pod({ schedulingGates: [{ name: "example.com/wait" }] })));
  assert.is(new SchedulingGates().preEnqueue(pod()), null);
});

const snapshotOf = (nodes: NodeInfo[]) => ({
  list: () => nodes,
  get: (n: string) => nodes.find((x) => x.name === n),
  havePodsWithAffinity: () => nodes.filter((n) => n.podsWithAffinity.length),
  havePodsWithRequiredAntiAffinity: () => nodes.filter((n) => n.podsWithRequiredAntiAffinity.length),
  imageNodeCount: () => 0,
});

test("InterPodAffinity: required anti-affinity, affinity, first-pod rule, existing pods' anti-affinity (symmetry)", () => {
  const zones = [node("a1", {}, {}, { zone: "a" }), node("a2", {}, {}, { zone: "a" }), node("b1", {}, {}, { zone: "b" })];
  const plugin = new InterPodAffinity({}, { snapshot: snapshotOf(zones), namespaceLabels: () => undefined });
  zones[0]!.addPod(pod({}, { labels: { app: "db" } }));
  const term = (app: string) => [{ labelSelector: { matchLabels: { app } }, topologyKey: "zone" }];
  const run = (p: Pod): Record<string, string> => {
    const state = new CycleState();
    const pre = plugin.preFilter(state, p, zones);
    return Object.fromEntries(zones.map((n) => [n.name, pre instanceof Status ? "skip" : (plugin.filter(state, p, n)?.message ?? "ok")]));
  };
  assert.equal(run(pod({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term("db") } } })), { a1: "node(s) didn't match pod anti-affinity rules", a2: "node(s) didn't match pod anti-affinity rules", b1: "ok" });
  assert.equal(run(pod({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term("db") } } })), { a1: "ok", a2: "ok", b1: "node(s) didn't match pod affinity rules" });
  // No pod matches "web" anywhere, but the pod itself is web: the first of its group may go anywhere.
  assert.equal(run(pod({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term("web") } } }, { labels: { app: "web" } })), { a1: "ok", a2: "ok", b1: "ok" });
  assert.equal(run(pod({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term("web") } } })).b1, "node(s) didn't match pod affinity rules");
  zones[2]!.addPod(pod({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term("web") } } }));
  assert.equal(run(pod({}, { labels: { app: "web" } })), { a1: "ok", a2: "ok", b1: "node(s) didn't satisfy existing pods anti-affinity rules" });
});

test("InterPodAffinity scoring: skipped without scanning while no placed pod's terms score others; existing preferred terms count (symmetry)", () => {
  const cache = new SchedulerCache();
  for (const [name, zone] of [["a1", "a"], ["b1", "b"]] as const) cache.addNode({ metadata: { name, labels: { "kubernetes.io/hostname": name, zone } }, status: { allocatable: { pods: "110" } } } as Node);
  const plugin = new InterPodAffinity({}, { snapshot: cache, namespaceLabels: () => undefined });
  const incoming = pod({}, { labels: { app: "web" } });
  const preScore = (): Status | null => plugin.preScore(new CycleState(), incoming, cache.list());
  const antiOnly = pod({ nodeName: "a1", affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "web" } }, topologyKey: "zone" }] } } });
  cache.addPod(antiOnly);
  assert.is(cache.scoringAffinityPodCount(), 0, "required anti-affinity alone only filters");
  assert.is(preScore()?.code, Status.skip().code);
  const likesWeb = pod({ nodeName: "b1", affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "zone" } }] } } });
  cache.addPod(likesWeb);
  assert.is(cache.scoringAffinityPodCount(), 1);
  assert.equal(scores(plugin, incoming, [...cache.list()]), { a1: 0, b1: 100 });
  cache.removePod(likesWeb);
  assert.is(cache.scoringAffinityPodCount(), 0);
  assert.is(preScore()?.code, Status.skip().code);
});

test("PodTopologySpread: maxSkew filter over zones, missing label, minDomains", () => {
  const nodes = [node("a1", {}, {}, { zone: "a" }), node("b1", {}, {}, { zone: "b" }), node("x", {}, {})];
  const spread = new PodTopologySpread({}, () => undefined, () => nodes);
  for (let i = 0; i < 2; i++) nodes[0]!.addPod(pod({}, { labels: { app: "web" } }));
  nodes[1]!.addPod(pod({}, { labels: { app: "web" } }));
  const constrained = (extra: object = {}) => pod({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } }, ...extra }] }, { labels: { app: "web" } });
  const run = (p: Pod) => {
    const state = new CycleState();
    spread.preFilter(state, p);
    filterAgrees(spread, state, p, nodes);
    return Object.fromEntries(nodes.map((n) => [n.name, spread.filter(state, p, n)?.message ?? "ok"]));
  };
  assert.equal(run(constrained()), { a1: "node(s) didn't match pod topology spread constraints", b1: "ok", x: "node(s) didn't match pod topology spread constraints (missing required label)" });
  // minDomains 3 with 2 domains: the global minimum counts as 0, so zone b (1 pod) +1 exceeds maxSkew too.
  assert.equal(run(constrained({ minDomains: 3 })).b1, "node(s) didn't match pod topology spread constraints");
});

test("PodTopologySpread default constraints: the default selector is looked up only by the extension point whose action a default has", () => {
  const nodes = [node("a1", {}, {}, { zone: "a" }), node("b1", {}, {}, { zone: "b" })];
  nodes[0]!.addPod(pod({}, { labels: { app: "web" } }));
  let lookups = 0;
  const selector = (): ReturnType<typeof labelSelectorFromSet> => (lookups++, labelSelectorFromSet({ app: "web" }));
  const web = pod({}, { labels: { app: "web" } });
  // System defaults are ScheduleAnyway only: PreFilter skips without the lookup, PreScore does it.
  const system = new PodTopologySpread({}, selector, () => nodes);
  assert.is(system.preFilter(new CycleState(), web)?.code, Status.skip().code);
  assert.is(lookups, 0);
  assert.is(system.preScore(new CycleState(), web, nodes), null);
  assert.is(lookups, 1);
  // A DoNotSchedule default (List) is looked up and enforced by PreFilter and Filter, and not by PreScore.
  lookups = 0;
  const list = new PodTopologySpread({ defaultingType: "List", defaultConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" }] }, selector, () => nodes);
  const state = new CycleState();
  assert.is(list.preFilter(state, web), null);
  assert.is(lookups, 1);
  assert.is(list.filter(state, web, nodes[0]!)?.message, "node(s) didn't match pod topology spread constraints");
  assert.is(list.filter(state, web, nodes[1]!), null);
  assert.is(list.preScore(new CycleState(), web, nodes)?.code, Status.skip().code);
  assert.is(lookups, 1);
});

test("PodTopologySpread default constraints of a shared default selector count each namespace's pods, the same on every cycle", () => {
  const cache = new SchedulerCache();
  for (const [name, zone] of [["a1", "a"], ["b1", "b"]] as const) cache.addNode({ metadata: { name, labels: { "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone } }, status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } } } as Node);
  const place = (nodeName: string, namespace: string) => cache.addPod(pod({ nodeName }, { namespace, labels: { app: "web" } }));
  place("a1", "default");
  place("a1", "default");
  place("b1", "other");
  // One parsed selector object for every pod (as the scheduler's default selector hands out per controller).
  const shared = labelSelectorFromSet({ app: "web" });
  const spread = new PodTopologySpread({}, () => shared, () => cache.list(), cache);
  const incoming = (namespace: string) => pod({}, { namespace, labels: { app: "web" } });
  const inDefault = scores(spread, incoming("default"), [...cache.list()]);
  assert.ok(inDefault["b1"]! > inDefault["a1"]!, `default namespace pods are on a1: ${JSON.stringify(inDefault)}`);
  const inOther = scores(spread, incoming("other"), [...cache.list()]);
  assert.ok(inOther["a1"]! > inOther["b1"]!, `other namespace pods are on b1: ${JSON.stringify(inOther)}`);
  assert.equal(scores(spread, incoming("default"), [...cache.list()]), inDefault);
  // A pod placed since is counted by the next cycle.
  place("b1", "default");
  place("b1", "default");
  place("b1", "default");
  const after = scores(spread, incoming("default"), [...cache.list()]);
  assert.ok(after["a1"]! > after["b1"]!, `default namespace pods are mostly on b1 now: ${JSON.stringify(after)}`);
});

test("diagnosis message and the adaptive share of nodes examined", () => {
  const statuses = new Map([
    ["cp", Status.unresolvable("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }")],
    ["w1", Status.unschedulable("Insufficient cpu")],
    ["w2", Status.unschedulable("Insufficient cpu", "Insufficient memory")],
  ]);
  assert.is(fitErrorMessage(3, statuses), "0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.");
  assert.is(fitErrorMessage(3, statuses, "", "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."), "0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
  assert.is(numFeasibleNodesToFind(0, 50), 50);
  assert.is(numFeasibleNodesToFind(0, 5000), 500); // 50 - 5000/125 = 10%
  assert.is(numFeasibleNodesToFind(0, 1000), 420); // 42%
  assert.is(numFeasibleNodesToFind(0, 100000), 5000); // floor at 5%
  assert.is(numFeasibleNodesToFind(1, 500), 100); // at least 100
});

test.run();
