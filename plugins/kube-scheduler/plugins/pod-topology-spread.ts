import type { Pod, TopologySpreadConstraint } from "kubernetes-types/core/v1.js";
import { labelSelectorFromObject, type LabelSelector } from "../../../core/api/selectors/label-selector.js";
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin, type NodeScore, type PreFilterExtensions, type PreFilterPlugin, type PreScorePlugin, type ScoreExtensions, type ScorePlugin } from "../framework/interface.js";
import { Status } from "../framework/status.js";
import { MAX_NODE_SCORE } from "../framework/normalize.js";
import { podMatchesNodeSelectorAndAffinity } from "../framework/node-selector.js";
import { firstUntoleratedTaint } from "../framework/taints.js";
import type { PodInfo } from "../framework/pod-info.js";
import type { CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";
import type { NodeInfoLister } from "../framework/interface.js";
import { spreadQuery, type DomainCountsById, type PodCountQuery, type TopologyDomainIds } from "../framework/pod-count-query.js";

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = "node(s) didn't match pod topology spread constraints (missing required label)";

const PRE_FILTER_KEY = "PreFilterPodTopologySpread";
/** Filter's verdicts, shared by every rejected node (statuses are not changed once the framework names the plugin). */
const LABEL_NOT_MATCH = Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH).withPlugin("PodTopologySpread");
const CONSTRAINTS_NOT_MATCH = Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH).withPlugin("PodTopologySpread");
const PRE_SCORE_KEY = "PreScorePodTopologySpread";

/** A constraint with its selector parsed (upstream `topologySpreadConstraint`). */
interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
  /**
   * The count queries of a default constraint by namespace, built on first use: a default
   * constraint is shared by every pod its (shared, parsed) default selector came from.
   */
  queries?: Map<string, PodCountQuery>;
}

/** The count query of constraint `c` over pods of `namespace` (a default constraint's is built once per namespace). */
function queryOf(namespace: string, c: Constraint): PodCountQuery {
  const queries = c.queries;
  if (!queries) return spreadQuery(namespace, c.selector, c.topologyKey);
  let q = queries.get(namespace);
  if (!q) queries.set(namespace, (q = spreadQuery(namespace, c.selector, c.topologyKey)));
  return q;
}

export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  /** "System" (default): hostname maxSkew 3 and zone maxSkew 5, ScheduleAnyway; "List": `defaultConstraints`. */
  defaultingType?: "System" | "List";
}

export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 3 },
  { topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 5 },
];

/** Selector of the services and controllers owning a pod, for default constraints (upstream `helper.DefaultSelector`). */
export type DefaultSelectorFn = (pod: Pod) => LabelSelector | undefined;

/** A constraint's eligible domains: the topology values (a Set, or the cache's value → node count). */
interface Domains {
  readonly size: number;
  has(value: string): boolean;
  keys(): Iterable<string>;
}

class FilterState {
  /** Per constraint: the fewest matching pods in an eligible domain (0 below minDomains); NaN once counts changed. */
  readonly minMatch: number[];
  constructor(
    readonly constraints: Constraint[],
    /** Domain value → matching pods, per constraint index (possibly the cache's maps: see `own`). */
    public counts: Map<string, number>[],
    /** Per constraint: the eligible domains. */
    readonly domains: Domains[],
    /** Per constraint: whether the incoming pod matches its selector (it counts itself). */
    readonly selfMatch: number[],
    private shared = false,
    /** The first constraint's node → domain numbers, when the snapshot keeps them. */
    readonly domainIds?: TopologyDomainIds,
  ) {
    this.minMatch = constraints.map(() => NaN);
  }
  clone(): FilterState {
    return new FilterState(this.constraints, this.counts.map((m) => new Map(m)), this.domains, this.selfMatch, false, this.domainIds);
  }
  /** Makes the counts this state's own before AddPod/RemovePod change them. */
  own(): void {
    if (this.shared) {
      this.counts = this.counts.map((m) => new Map(m));
      this.shared = false;
    }
    this.minMatch.fill(NaN);
  }
  min(i: number): number {
    let min = this.minMatch[i]!;
    if (min === min) return min;
    const c = this.constraints[i]!;
    const domains = this.domains[i]!;
    const counts = this.counts[i]!;
    if (domains.size < c.minDomains) min = 0;
    else {
      min = Infinity;
      for (const d of domains.keys()) {
        const n = counts.get(d) ?? 0;
        if (n < min) min = n;
        if (min === 0) break;
      }
      if (min === Infinity) min = 0;
    }
    this.minMatch[i] = min;
    return min;
  }
}

