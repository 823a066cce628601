/**
 * The cache's kept pod counts per topology domain (which spare InterPodAffinity's and
 * PodTopologySpread's PreFilter and PreScore the walk over every pod) give the same verdicts and
 * scores as the walk, through pods placed, confirmed, deleted and terminating, nodes relabelled
 * and removed, and nominated pods added to a cloned state.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { Node, Pod, PodAffinityTerm } from "kubernetes-types/core/v1.js";
import { SeededRandom } from "../../core/clock/random.js";
import { SchedulerCache } from "../../plugins/kube-scheduler/cache/scheduler-cache.js";
import { CycleState } from "../../plugins/kube-scheduler/framework/cycle-state.js";
import { Status } from "../../plugins/kube-scheduler/framework/status.js";
import { PodInfo } from "../../plugins/kube-scheduler/framework/pod-info.js";
import type { NodeInfo } from "../../plugins/kube-scheduler/framework/node-info.js";
import type { FilterPlugin, NodeInfoLister, NodeScore } from "../../plugins/kube-scheduler/framework/interface.js";
import { InterPodAffinity } from "../../plugins/kube-scheduler/plugins/inter-pod-affinity.js";
import { PodTopologySpread } from "../../plugins/kube-scheduler/plugins/pod-topology-spread.js";
import { labelSelectorFromSet } from "../../core/api/selectors/label-selector.js";
import { spreadQuery } from "../../plugins/kube-scheduler/framework/pod-count-query.js";

const random = new SeededRandom(7);
const pick = <T>(xs: readonly T[]): T => xs[random.int(xs.length)]!;
const APPS = ["web", "db", "cache"];
const NAMESPACES = ["default", "other"];
const KEYS = ["kubernetes.io/hostname", "zone", "rack"];

let uid = 0;
function nodeObject(i: number, variant: number): Node {
  const labels: Record<string, string> = { "kubernetes.io/hostname": `n${i}` };
  // Some nodes lack a zone, some a rack: nodes without a constraint's key take part differently.
  if ((i + variant) % 7 !== 0) labels["zone"] = `z${(i + variant) % 3}`;
  if (i % 5 !== 0) labels["rack"] = `r${(i * (variant + 1)) % 4}`;
  // The system default constraints' zone key, on fewer nodes again.
  if ((i + variant) % 4 !== 0) labels["topology.kubernetes.io/zone"] = `z${(i + variant) % 3}`;
  return { metadata: { name: `n${i}`, labels }, status: { allocatable: { pods: "110" } } } as Node;
}

function term(): PodAffinityTerm {
  const t: PodAffinityTerm = { labelSelector: random.next() < 0.8 ? { matchLabels: { app: pick(APPS) } } : { matchExpressions: [{ key: "app", operator: "In", values: [pick(APPS), pick(APPS)] }] }, topologyKey: pick(KEYS) };
  if (random.next() < 0.2) t.namespaces = [pick(NAMESPACES)];
  if (random.next() < 0.1) t.namespaceSelector = {};
  return t;
}

function randomPod(nodeName?: string): Pod {
  const spec: Pod["spec"] = { containers: [{ name: "c", image: "x" }] };
  const r = random.next();
  if (r < 0.15) spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term()] } };
  else if (r < 0.25) spec.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: random.next() < 0.5 ? [term()] : [term(), term()] } };
  else if (r < 0.35) spec.affinity = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + random.int(100), podAffinityTerm: term() }] }, podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + random.int(100), podAffinityTerm: term() }] } };
  const s = random.next();
  if (s < 0.3) {
    const constraint = () => ({ maxSkew: 1 + random.int(2), topologyKey: pick(KEYS), whenUnsatisfiable: random.next() < 0.5 ? "DoNotSchedule" : "ScheduleAnyway", labelSelector: { matchLabels: { app: pick(APPS) } }, ...(random.next() < 0.2 ? { minDomains: 4 } : {}) });
    spec.topologySpreadConstraints = random.next() < 0.7 ? [constraint()] : [constraint(), constraint()];
  }
  if (nodeName) spec.nodeName = nodeName;
  const labels = random.next() < 0.9 ? { app: pick(APPS) } : {};
  return { metadata: { name: `p${++uid}`, namespace: pick(NAMESPACES), uid: `u${uid}`, labels }, spec } as Pod;
}

/** The same cache seen without its kept counts: the plugins walk every pod. */
function walking(cache: SchedulerCache): NodeInfoLister {
  return {
    list: () => cache.list(),
    get: (n) => cache.get(n),
    havePodsWithAffinity: () => cache.havePodsWithAffinity(),
    havePodsWithRequiredAntiAffinity: () => cache.havePodsWithRequiredAntiAffinity(),
    imageNodeCount: () => 0,
  };
}

