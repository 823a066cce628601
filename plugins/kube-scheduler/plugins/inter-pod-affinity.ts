import type { Pod } from "kubernetes-types/core/v1.js";
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin, type FrameworkHandle, type NodeScore, type PreFilterExtensions, type PreFilterPlugin, type PreScorePlugin, type ScoreExtensions, type ScorePlugin } from "../framework/interface.js";
import { Status } from "../framework/status.js";
import { MAX_NODE_SCORE } from "../framework/normalize.js";
import { PodInfo, termMatches, type AffinityTerm } from "../framework/pod-info.js";
import type { CycleState } from "../framework/cycle-state.js";
import type { NodeInfoLister } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";
import { termsQuery, type AntiAffinityGroup, type DomainCounts, type PodCountQuery } from "../framework/pod-count-query.js";

export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

const PRE_FILTER_KEY = "PreFilterInterPodAffinity";
/** Filter's verdicts, shared by every rejected node (statuses are not changed once the framework names the plugin). */
const AFFINITY = Status.unresolvable(ERR_REASON_AFFINITY).withPlugin("InterPodAffinity");
const ANTI_AFFINITY = Status.unschedulable(ERR_REASON_ANTI_AFFINITY).withPlugin("InterPodAffinity");
const EXISTING_ANTI_AFFINITY = Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY).withPlugin("InterPodAffinity");
const PRE_SCORE_KEY = "PreScoreInterPodAffinity";

/** Counts per topology key, then per value (no string building on the per-node path). */
type TopologyCounts = Map<string, Map<string, number>>;

function bump(counts: TopologyCounts, key: string, value: string, by: number): void {
  let values = counts.get(key);
  if (!values) counts.set(key, (values = new Map()));
  const v = (values.get(value) ?? 0) + by;
  if (v === 0) {
    values.delete(value);
    if (values.size === 0) counts.delete(key);
  } else values.set(value, v);
}

function countOf(counts: TopologyCounts, key: string, value: string): number {
  return counts.get(key)?.get(value) ?? 0;
}

function cloneCounts(counts: TopologyCounts): TopologyCounts {
  const copy: TopologyCounts = new Map();
  for (const [k, values] of counts) copy.set(k, new Map(values));
  return copy;
}

/**
 * Adds `values` (counts per value of `key`, owned by the cache) to `counts`: shared as is when
 * `key` has none yet, else summed into a new map. A FilterState holding shared maps copies
 * them before AddPod/RemovePod change anything (`FilterState.own`).
 */
function addShared(counts: TopologyCounts, key: string, values: DomainCounts): void {
  if (values.size === 0) return;
  const current = counts.get(key);
  if (!current) {
    counts.set(key, values as Map<string, number>);
    return;
  }
  const sum = new Map(current);
  for (const [v, n] of values) sum.set(v, (sum.get(v) ?? 0) + n);
  counts.set(key, sum);
}

class FilterState {
  constructor(
    readonly podInfo: PodInfo,
    public existingAntiAffinityCounts: TopologyCounts,
    public affinityCounts: TopologyCounts,
    public antiAffinityCounts: TopologyCounts,
    /** Whether the count maps may be the cache's own (copy before changing them). */
    private shared = false,
  ) {}
  clone(): FilterState {
    return new FilterState(this.podInfo, cloneCounts(this.existingAntiAffinityCounts), cloneCounts(this.affinityCounts), cloneCounts(this.antiAffinityCounts));
  }
  /**
   * What Filter checks per node, flattened once per cycle: the topology keys and count maps of
   * the pod's anti-affinity terms, then of existing pods' anti-affinity (undefined: recompute).
   */
  antiKeys: string[] | undefined;
  antiCounts: ReadonlyMap<string, number>[] | undefined;
  /** How many of `antiKeys` come from the pod's own terms. */
  ownAnti = 0;