class ScoreState {
  /** Which of the nodes `scoreNodes` scored were ignored, by index (for `normalizeScores`; none while `ignored` is empty). */
  ignoredAt: Uint8Array | undefined;
  constructor(
    readonly constraints: Constraint[],
    readonly counts: Map<string, number>[],
    readonly weights: number[],
    readonly ignored: ReadonlySet<string>,
    /** Per constraint, each node's value of its key as a number, when the snapshot keeps them (Score then reads no Node). */
    readonly ids?: readonly TopologyDomainIds[],
    /** Per constraint, `counts` by those numbers, when the snapshot keeps them for every constraint (Score then looks up no value). */
    readonly byId?: readonly DomainCountsById[],
    /** The nodes PreScore saw and their rows (`TopologyDomainIds.rowOf`), which Score reuses when it scores the same list. */
    readonly scored?: readonly NodeInfo[],
    readonly rows?: Int32Array,
  ) {}
  clone(): ScoreState {
    return this;
  }
}

/** The ignored nodes of a score state that ignores none (shared: never added to). */
const NONE_IGNORED: ReadonlySet<string> = new Set<string>();

const HOSTNAME = "kubernetes.io/hostname";
const NO_LABELS: Readonly<Record<string, string>> = {};

/**
 * Spreads pods over topology domains (upstream `podtopologyspread`): DoNotSchedule constraints
 * filter nodes whose domain would exceed maxSkew over the least-loaded eligible domain (minDomains,
 * nodeAffinityPolicy Honor by default, nodeTaintsPolicy Ignore by default, matchLabelKeys);
 * ScheduleAnyway constraints — or the default constraints when the pod has none — score.
 */
export class PodTopologySpread implements PreFilterPlugin, PreFilterExtensions, FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions {
  static readonly pluginName = "PodTopologySpread";
  readonly name = PodTopologySpread.pluginName;
  private readonly defaults: TopologySpreadConstraint[];

  /**
   * `snapshot`, when it keeps pod counts per topology domain (the scheduler's cache), spares
   * PreFilter and PreScore the walk over every pod for pods whose constraints count every node
   * (no node selector or required node affinity to honour, taints ignored).
   */
  constructor(
    args: PodTopologySpreadArgs,
    private readonly defaultSelector: DefaultSelectorFn,
    private readonly allNodes: () => readonly NodeInfo[],
    private readonly snapshot?: Pick<NodeInfoLister, "podCounts" | "nodesPerTopologyValue" | "nodesWithLabel" | "topologyDomainIds" | "podCountsById">,
  ) {
    this.systemDefaulted = (args.defaultingType ?? "System") === "System";
    this.defaults = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
    this.defaultsDoNotSchedule = this.defaults.filter((c) => c.whenUnsatisfiable === "DoNotSchedule");
    this.defaultsScheduleAnyway = this.defaults.filter((c) => c.whenUnsatisfiable === "ScheduleAnyway");
  }

  /** Whether the defaults are the system's (only then may a node lack a topology key and still be scored). */
  private readonly systemDefaulted: boolean;

  private constraintsOf(pod: Pod, action: "DoNotSchedule" | "ScheduleAnyway"): Constraint[] {
    const own = pod.spec?.topologySpreadConstraints;
    if (own?.length) return own.filter((c) => c.whenUnsatisfiable === action).map((c) => this.parse(pod, c, labelSelectorFromObject(mergeMatchLabelKeys(c, pod))));
    // The default selector (services and controllers of the pod) only when a default constraint has this action:
    // the system defaults are all ScheduleAnyway, so PreFilter does not look them up.
    const defaults = action === "DoNotSchedule" ? this.defaultsDoNotSchedule : this.defaultsScheduleAnyway;
    if (defaults.length === 0) return [];
    const selector = this.defaultSelector(pod);
    if (!selector || selector.empty) return [];
    // The default selector of a controller's pods is one shared parsed object: so are their constraints.
    let parsed = this.defaultConstraints.get(selector);
    if (!parsed) this.defaultConstraints.set(selector, (parsed = new Map()));
    let list = parsed.get(action);
    if (!list) parsed.set(action, (list = defaults.map((c) => ({ ...this.parse(pod, c, selector), queries: new Map() }))));
    return list;
  }