/** The batched Filter (when the plugin has one) gives each node's `filter` verdict, for the cache's nodes and for copies of them. */
function batchAgrees(plugin: FilterPlugin, state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): void {
  if (!plugin.filterNodes) return;
  const out: (Status | null)[] = nodes.map(() => Status.error("unset"));
  plugin.filterNodes(state, pod, nodes, nodes.length, out);
  assert.equal(out.map((s) => s?.message ?? "ok"), nodes.map((n) => plugin.filter(state, pod, n)?.message ?? "ok"), `${plugin.name}.filterNodes agrees with filter`);
}

/** The batched Score and normalization (when the plugin has them) give the per-node `score` and `normalizeScore` results. */
function scoresAgree(plugin: InterPodAffinity | PodTopologySpread, pod: Pod, nodes: readonly NodeInfo[], perNode: readonly NodeScore[]): void {
  if (!("scoreNodes" in plugin) || !plugin.normalizeScores) return;
  const state = new CycleState();
  plugin.preScore(state, pod, nodes);
  const raw = new Float64Array(nodes.length);
  plugin.scoreNodes(state, pod, nodes, raw);
  assert.equal(Array.from(raw), nodes.map((n) => plugin.score(state, pod, n)), `${plugin.name}.scoreNodes agrees with score`);
  plugin.normalizeScores(state, pod, raw);
  assert.equal(Array.from(raw), perNode.map((s) => s.score), `${plugin.name}.normalizeScores agrees with normalizeScore`);
}

type Verdicts = Record<string, string | number>;

/** Filter verdicts for every node (with `nominated` added to a cloned state on node 0), and normalized scores. */
function evaluate(plugin: InterPodAffinity | PodTopologySpread, pod: Pod, nodes: readonly NodeInfo[], nominated: PodInfo | undefined): Verdicts {
  const out: Verdicts = {};
  let state = new CycleState();
  const pre = plugin.preFilter(state, pod, nodes);
  if (pre instanceof Status) out["preFilter"] = pre.message || String(pre.code);
  else {
    if (nominated) {
      const target = nodes[0]!.clone();
      target.addPodInfo(nominated);
      state = state.clone();
      plugin.addPod(state, pod, nominated, target);
      out["nominated"] = plugin.filter(state, pod, target)?.message ?? "ok";
      batchAgrees(plugin, state, pod, [target, ...nodes.slice(1)]);
      plugin.removePod(state, pod, nominated, target);
    }
    for (const ni of nodes) out[ni.name] = plugin.filter(state, pod, ni)?.message ?? "ok";
    batchAgrees(plugin, state, pod, nodes);
  }
  const scoreState = new CycleState();
  const ps = plugin.preScore(scoreState, pod, nodes);
  if (ps) out["preScore"] = ps.message || String(ps.code);
  else {
    const list: NodeScore[] = nodes.map((n) => ({ name: n.name, score: plugin.score(scoreState, pod, n) }));
    plugin.normalizeScore(scoreState, pod, list);
    for (const s of list) out[`score ${s.name}`] = s.score;
    scoresAgree(plugin, pod, nodes, list);
  }
  return out;
}