  checks(): void {
    const keys: string[] = [];
    const counts: ReadonlyMap<string, number>[] = [];
    for (const t of this.podInfo.requiredAntiAffinityTerms) {
      const values = this.antiAffinityCounts.get(t.topologyKey);
      if (!values) continue;
      keys.push(t.topologyKey);
      counts.push(values);
    }
    this.ownAnti = keys.length;
    for (const [key, values] of this.existingAntiAffinityCounts) {
      keys.push(key);
      counts.push(values);
    }
    this.antiKeys = keys;
    this.antiCounts = counts;
  }

  /** Makes the count maps this state's own, before AddPod/RemovePod change them. */
  own(): void {
    this.antiKeys = undefined;
    this.antiCounts = undefined;
    if (!this.shared) return;
    this.existingAntiAffinityCounts = cloneCounts(this.existingAntiAffinityCounts);
    this.affinityCounts = cloneCounts(this.affinityCounts);
    this.antiAffinityCounts = cloneCounts(this.antiAffinityCounts);
    this.shared = false;
  }
}

/** Whether no term has a namespaceSelector (its matches then depend on namespace labels, which the cache does not follow). */
function indexable(terms: readonly AffinityTerm[]): boolean {
  for (const t of terms) if (t.namespaceSelector) return false;
  return true;
}

class ScoreState {
  constructor(readonly topologyScore: Map<string, Map<string, number>>) {}
  clone(): ScoreState {
    return this;
  }
}

export interface InterPodAffinityArgs {
  hardPodAffinityWeight?: number;
  ignorePreferredTermsOfExistingPods?: boolean;
}

/**
 * Required and preferred pod affinity and anti-affinity over topology domains (upstream
 * `interpodaffinity`), including symmetry: an existing pod's required anti-affinity keeps the
 * incoming pod out, and existing pods' affinity terms matching the incoming pod score (required
 * ones with hardPodAffinityWeight).
 */
export class InterPodAffinity implements PreFilterPlugin, PreFilterExtensions, FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions {
  static readonly pluginName = "InterPodAffinity";
  readonly name = InterPodAffinity.pluginName;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredOfExisting: boolean;
  private readonly nsLabels: (ns: string) => Readonly<Record<string, string>> | undefined;