  /** The default constraints of each action. */
  private readonly defaultsDoNotSchedule: readonly TopologySpreadConstraint[];
  private readonly defaultsScheduleAnyway: readonly TopologySpreadConstraint[];
  /** Default constraints by default selector and action (constraints are never changed once parsed). */
  private readonly defaultConstraints = new WeakMap<LabelSelector, Map<string, Constraint[]>>();

  private parse(_pod: Pod, c: TopologySpreadConstraint, selector: LabelSelector): Constraint {
    return {
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
      honorTaints: (c.nodeTaintsPolicy ?? "Ignore") === "Honor",
    };
  }

  private eligible(pod: Pod, c: Constraint, ni: NodeInfo): boolean {
    const node = ni.node!;
    if (c.honorAffinity && !podMatchesNodeSelectorAndAffinity(pod, node)) return false;
    if (c.honorTaints && firstUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, ["NoSchedule", "NoExecute"])) return false;
    return true;
  }

  /** Whether every node with a constraint's topology key counts for this pod (so the cache's counts answer). */
  private countsEveryNode(pod: Pod, constraints: readonly Constraint[]): boolean {
    const spec = pod.spec;
    const nodeRestricted = (spec?.nodeSelector && Object.keys(spec.nodeSelector).length > 0) || !!spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    for (const c of constraints) if (c.honorTaints || (c.honorAffinity && nodeRestricted)) return false;
    return true;
  }

  preFilter(state: CycleState, pod: Pod): Status | null {
    const constraints = this.constraintsOf(pod, "DoNotSchedule");
    if (constraints.length === 0) return Status.skip();
    const labels = pod.metadata?.labels ?? {};
    const selfMatch = constraints.map((c) => (c.selector.matches(labels) ? 1 : 0));
    const snap = this.snapshot;
    if (snap?.podCounts && snap.nodesPerTopologyValue && snap.nodesWithLabel && this.countsEveryNode(pod, constraints)) {
      // With several constraints only nodes carrying every key count: the cache's counts are per key, so they answer when every node carries every key.
      const all = constraints.length === 1 ? 0 : this.allNodes().length;
      if (constraints.length === 1 || constraints.every((c) => snap.nodesWithLabel!(c.topologyKey) === all)) {
        const ns = pod.metadata?.namespace ?? "default";
        const counts = constraints.map((c) => snap.podCounts!(queryOf(ns, c)) as Map<string, number>);
        const domains = constraints.map((c) => snap.nodesPerTopologyValue!(c.topologyKey));
        state.write(PRE_FILTER_KEY, new FilterState(constraints, counts, domains, selfMatch, true, snap.topologyDomainIds?.(constraints[0]!.topologyKey)));
        return null;
      }
    }
    const counts = constraints.map(() => new Map<string, number>());
    const domains = constraints.map(() => new Set<string>());
    const ns = pod.metadata?.namespace;
    for (const ni of this.allNodes()) {
      const labels = ni.node?.metadata?.labels;
      if (!labels) continue;
      if (!constraints.every((c) => labels[c.topologyKey] !== undefined)) continue;
      constraints.forEach((c, i) => {
        if (!this.eligible(pod, c, ni)) return;
        const value = labels[c.topologyKey]!;
        domains[i]!.add(value);
        const n = countMatching(ni, c.selector, ns);
        counts[i]!.set(value, (counts[i]!.get(value) ?? 0) + n);
      });
    }
    state.write(PRE_FILTER_KEY, new FilterState(constraints, counts, domains, selfMatch));
    return null;
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, pod: Pod, other: PodInfo, ni: NodeInfo): Status | null {
    this.update(state, pod, other, ni, 1);
    return null;
  }

  removePod(state: CycleState, pod: Pod, other: PodInfo, ni: NodeInfo): Status | null {
    this.update(state, pod, other, ni, -1);
    return null;
  }

  private update(state: CycleState, pod: Pod, other: PodInfo, ni: NodeInfo, by: number): void {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    const labels = ni.node?.metadata?.labels;
    if (!s || !labels || other.pod.metadata?.namespace !== pod.metadata?.namespace) return;
    s.own();
    s.constraints.forEach((c, i) => {
      const v = labels[c.topologyKey];
      if (v === undefined || !s.domains[i]!.has(v)) return;
      if (!c.selector.matches(other.pod.metadata?.labels ?? {})) return;
      s.counts[i]!.set(v, (s.counts[i]!.get(v) ?? 0) + by);
    });
  }

  filter(state: CycleState, _pod: Pod, ni: NodeInfo): Status | null {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    if (!s) return null;
    const labels = ni.node?.metadata?.labels ?? {};
    const constraints = s.constraints;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      const value = labels[c.topologyKey];
      if (value === undefined) return LABEL_NOT_MATCH;
      const skew = (s.counts[i]!.get(value) ?? 0) + s.selfMatch[i]! - s.min(i);
      if (skew > c.maxSkew) return CONSTRAINTS_NOT_MATCH;
    }
    return null;
  }

  /** `filter` for a batch: the state and each constraint's least-loaded domain count read once. */
  filterNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], count: number, out: (Status | null)[]): void {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    if (!s || s.constraints.length !== 1) {
      for (let i = 0; i < count; i++) out[i] = this.filter(state, pod, nodes[i]!);
      return;
    }
    const c = s.constraints[0]!;
    const key = c.topologyKey;
    const counts = s.counts[0]!;
    // A node fits when its domain's count is at most this (the skew bound, with the pod itself counted).
    const limit = c.maxSkew + s.min(0) - s.selfMatch[0]!;
    const byLabels = (ni: NodeInfo): Status | null => {
      const value = ni.node?.metadata?.labels?.[key];
      return value === undefined ? LABEL_NOT_MATCH : (counts.get(value) ?? 0) > limit ? CONSTRAINTS_NOT_MATCH : null;
    };
    const ids = s.domainIds;
    if (!ids) {
      for (let i = 0; i < count; i++) out[i] = byLabels(nodes[i]!);
      return;
    }
    // One verdict per domain, then one array read per node (its labels only for a node the numbers do not cover).
    const verdicts = ids.values.map((v) => ((counts.get(v) ?? 0) > limit ? CONSTRAINTS_NOT_MATCH : null));
    for (let i = 0; i < count; i++) {
      const ni = nodes[i]!;
      const id = ids.of(ni);
      out[i] = id >= 0 ? verdicts[id]! : id === -1 ? LABEL_NOT_MATCH : byLabels(ni);
    }
  }

  /**
   * As upstream's `initPreScoreState`: nodes lacking a constraint's key are ignored when the pod
   * has constraints of its own or the defaults are not the system's; a constraint's weight is
   * log(domains among the filtered nodes + 2), a node without the key being in the "" domain,
   * and for the hostname key the number of filtered nodes scored (one domain each, not collected).
   */
  preScore(state: CycleState, pod: Pod, filtered: readonly NodeInfo[]): Status | null {
    const constraints = this.constraintsOf(pod, "ScheduleAnyway");
    if (constraints.length === 0) return Status.skip();
    const requireAll = !!pod.spec?.topologySpreadConstraints?.length || !this.systemDefaulted;
    const snap = this.snapshot;
    const ns = pod.metadata?.namespace;
    const cached = !!snap?.podCounts && this.countsEveryNode(pod, constraints);
    if (cached && !requireAll && snap!.topologyDomainIds) {
      // The system defaults with the cache's numbers (a Deployment's pods): no node is ignored, and the domains are counted without reading a Node.
      // One pass over the constraints fills every per-constraint array.
      const n = constraints.length;
      const ids: TopologyDomainIds[] = new Array(n);
      const weights: number[] = new Array(n);
      const counts: Map<string, number>[] = new Array(n);
      let byId: DomainCountsById[] | undefined = snap!.podCountsById ? new Array(n) : undefined;
      let rows: Int32Array | undefined;
      for (let i = 0; i < n; i++) {
        const c = constraints[i]!;
        const d = (ids[i] = snap!.topologyDomainIds!(c.topologyKey));
        rows ??= rowsOf(filtered, d);
        weights[i] = Math.log((c.topologyKey === HOSTNAME ? filtered.length : domainsAmong(filtered, c.topologyKey, d, rows)) + 2);
        const q = queryOf(ns ?? "default", c);
        counts[i] = snap!.podCounts!(q) as Map<string, number>;
        if (byId) {
          const b = snap!.podCountsById!(q);
          if (b) byId[i] = b;
          else byId = undefined;
        }
      }
      state.write(PRE_SCORE_KEY, new ScoreState(constraints, counts, weights, NONE_IGNORED, ids, byId, filtered, rows));
      return null;
    }
    const ignored = new Set<string>();
    // The walk below needs the hostname domains too (it counts only theirs); the cache's counts do not.
    const domainSets = constraints.map((c) => (cached && c.topologyKey === HOSTNAME ? undefined : new Set<string>()));
    for (const ni of filtered) {
      const labels = ni.node?.metadata?.labels ?? NO_LABELS;
      if (requireAll && !constraints.every((c) => labels[c.topologyKey] !== undefined)) {
        ignored.add(ni.name);
        continue;
      }
      for (let i = 0; i < constraints.length; i++) domainSets[i]?.add(labels[constraints[i]!.topologyKey] ?? "");
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? filtered.length - ignored.size : domainSets[i]!.size) + 2));
    if (cached) {
      // Score reads the counts of filtered nodes' domains only: the cache's counts over every domain answer the same.
      const counts = constraints.map((c) => snap!.podCounts!(queryOf(ns ?? "default", c)) as Map<string, number>);
      state.write(PRE_SCORE_KEY, new ScoreState(constraints, counts, weights, ignored));
      return null;
    }
    const counts = constraints.map(() => new Map<string, number>());
    for (const ni of this.allNodes()) {
      const labels = ni.node?.metadata?.labels;
      if (!labels) continue;
      constraints.forEach((c, i) => {
        const v = labels[c.topologyKey];
        if (v === undefined || !domainSets[i]!.has(v)) return;
        if (!this.eligible(pod, c, ni)) return;
        counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(ni, c.selector, ns));
      });
    }
    state.write(PRE_SCORE_KEY, new ScoreState(constraints, counts, weights, ignored));
    return null;
  }

  score(state: CycleState, _pod: Pod, ni: NodeInfo): number {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!s || s.ignored.has(ni.name)) return 0;
    return nodeScore(s, ni);
  }

  /** `score` for every node, the state read once; notes the ignored nodes' indexes for `normalizeScores`. */
  scoreNodes(state: CycleState, _pod: Pod, nodes: readonly NodeInfo[], out: Float64Array): void {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    const n = nodes.length;
    if (!s) {
      out.fill(0, 0, n);
      return;
    }
    const ignored = s.ignored.size > 0 ? s.ignored : undefined;
    s.ignoredAt = ignored ? new Uint8Array(n) : undefined;
    if (s.byId && !ignored) {
      scoreByIds(s, s.byId, nodes, out);
      return;
    }
    for (let i = 0; i < n; i++) {
      const ni = nodes[i]!;
      if (ignored?.has(ni.name)) {
        s.ignoredAt![i] = 1;
        out[i] = 0;
        continue;
      }
      out[i] = nodeScore(s, ni);
    }
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status | null {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!s) return null;
    let min = Infinity;
    let max = -Infinity;
    for (const sc of scores) {
      if (s.ignored.has(sc.name)) continue;
      if (sc.score < min) min = sc.score;
      if (sc.score > max) max = sc.score;
    }
    for (const sc of scores) {
      if (s.ignored.has(sc.name)) {
        sc.score = 0;
        continue;
      }
      sc.score = max === 0 ? MAX_NODE_SCORE : Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
    }
    return null;
  }
  /** `normalizeScore` over the raw scores of the nodes `scoreNodes` just scored (index-aligned). */
  normalizeScores(state: CycleState, _pod: Pod, scores: Float64Array): Status | null {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!s) return null;
    const ignoredAt = s.ignoredAt;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < scores.length; i++) {
      if (ignoredAt?.[i]) continue;
      const v = scores[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < scores.length; i++) {
      if (ignoredAt?.[i]) scores[i] = 0;
      else scores[i] = max === 0 ? MAX_NODE_SCORE : Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
    return null;
  }


  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: "Pod", actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete } },
      { event: { resource: "Node", actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
    ];
  }
}