test("kept counts give the walk's verdicts and scores through pod and node changes", () => {
  const cache = new SchedulerCache();
  const N = 24;
  for (let i = 0; i < N; i++) cache.addNode(nodeObject(i, 0));
  const nsLabels = () => ({ team: "x" });
  // The system default constraints (hostname and zone, ScheduleAnyway) for pods without their own, selecting by the pod's app.
  const byApp = (p: Pod) => (p.metadata?.labels?.["app"] ? labelSelectorFromSet({ app: p.metadata.labels["app"] }) : undefined);
  const counted = { ipa: new InterPodAffinity({ hardPodAffinityWeight: 3 }, { snapshot: cache, namespaceLabels: nsLabels }), spread: new PodTopologySpread({}, () => undefined, () => cache.list(), cache), defaults: new PodTopologySpread({}, byApp, () => cache.list(), cache) };
  const walked = { ipa: new InterPodAffinity({ hardPodAffinityWeight: 3 }, { snapshot: walking(cache), namespaceLabels: nsLabels }), spread: new PodTopologySpread({}, () => undefined, () => cache.list()), defaults: new PodTopologySpread({}, byApp, () => cache.list()) };
  const placed: Pod[] = [];
  let compared = 0;
  let differing = 0;
  for (let round = 0; round < 60; round++) {
    // Change the cluster: place, assume and confirm, remove, mark terminating, relabel a node.
    for (let k = 0; k < 4; k++) {
      const p = randomPod(`n${random.int(N)}`);
      if (random.next() < 0.5) cache.addPod(p);
      else {
        cache.assumePod(p, p.spec!.nodeName!);
        cache.addPod({ ...p, metadata: { ...p.metadata! } });
      }
      placed.push(p);
    }
    if (placed.length && random.next() < 0.4) cache.removePod(placed.splice(random.int(placed.length), 1)[0]!);
    if (placed.length && random.next() < 0.2) {
      const i = random.int(placed.length);
      const p = placed[i]!;
      placed[i] = { ...p, metadata: { ...p.metadata!, deletionTimestamp: "2026-01-01T00:00:00Z" } };
      cache.updatePod(placed[i]!);
    }
    if (random.next() < 0.1) cache.updateNode(nodeObject(random.int(N), round));
    const nodes = cache.list();
    for (let q = 0; q < 6; q++) {
      const incoming = randomPod();
      const nominated = random.next() < 0.3 ? PodInfo.of(randomPod(nodes[0]!.name)) : undefined;
      for (const name of ["ipa", "spread", "defaults"] as const) {
        const a = evaluate(counted[name], incoming, nodes, nominated);
        const b = evaluate(walked[name], incoming, nodes, nominated);
        assert.equal(a, b, `${name}, round ${round}: ${JSON.stringify(incoming.spec)}`);
        compared++;
        if (Object.values(b).some((v) => v !== "ok" && typeof v === "string") || Object.values(b).some((v) => typeof v === "number" && v !== 0)) differing++;
      }
    }
  }
  // The comparison saw pods the plugins rejected or scored, not only pods every node accepts.
  assert.ok(compared === 1080 && differing > 150, `${differing} of ${compared} evaluations had a verdict or score`);
});

/** One change to the cache, or a look at its counts by domain number. */
type Op =
  | { op: "node"; i: number; variant: number }
  | { op: "removeNode"; i: number }
  | { op: "pod"; node: number; app: number; ns: number; assume: boolean }
  | { op: "removePod" | "terminate"; pick: number }
  | { op: "check"; key: number; app: number; ns: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ op: fc.constant("node" as const), i: fc.nat(9), variant: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("removeNode" as const), i: fc.nat(9) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("pod" as const), node: fc.nat(11), app: fc.nat(2), ns: fc.nat(1), assume: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom("removePod" as const, "terminate" as const), pick: fc.nat(50) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("check" as const), key: fc.nat(KEYS.length), app: fc.nat(2), ns: fc.nat(1) }) },
);

