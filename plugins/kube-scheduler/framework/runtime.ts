import type { Pod } from "kubernetes-types/core/v1.js";
import { CycleState } from "./cycle-state.js";
import type {
  BindPlugin,
  ClusterEventWithHint,
  EnqueueExtensions,
  FilterPlugin,
  FrameworkHandle,
  FrameworkRunner,
  NodeScore,
  NodeToStatus,
  PermitPlugin,
  PostBindPlugin,
  PostFilterPlugin,
  PostFilterResult,
  PreBindPlugin,
  PreEnqueuePlugin,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  QueueSortPlugin,
  QueuedPodInfo,
  ReservePlugin,
  SchedulerPlugin,
  ScorePlugin,
} from "./interface.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import { Code, Status, isRejected } from "./status.js";
import type { ExtensionPointName } from "../config/types.js";

/** The plugins of one profile per extension point, with score weights. */
export interface ResolvedProfile {
  schedulerName: string;
  percentageOfNodesToScore: number | undefined;
  points: Record<Exclude<ExtensionPointName, "multiPoint">, string[]>;
  weights: Map<string, number>;
  args: Map<string, Record<string, unknown>>;
}

/** PreFilter's outcome when every plugin passed and none narrowed the nodes (shared: read, never changed). */
const PASSED: { readonly status: null } = Object.freeze({ status: null });

/** A score plugin with its weight. */
interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

/** Per-plugin scores of one node, for explain. */
export interface PluginScore {
  plugin: string;
  raw: number;
  normalized: number;
  weight: number;
}

function has<K extends string>(p: SchedulerPlugin, method: K): p is SchedulerPlugin & Record<K, (...args: never[]) => unknown> {
  return typeof (p as unknown as Record<string, unknown>)[method] === "function";
}

/**
 * One profile's framework (upstream `frameworkImpl`): the plugin instances of each extension
 * point in order, and the loops running them. Filter stops at the first plugin that rejects a
 * node, recording that plugin in the status (the diagnosis names it).
 */
export class Framework implements FrameworkRunner {
  readonly preEnqueuePlugins: PreEnqueuePlugin[];
  readonly queueSort: QueueSortPlugin;
  readonly preFilterPlugins: PreFilterPlugin[];
  readonly filterPlugins: FilterPlugin[];
  readonly postFilterPlugins: PostFilterPlugin[];
  readonly preScorePlugins: PreScorePlugin[];
  readonly scorePlugins: WeightedScorePlugin[];
  readonly reservePlugins: ReservePlugin[];
  readonly permitPlugins: PermitPlugin[];
  readonly preBindPlugins: PreBindPlugin[];
  readonly bindPlugins: BindPlugin[];
  readonly postBindPlugins: PostBindPlugin[];
  /** Events each plugin registered (for the queue's requeue decisions). */
  readonly events = new Map<string, readonly ClusterEventWithHint[]>();
  readonly instances: ReadonlyMap<string, SchedulerPlugin>;

  constructor(
    readonly profile: ResolvedProfile,
    instances: Map<string, SchedulerPlugin>,
    readonly handle: FrameworkHandle,
  ) {
    this.instances = instances;
    const pick = <T>(point: keyof ResolvedProfile["points"], method: string): T[] =>
      profile.points[point].map((name) => {
        const p = instances.get(name)!;
        if (!has(p, method)) throw new Error(`plugin "${name}" does not extend ${point}`);
        return p as unknown as T;
      });
    this.preEnqueuePlugins = pick("preEnqueue", "preEnqueue");
    const sorts = pick<QueueSortPlugin>("queueSort", "less");
    if (sorts.length !== 1) throw new Error(`profile "${profile.schedulerName}": exactly one queueSort plugin is needed, got ${sorts.length}`);
    this.queueSort = sorts[0]!;
    this.preFilterPlugins = pick("preFilter", "preFilter");
    this.filterPlugins = pick("filter", "filter");
    this.postFilterPlugins = pick("postFilter", "postFilter");
    this.preScorePlugins = pick("preScore", "preScore");
    this.scorePlugins = pick<ScorePlugin>("score", "score").map((plugin) => ({ plugin, weight: profile.weights.get(plugin.name) ?? 1 }));
    this.reservePlugins = pick("reserve", "reserve");
    this.permitPlugins = pick("permit", "permit");
    this.preBindPlugins = pick("preBind", "preBind");
    this.bindPlugins = pick("bind", "bind");
    if (this.bindPlugins.length === 0) throw new Error(`profile "${profile.schedulerName}": at least one bind plugin is needed`);
    this.postBindPlugins = pick("postBind", "postBind");
    for (const [name, p] of instances) if (has(p, "eventsToRegister")) this.events.set(name, (p as unknown as EnqueueExtensions).eventsToRegister());
  }