/** A node's raw score: per constraint whose key it has, its domain's matching pods × the weight + maxSkew − 1, rounded (upstream `scoreForCount`). */
function nodeScore(s: ScoreState, ni: NodeInfo): number {
  let score = 0;
  let labels: Readonly<Record<string, string>> | undefined;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!;
    const ids = s.ids?.[i];
    const id = ids ? ids.of(ni) : -2;
    const v = id >= 0 ? ids!.values[id] : id === -1 ? undefined : (labels ??= ni.node?.metadata?.labels ?? NO_LABELS)[c.topologyKey];
    if (v === undefined) continue;
    score += (s.counts[i]!.get(v) ?? 0) * s.weights[i]! + (c.maxSkew - 1);
  }
  return Math.round(score);
}

/**
 * `nodeScore` of every node into `out`, constraint by constraint (the same sums in the same
 * order), each node's count read by its domain number: no value looked up per node.
 */
function scoreByIds(s: ScoreState, byId: readonly DomainCountsById[], nodes: readonly NodeInfo[], out: Float64Array): void {
  const n = nodes.length;
  const rows = s.scored === nodes && s.rows?.length === n ? s.rows : rowsOf(nodes, byId[0]!.ids);
  out.fill(0, 0, n);
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!;
    const { ids, counts } = byId[i]!;
    const weight = s.weights[i]!;
    const add = c.maxSkew - 1;
    for (let j = 0; j < n; j++) {
      const id = ids.atRow(rows[j]!);
      if (id >= 0) out[j]! += counts[id]! * weight + add;
      else if (id === -2) {
        // A node the numbers do not cover: its labels, as nodeScore reads them.
        const v = nodes[j]!.node?.metadata?.labels?.[c.topologyKey];
        if (v !== undefined) out[j]! += (s.counts[i]!.get(v) ?? 0) * weight + add;
      }
    }
  }
  for (let j = 0; j < n; j++) out[j] = Math.round(out[j]!);
}