  constructor(args: InterPodAffinityArgs, private readonly handle: Pick<FrameworkHandle, "snapshot" | "namespaceLabels">) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    this.ignorePreferredOfExisting = args.ignorePreferredTermsOfExistingPods ?? false;
    this.nsLabels = (ns) => handle.namespaceLabels(ns);
  }

  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | null {
    const pi = PodInfo.of(pod);
    const snapshot = this.handle.snapshot;
    const noTerms = pi.requiredAffinityTerms.length === 0 && pi.requiredAntiAffinityTerms.length === 0;
    if (snapshot.podCounts && snapshot.existingAntiAffinity && indexable(pi.requiredAffinityTerms) && indexable(pi.requiredAntiAffinityTerms)) {
      const groups = snapshot.existingAntiAffinity();
      // (Placed pods' anti-affinity on nodes without the term's topology key are in no group: they reject no node.)
      if (noTerms && groups.size === 0) return Status.skip();
      state.write(PRE_FILTER_KEY, this.preFilterFromCounts(pi, pod, snapshot as Required<Pick<NodeInfoLister, "podCounts">>, groups.values()));
      return null;
    }
    const withAnti = snapshot.havePodsWithRequiredAntiAffinity();
    if (noTerms && withAnti.length === 0) return Status.skip();
    const existing: TopologyCounts = new Map();
    for (const ni of withAnti) {
      const labels = ni.node?.metadata?.labels;
      if (!labels) continue;
      for (const epi of ni.podsWithRequiredAntiAffinity) this.countExisting(existing, epi, pod, labels, 1);
    }
    const affinity: TopologyCounts = new Map();
    const anti: TopologyCounts = new Map();
    if (pi.requiredAffinityTerms.length || pi.requiredAntiAffinityTerms.length) {
      for (let i = 0; i < nodes.length; i++) {
        const ni = nodes[i]!;
        if (ni.pods.length === 0) continue;
        const labels = ni.node?.metadata?.labels;
        if (!labels) continue;
        for (const epi of ni.pods) this.countIncoming(affinity, anti, pi, epi.pod, labels, 1);
      }
    }
    state.write(PRE_FILTER_KEY, new FilterState(pi, existing, affinity, anti));
    return null;
  }

  /**
   * The same counts as the walk over every pod, from the cache's: existing pods' anti-affinity
   * grouped by term (each distinct term matched against the pod once), and the pod's own terms
   * answered by kept count queries.
   */
  private preFilterFromCounts(pi: PodInfo, pod: Pod, counts: { podCounts(q: PodCountQuery): DomainCounts }, groups: Iterable<AntiAffinityGroup>): FilterState {
    const existing: TopologyCounts = new Map();
    for (const g of groups) if (termMatches(g.term, pod, this.nsLabels)) addShared(existing, g.term.topologyKey, g.counts);
    const affinity: TopologyCounts = new Map();
    const terms = pi.requiredAffinityTerms;
    for (const t of terms) addShared(affinity, t.topologyKey, counts.podCounts(termsQuery(terms, t.topologyKey)));
    const anti: TopologyCounts = new Map();
    for (const t of pi.requiredAntiAffinityTerms) addShared(anti, t.topologyKey, counts.podCounts(termsQuery([t], t.topologyKey)));
    return new FilterState(pi, existing, affinity, anti, true);
  }

  private countExisting(counts: TopologyCounts, existing: PodInfo, incoming: Pod, labels: Readonly<Record<string, string>>, by: number): void {
    for (const t of existing.requiredAntiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v !== undefined && termMatches(t, incoming, this.nsLabels)) bump(counts, t.topologyKey, v, by);
    }
  }

  private countIncoming(affinity: TopologyCounts, anti: TopologyCounts, incoming: PodInfo, existing: Pod, labels: Readonly<Record<string, string>>, by: number): void {
    if (incoming.requiredAffinityTerms.length && this.matchesAll(incoming.requiredAffinityTerms, existing)) {
      for (const t of incoming.requiredAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v !== undefined) bump(affinity, t.topologyKey, v, by);
      }
    }
    for (const t of incoming.requiredAntiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v !== undefined && termMatches(t, existing, this.nsLabels)) bump(anti, t.topologyKey, v, by);
    }
  }

  private matchesAll(terms: readonly AffinityTerm[], pod: Pod): boolean {
    for (const t of terms) if (!termMatches(t, pod, this.nsLabels)) return false;
    return true;
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, pod: Pod, toAdd: PodInfo, nodeInfo: NodeInfo): Status | null {
    return this.updateWithPod(state, pod, toAdd, nodeInfo, 1);
  }

  removePod(state: CycleState, pod: Pod, toRemove: PodInfo, nodeInfo: NodeInfo): Status | null {
    return this.updateWithPod(state, pod, toRemove, nodeInfo, -1);
  }

  private updateWithPod(state: CycleState, pod: Pod, other: PodInfo, nodeInfo: NodeInfo, by: number): Status | null {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    const labels = nodeInfo.node?.metadata?.labels;
    if (!s || !labels) return null;
    s.own();
    this.countExisting(s.existingAntiAffinityCounts, other, pod, labels, by);
    this.countIncoming(s.affinityCounts, s.antiAffinityCounts, s.podInfo, other.pod, labels, by);
    return null;
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status | null {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    if (!s) return null;
    const labels = nodeInfo.node?.metadata?.labels ?? {};
    // Required affinity: every term's domain on this node holds a matching pod, unless no pod
    // anywhere matches and the pod matches its own terms (the first pod of a group).
    const terms = s.podInfo.requiredAffinityTerms;
    if (terms.length) {
      let ok = true;
      for (const t of terms) {
        const v = labels[t.topologyKey];
        if (v === undefined || !countOf(s.affinityCounts, t.topologyKey, v)) {
          ok = false;
          break;
        }
      }
      if (!ok) {
        const allHaveKeys = terms.every((t) => labels[t.topologyKey] !== undefined);
        if (!(s.affinityCounts.size === 0 && allHaveKeys && this.matchesAll(terms, s.podInfo.pod))) return AFFINITY;
      }
    }
    if (s.antiKeys === undefined) s.checks();
    const keys = s.antiKeys!;
    const counts = s.antiCounts!;
    // Count maps hold no zero entries: a value present means a matching pod in the domain.
    for (let i = 0; i < keys.length; i++) {
      const v = labels[keys[i]!];
      if (v !== undefined && counts[i]!.has(v)) return i < s.ownAnti ? ANTI_AFFINITY : EXISTING_ANTI_AFFINITY;
    }
    return null;
  }

  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | null {
    const pi = PodInfo.of(pod);
    const hasPreferred = pi.preferredAffinityTerms.length > 0 || pi.preferredAntiAffinityTerms.length > 0;
    // Nothing scores this pod when it has no preferred terms and no placed pod's terms score others.
    if (!hasPreferred && this.handle.snapshot.scoringAffinityPodCount?.() === 0) return Status.skip();
    const snapshot = this.handle.snapshot;
    // The pod's own preferred terms from the cache's kept counts (weight × matching pods per domain); existing pods' terms by the walk below.
    const counted = hasPreferred && snapshot.podCounts !== undefined && indexable(pi.preferredAffinityTerms) && indexable(pi.preferredAntiAffinityTerms);
    const walkAll = hasPreferred && !counted;
    const candidates = walkAll ? snapshot.list() : snapshot.havePodsWithAffinity();
    if (!hasPreferred && candidates.length === 0) return Status.skip();
    const topologyScore = new Map<string, Map<string, number>>();
    const add = (key: string, value: string | undefined, w: number): void => {
      if (value === undefined || w === 0) return;
      let m = topologyScore.get(key);
      if (!m) topologyScore.set(key, (m = new Map()));
      m.set(value, (m.get(value) ?? 0) + w);
    };
    if (counted) {
      for (const t of pi.preferredAffinityTerms) for (const [v, n] of snapshot.podCounts!(termsQuery([t], t.topologyKey))) add(t.topologyKey, v, t.weight * n);
      for (const t of pi.preferredAntiAffinityTerms) for (const [v, n] of snapshot.podCounts!(termsQuery([t], t.topologyKey))) add(t.topologyKey, v, -t.weight * n);
    }
    for (const ni of candidates) {
      const labels = ni.node?.metadata?.labels;
      if (!labels) continue;
      const pods = walkAll ? ni.pods : ni.podsWithAffinity;
      for (const epi of pods) {
        if (walkAll) {
          for (const t of pi.preferredAffinityTerms) if (termMatches(t, epi.pod, this.nsLabels)) add(t.topologyKey, labels[t.topologyKey], t.weight);
          for (const t of pi.preferredAntiAffinityTerms) if (termMatches(t, epi.pod, this.nsLabels)) add(t.topologyKey, labels[t.topologyKey], -t.weight);
        }
        if (this.hardPodAffinityWeight > 0) for (const t of epi.requiredAffinityTerms) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, labels[t.topologyKey], this.hardPodAffinityWeight);
        if (!this.ignorePreferredOfExisting) {
          for (const t of epi.preferredAffinityTerms) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, labels[t.topologyKey], t.weight);
          for (const t of epi.preferredAntiAffinityTerms) if (termMatches(t, pod, this.nsLabels)) add(t.topologyKey, labels[t.topologyKey], -t.weight);
        }
      }
    }
    if (topologyScore.size === 0) return Status.skip();
    state.write(PRE_SCORE_KEY, new ScoreState(topologyScore));
    void nodes;
    return null;
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    const labels = nodeInfo.node?.metadata?.labels;
    if (!s || !labels) return 0;
    let score = 0;
    for (const [key, values] of s.topologyScore) {
      const v = labels[key];
      if (v !== undefined) score += values.get(v) ?? 0;
    }
    return score;
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status | null {
    if (!state.read(PRE_SCORE_KEY)) return null;
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s.score < min) min = s.score;
      if (s.score > max) max = s.score;
    }
    const diff = max - min;
    for (const s of scores) s.score = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (s.score - min)) / diff) : 0;
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: "Pod", actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete } },
      { event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
    ];
  }
}