  get schedulerName(): string {
    return this.profile.schedulerName;
  }

  less = (a: QueuedPodInfo, b: QueuedPodInfo): boolean => this.queueSort.less(a, b);

  runPreEnqueue(pod: Pod): { plugin: string; status: Status } | undefined {
    for (const p of this.preEnqueuePlugins) {
      const s = p.preEnqueue(pod);
      if (s && s.code !== Code.Success) return { plugin: p.name, status: s.withPlugin(p.name) };
    }
    return undefined;
  }

  /** PreFilter plugins in order; the first rejection ends the cycle for every node. */
  runPreFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { status: Status | null; nodeNames?: Set<string> } {
    let nodeNames: Set<string> | undefined;
    for (const p of this.preFilterPlugins) {
      let r: Status | PreFilterResult | null;
      try {
        r = p.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: Status.error(`running PreFilter plugin "${p.name}": ${String(err)}`).withPlugin(p.name) };
      }
      if (r instanceof Status) {
        if (r.code === Code.Skip) {
          state.skipFilterPlugins.add(p.name);
          continue;
        }
        if (r.code !== Code.Success) return { status: r.withPlugin(p.name) };
        continue;
      }
      if (r?.nodeNames) {
        if (!nodeNames) nodeNames = new Set(r.nodeNames);
        else for (const n of nodeNames) if (!r.nodeNames.has(n)) nodeNames.delete(n);
      }
    }
    return nodeNames ? { status: null, nodeNames } : PASSED;
  }

  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, toAdd: PodInfo, nodeInfo: NodeInfo): Status | null {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      const s = ext?.addPod(state, pod, toAdd, nodeInfo);
      if (s && s.code !== Code.Success) return s.withPlugin(p.name);
    }
    return null;
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, toRemove: PodInfo, nodeInfo: NodeInfo): Status | null {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      const s = ext?.removePod(state, pod, toRemove, nodeInfo);
      if (s && s.code !== Code.Success) return s.withPlugin(p.name);
    }
    return null;
  }

  /** Filter plugins in order for one node; the first non-success wins. */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null {
    return this.filterWith(this.activeFilterPlugins(state), state, pod, nodeInfo);
  }

  private filterWith(plugins: readonly FilterPlugin[], state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null {
    let i = 0;
    try {
      for (; i < plugins.length; i++) {
        const s = plugins[i]!.filter(state, pod, nodeInfo);
        if (s !== null && s !== undefined && s.code !== Code.Success) return s.withPlugin(plugins[i]!.name);
      }
    } catch (err) {
      return Status.error(`running Filter plugin "${plugins[i]!.name}": ${String(err)}`).withPlugin(plugins[i]!.name);
    }
    return null;
  }

  /**
   * The Filter phase of a cycle (upstream `findNodesThatPassFilters`): nodes from `start`
   * (wrapping around) until `want` pass or every node was tried, with nominated pods counted in.
   * Rejections go to `rejected`; an Error status ends the phase. The active plugins and whether
   * any pod is nominated are looked up once, not per node.
   *
   * Without nominated pods, nodes are filtered in batches of as many nodes as are still wanted,
   * each plugin over the batch's nodes that passed the plugins before it (`filterNodes` when it
   * has one): a batch cannot overshoot `want`, and each node's verdict is its first rejecting
   * plugin's, so the result is the node-by-node loop's exactly.
   */
  findNodesThatPassFilters(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
    start: number,
    want: number,
    rejected: (nodeInfo: NodeInfo, status: Status) => void,
  ): { feasible: NodeInfo[]; processed: number } | Status {
    const plugins = this.activeFilterPlugins(state);
    const nominated = this.handle.nominator.hasNominatedPods();
    const feasible: NodeInfo[] = [];
    const len = nodes.length;
    let processed = 0;
    if (nominated) {
      for (let i = start; processed < len && feasible.length < want; processed++, i++) {
        if (i === len) i = 0;
        const ni = nodes[i]!;
        const s = this.runFilterPluginsWithNominatedPods(state, pod, ni);
        if (s === null) {
          feasible.push(ni);
          continue;
        }
        if (s.code === Code.Error) return s;
        rejected(ni, s);
      }
      return { feasible, processed };
    }
    let i = start;
    while (processed < len && feasible.length < want) {
      const size = Math.min(want - feasible.length, len - processed);
      const batch = this.batchNodes;
      batch.length = size;
      for (let j = 0; j < size; j++, i++) {
        if (i === len) i = 0;
        batch[j] = nodes[i]!;
      }
      processed += size;
      const verdicts = this.filterBatch(plugins, state, pod, batch, size);
      for (let j = 0; j < size; j++) {
        const s = verdicts[j]!;
        if (s === null) feasible.push(batch[j]!);
        else if (s.code === Code.Error) return s;
        else rejected(batch[j]!, s);
      }
    }
    return { feasible, processed };
  }

  /** Scratch arrays of the batched Filter (a cycle runs synchronously). */
  private readonly batchNodes: NodeInfo[] = [];
  private readonly batchVerdicts: (Status | null)[] = [];
  private readonly liveNodes: NodeInfo[] = [];
  private readonly liveOut: (Status | null)[] = [];
  private livePos = new Int32Array(0);

  /**
   * Each node's first rejection by `plugins` in order (null: all passed), for `batch[0..size)`:
   * every plugin runs over the nodes the plugins before it passed. A plugin throwing sends the
   * batch through the node-by-node loop, which names the node and plugin as it always does.
   */
  private filterBatch(plugins: readonly FilterPlugin[], state: CycleState, pod: Pod, batch: readonly NodeInfo[], size: number): (Status | null)[] {
    const verdicts = this.batchVerdicts;
    verdicts.length = size;
    const live = this.liveNodes;
    live.length = size;
    if (this.livePos.length < size) this.livePos = new Int32Array(Math.max(size, this.livePos.length * 2));
    const pos = this.livePos;
    for (let j = 0; j < size; j++) {
      verdicts[j] = null;
      live[j] = batch[j]!;
      pos[j] = j;
    }
    const out = this.liveOut;
    let count = size;
    try {
      for (let k = 0; k < plugins.length && count > 0; k++) {
        const p = plugins[k]!;
        out.length = count;
        if (p.filterNodes) p.filterNodes(state, pod, live, count, out);
        else for (let j = 0; j < count; j++) out[j] = p.filter(state, pod, live[j]!);
        let kept = 0;
        for (let j = 0; j < count; j++) {
          const s = out[j];
          if (s !== null && s !== undefined && s.code !== Code.Success) verdicts[pos[j]!] = s.withPlugin(p.name);
          else {
            live[kept] = live[j]!;
            pos[kept++] = pos[j]!;
          }
        }
        count = kept;
      }
    } catch {
      for (let j = 0; j < size; j++) verdicts[j] = this.filterWith(plugins, state, pod, batch[j]!);
    }
    return verdicts;
  }

  /** The Filter plugins not skipped by their PreFilter in this cycle (computed once per cycle). */
  private activeFilterPlugins(state: CycleState): readonly FilterPlugin[] {
    const skip = state.skipFilterPlugins;
    if (skip.size === 0) return this.filterPlugins;
    const cached = state.activeFilters as FilterPlugin[] | undefined;
    if (cached && state.activeFiltersFor === skip.size) return cached;
    const list = this.filterPlugins.filter((p) => !skip.has(p.name));
    state.activeFilters = list;
    state.activeFiltersFor = skip.size;
    return list;
  }

  /**
   * Filters with the pods nominated to this node of priority ≥ the pod's counted in (upstream
   * `RunFilterPluginsWithNominatedPods`): if that passes, also without them.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null {
    const nominated = this.handle.nominator.nominatedPodsForNode(nodeInfo.name);
    if (nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    const prio = pod.spec?.priority ?? 0;
    const uid = pod.metadata?.uid;
    const relevant = nominated.filter((pi) => (pi.pod.spec?.priority ?? 0) >= prio && pi.pod.metadata?.uid !== uid);
    if (relevant.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    const withState = state.clone();
    const withInfo = nodeInfo.clone();
    for (const pi of relevant) {
      withInfo.addPodInfo(pi);
      const s = this.runPreFilterExtensionAddPod(withState, pod, pi, withInfo);
      if (s) return s;
    }
    const s = this.runFilterPlugins(withState, pod, withInfo);
    if (s) return s;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  async runPostFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status | null }> {
    let last: Status | null = Status.unschedulable();
    for (const p of this.postFilterPlugins) {
      const r = await p.postFilter(state, pod, filtered);
      if (!r.status || r.status.code === Code.Success) return r;
      if (!isRejected(r.status)) return { status: r.status.withPlugin(p.name) };
      last = r.status.withPlugin(p.name);
    }
    return { status: last };
  }

  runPreScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | null {
    for (const p of this.preScorePlugins) {
      let s: Status | null;
      try {
        s = p.preScore(state, pod, nodes);
      } catch (err) {
        s = Status.error(`running PreScore plugin "${p.name}": ${String(err)}`);
      }
      if (!s || s.code === Code.Success) continue;
      if (s.code === Code.Skip) {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      return s.withPlugin(p.name);
    }
    return null;
  }

  /** NodeScore objects and raw scores reused across cycles (a cycle runs synchronously; plugins must not keep them). */
  private readonly scorePool: { name: string; score: number }[] = [];
  private readonly scoreList: NodeScore[] = [];
  private rawScores = new Float64Array(0);

  /**
   * Score plugins for every node, normalized and weighted: the weighted totals, index-aligned with
   * `nodes`. A plugin's raw scores come from one batched `scoreNodes` call when it has one, else
   * from `score` per node; only plugins that normalize without `normalizeScores` see NodeScore objects. `details` (explain)
   * collects per-plugin raw, normalized and weighted scores per node. The totals live in a buffer
   * reused by the next cycle (read them before it); with `details` they are the caller's own.
   */
  runScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], details?: Map<string, PluginScore[]>): Float64Array {
    const n = nodes.length;
    const totals = details ? new Float64Array(n) : this.pooledTotals(n);
    if (this.rawScores.length < n) this.rawScores = new Float64Array(Math.max(n, this.rawScores.length * 2));
    const raw = this.rawScores.length === n ? this.rawScores : this.rawScores.subarray(0, n);
    const skip = state.skipScorePlugins;
    for (const { plugin, weight } of this.scorePlugins) {
      if (skip.size && skip.has(plugin.name)) continue;
      if (plugin.scoreNodes) plugin.scoreNodes(state, pod, nodes, raw);
      else for (let i = 0; i < n; i++) raw[i] = plugin.score(state, pod, nodes[i]!);
      const ext = plugin.scoreExtensions?.();
      const rawCopy = details ? Array.from(raw) : undefined;
      let scores: NodeScore[] | undefined;
      if (ext) {
        let s: Status | null;
        if (ext.normalizeScores) s = ext.normalizeScores(state, pod, raw);
        else {
          scores = this.nodeScores(nodes, raw);
          s = ext.normalizeScore(state, pod, scores);
          for (let i = 0; i < n; i++) raw[i] = scores[i]!.score;
        }
        if (s && s.code !== Code.Success) throw new Error(`normalizing scores of plugin "${plugin.name}": ${s.message}`);
      }
      for (let i = 0; i < n; i++) totals[i]! += raw[i]! * weight;
      if (details) {
        for (let i = 0; i < n; i++) {
          let list = details.get(nodes[i]!.name);
          if (!list) details.set(nodes[i]!.name, (list = []));
          list.push({ plugin: plugin.name, raw: rawCopy![i]!, normalized: raw[i]!, weight });
        }
      }
    }
    return totals;
  }

  private totalsBuffer = new Float64Array(0);
  private totalsView = new Float64Array(0);

  /** Zeroed totals for `n` nodes in a buffer reused across cycles (a typed array allocated per cycle cost more than the loops filling it). */
  private pooledTotals(n: number): Float64Array {
    if (this.totalsView.length !== n) {
      if (this.totalsBuffer.length < n) this.totalsBuffer = new Float64Array(Math.max(n, this.totalsBuffer.length * 2));
      this.totalsView = this.totalsBuffer.length === n ? this.totalsBuffer : this.totalsBuffer.subarray(0, n);
    }
    return this.totalsView.fill(0);
  }

  /** The pooled NodeScore objects for `nodes`, holding `raw` (normalizing rewrites them in place). */
  private nodeScores(nodes: readonly NodeInfo[], raw: Float64Array): NodeScore[] {
    const n = nodes.length;
    const pool = this.scorePool;
    while (pool.length < n) pool.push({ name: "", score: 0 });
    const scores = this.scoreList;
    scores.length = n;
    for (let i = 0; i < n; i++) {
      const s = pool[i]!;
      s.name = nodes[i]!.name;
      s.score = raw[i]!;
      scores[i] = s;
    }
    return scores;
  }

  runReserve(state: CycleState, pod: Pod, nodeName: string): Status | null {
    for (const p of this.reservePlugins) {
      const s = p.reserve(state, pod, nodeName);
      if (s && s.code !== Code.Success) return s.withPlugin(p.name);
    }
    return null;
  }

  /** Unreserve in reverse order. */
  runUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i]!.unreserve(state, pod, nodeName);
  }

  /** Permit plugins: a rejection, or the longest wait asked for. */
  runPermit(state: CycleState, pod: Pod, nodeName: string): { status: Status | null; waitFor: Map<string, number> } {
    const waitFor = new Map<string, number>();
    for (const p of this.permitPlugins) {
      const r = p.permit(state, pod, nodeName);
      if (!r.status || r.status.code === Code.Success) continue;
      if (r.status.code === Code.Wait) {
        waitFor.set(p.name, Math.min(r.timeoutMs ?? 15 * 60_000, 15 * 60_000));
        continue;
      }
      return { status: r.status.withPlugin(p.name), waitFor };
    }
    return { status: null, waitFor };
  }

  /**
   * PreBind plugins in order; the first non-success wins. Synchronous while the plugins answer
   * synchronously (a pod without volumes to bind: nothing to wait for), so the binding goes on in
   * the same turn; a promise from the first plugin that returns one.
   */
  runPreBind(state: CycleState, pod: Pod, nodeName: string): Status | null | Promise<Status | null> {
    const plugins = this.preBindPlugins;
    for (let i = 0; i < plugins.length; i++) {
      const s = plugins[i]!.preBind(state, pod, nodeName);
      if (s instanceof Promise) return this.finishPreBind(i, s, state, pod, nodeName);
      if (s && s.code !== Code.Success) return s.withPlugin(plugins[i]!.name);
    }
    return null;
  }

  /** The rest of {@link runPreBind} from plugin `i`, whose answer `pending` is. */
  private async finishPreBind(i: number, pending: Promise<Status | null>, state: CycleState, pod: Pod, nodeName: string): Promise<Status | null> {
    const plugins = this.preBindPlugins;
    for (let s = await pending; ; s = await plugins[i]!.preBind(state, pod, nodeName)) {
      if (s && s.code !== Code.Success) return s.withPlugin(plugins[i]!.name);
      if (++i === plugins.length) return null;
    }
  }

  /** Bind plugins in order until one does not Skip. */
  async runBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status | null> {
    const plugins = this.bindPlugins;
    for (let i = 0; i < plugins.length; i++) {
      const p = plugins[i]!;
      const s = await p.bind(state, pod, nodeName);
      if (s && s.code === Code.Skip) continue;
      if (s && s.code !== Code.Success) return s.withPlugin(p.name);
      return null;
    }
    return Status.error("no bind plugin bound the pod");
  }

  runPostBind(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of this.postBindPlugins) p.postBind(state, pod, nodeName);
  }
}