/** Each node's row (`TopologyDomainIds.rowOf`): the one read of the nodes that PreScore's and Score's loops share. */
function rowsOf(nodes: readonly NodeInfo[], ids: TopologyDomainIds): Int32Array {
  const rows = new Int32Array(nodes.length);
  for (let j = 0; j < nodes.length; j++) rows[j] = ids.rowOf(nodes[j]!);
  return rows;
}

/** How many domains of `key` the nodes (at `rows`) fall in, a node without the key in the "" domain (upstream counts it so). */
function domainsAmong(nodes: readonly NodeInfo[], key: string, ids: TopologyDomainIds, rows: Int32Array): number {
  const seen = new Uint8Array(ids.values.length);
  let count = 0;
  let others: Set<string> | undefined;
  let missing = false;
  for (let j = 0; j < nodes.length; j++) {
    const id = ids.atRow(rows[j]!);
    if (id >= 0) {
      if (seen[id] === 0) {
        seen[id] = 1;
        count++;
      }
    } else if (id === -1) missing = true;
    else (others ??= new Set()).add(nodes[j]!.node?.metadata?.labels?.[key] ?? "");
  }
  if (missing) (others ??= new Set()).add("");
  // A value read from the labels (or "") may be one of the numbered values too.
  if (others) for (const v of others) if (!(seen[ids.values.indexOf(v)] === 1)) count++;
  return count;
}

function countMatching(ni: NodeInfo, selector: LabelSelector, ns: string | undefined): number {
  let n = 0;
  for (const pi of ni.pods) {
    const m = pi.pod.metadata!;
    if (m.namespace !== ns || m.deletionTimestamp) continue;
    if (selector.matches(m.labels ?? {})) n++;
  }
  return n;
}

/** The constraint's labelSelector with `matchLabelKeys` added as `key In (pod's value)`. */
function mergeMatchLabelKeys(c: TopologySpreadConstraint, pod: Pod): TopologySpreadConstraint["labelSelector"] {
  const keys = c.matchLabelKeys ?? [];
  if (!keys.length) return c.labelSelector ?? null!;
  const labels = pod.metadata?.labels ?? {};
  const extra = keys.filter((k) => labels[k] !== undefined).map((k) => ({ key: k, operator: "In", values: [labels[k]!] }));
  return { ...(c.labelSelector ?? {}), matchExpressions: [...(c.labelSelector?.matchExpressions ?? []), ...extra] };
}