test("counts by domain number are the walk's counts, through pods placed, removed, terminating and nodes added, relabelled and removed", () => {
  const keys = [...KEYS, "topology.kubernetes.io/zone"];
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 20, maxLength: 120 }), (ops) => {
      const cache = new SchedulerCache();
      for (let i = 0; i < 8; i++) cache.addNode(nodeObject(i, 0));
      const pods: Pod[] = [];
      let n = 0;
      const byApp = (p: Pod) => labelSelectorFromSet({ app: p.metadata!.labels!["app"]! });
      const spread = new PodTopologySpread({}, byApp, () => cache.list(), cache);
      for (const o of ops) {
        if (o.op === "node") cache.addNode(nodeObject(o.i, o.variant));
        else if (o.op === "removeNode") cache.removeNode(nodeObject(o.i, 0));
        else if (o.op === "pod") {
          // Nodes 10 and 11 are never added: pods bound to a node the cache has not seen.
          const p = { metadata: { name: `q${++n}`, namespace: NAMESPACES[o.ns]!, uid: `q${n}`, labels: { app: APPS[o.app]! } }, spec: { nodeName: `n${o.node}`, containers: [{ name: "c", image: "x" }] } } as Pod;
          if (o.assume) {
            cache.assumePod(p, p.spec!.nodeName!);
            cache.addPod({ ...p, metadata: { ...p.metadata! } });
          } else cache.addPod(p);
          pods.push(p);
        } else if (o.op === "removePod" || o.op === "terminate") {
          if (!pods.length) continue;
          const i = o.pick % pods.length;
          if (o.op === "removePod") cache.removePod(pods.splice(i, 1)[0]!);
          else cache.updatePod((pods[i] = { ...pods[i]!, metadata: { ...pods[i]!.metadata!, deletionTimestamp: "2026-01-01T00:00:00Z" } }));
        } else if (o.op === "check") {
          const key = keys[o.key]!;
          const ns = NAMESPACES[o.ns]!;
          const selector = labelSelectorFromSet({ app: APPS[o.app]! });
          // The walk: live pods of the namespace matching the selector, per value of the key of their node.
          const want = new Map<string, number>();
          for (const ni of cache.list()) {
            const v = ni.node!.metadata!.labels![key];
            if (v === undefined) continue;
            for (const pi of ni.pods) {
              const m = pi.pod.metadata!;
              if (m.namespace === ns && !m.deletionTimestamp && selector.matches(m.labels ?? {})) want.set(v, (want.get(v) ?? 0) + 1);
            }
          }
          const got = cache.podCountsById(spreadQuery(ns, selector, key));
          assert.ok(got, "the cache numbers every counted value");
          const numbered = new Map<string, number>();
          got.ids.values.forEach((v, id) => {
            if (got.counts[id]) numbered.set(v, got.counts[id]!);
          });
          assert.equal(numbered, want);
          for (const ni of cache.list()) {
            const v = ni.node!.metadata!.labels![key];
            assert.is(got.ids.of(ni), v === undefined ? -1 : got.ids.values.indexOf(v));
          }
          // PodTopologySpread's batched Score (by numbers) gives per-node Score's (by labels), for the cache's nodes and a copy of one.
          const nodes = cache.list();
          if (nodes.length < 2) continue;
          const pod = { metadata: { name: "in", namespace: ns, uid: "in", labels: { app: APPS[o.app]! } }, spec: { containers: [{ name: "c", image: "x" }] } } as Pod;
          const scored = [...nodes, nodes[0]!.clone()];
          const state = new CycleState();
          if (spread.preScore(state, pod, scored)) continue;
          const raw = new Float64Array(scored.length);
          spread.scoreNodes(state, pod, scored, raw);
          assert.equal(Array.from(raw), scored.map((ni) => spread.score(state, pod, ni)));
        }
      }
    }),
    { numRuns: 300, seed: 12 },
  );
});

test.run();
