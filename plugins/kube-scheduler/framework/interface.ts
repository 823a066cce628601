import type { Pod } from "kubernetes-types/core/v1.js";
import type { Client } from "../../../core/client/client.js";
import type { Clock } from "../../../core/clock/clock.js";
import type { Logger } from "../../../core/log/logger.js";
import type { EventRecorder } from "../../../core/events/event-recorder.js";
import type { SharedInformerFactory } from "../../../core/informers/shared-informer-factory.js";
import type { CycleState } from "./cycle-state.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import type { AntiAffinityGroup, DomainCounts, DomainCountsById, PodCountQuery, TopologyDomainIds } from "./pod-count-query.js";
import type { Status } from "./status.js";

/**
 * The scheduler framework's extension points, one small interface each (upstream
 * `framework/interface.go`). A plugin implements the ones it needs; the framework fills each
 * extension point by checking which methods a plugin has. Everything up to Reserve runs
 * synchronously inside one scheduling cycle (so the cache is a consistent snapshot); Permit may
 * wait, and PreBind/Bind run asynchronously in the binding cycle.
 */
export interface SchedulerPlugin {
  readonly name: string;
}

/** Gates a pod before it enters activeQ (e.g. SchedulingGates). Non-success keeps it out, as `SchedulingGated`. */
export interface PreEnqueuePlugin extends SchedulerPlugin {
  preEnqueue(pod: Pod): Status | null;
}

/** Orders activeQ. Exactly one per profile. */
export interface QueueSortPlugin extends SchedulerPlugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

/** Narrows the nodes Filter looks at (upstream `PreFilterResult.NodeNames`). */
export interface PreFilterResult {
  readonly nodeNames: ReadonlySet<string>;
}

export interface PreFilterExtensions {
  /** Updates the cycle state as if `podToAdd` ran on `nodeInfo` (preemption and nominated-pod simulations). */
  addPod(state: CycleState, podToSchedule: Pod, podToAdd: PodInfo, nodeInfo: NodeInfo): Status | null;
  /** As `addPod`, for a pod removed. */
  removePod(state: CycleState, podToSchedule: Pod, podToRemove: PodInfo, nodeInfo: NodeInfo): Status | null;
}

export interface PreFilterPlugin extends SchedulerPlugin {
  /** Computes cycle state for Filter. Skip: this plugin's Filter is skipped for the pod. */
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | PreFilterResult | null;
  preFilterExtensions?(): PreFilterExtensions | null;
}

export interface FilterPlugin extends SchedulerPlugin {
  /** Whether the pod can run on the node. Must not change `nodeInfo`. */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null;
  /**
   * Optional batched Filter: `out[i]` = what `filter` gives for `nodes[i]`, for every i < `count`.
   * The framework calls it instead of `filter` per node when present: one call per plugin and
   * batch of nodes, with per-pod work done once. Must not change the nodes.
   */
  filterNodes?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], count: number, out: (Status | null)[]): void;
}

/** What a PostFilter found: a node the pod is nominated to (after preemption). */
export interface PostFilterResult {
  readonly nominatedNodeName?: string;
}

/** The Filter verdict of every node examined, by node name. */
export type NodeToStatus = ReadonlyMap<string, Status>;

export interface PostFilterPlugin extends SchedulerPlugin {
  /** Runs when no node fits (preemption). */
  postFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status | null }>;
}

export interface PreScorePlugin extends SchedulerPlugin {
  /** Skip: this plugin's Score is skipped for the pod. */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | null;
}

export interface NodeScore {
  readonly name: string;
  score: number;
}

export interface ScoreExtensions {
  /** Scales `scores` in place into [0, 100]. */
  normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status | null;
  /**
   * Optional batched form: scales `scores` (raw scores index-aligned with the cycle's nodes) in
   * place exactly as `normalizeScore` would. The framework then builds no NodeScore objects.
   */
  normalizeScores?(state: CycleState, pod: Pod, scores: Float64Array): Status | null;
}

export interface ScorePlugin extends SchedulerPlugin {
  /** A raw score for the node (after Filter passed). Throwing is an Error status. */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /**
   * Optional batched Score: the raw score of every node into `out[i]` (index-aligned with
   * `nodes`), exactly what `score` gives per node. The framework calls it instead of `score` when
   * present: one call per plugin and cycle instead of one per node.
   */
  scoreNodes?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], out: Float64Array): void;
  scoreExtensions?(): ScoreExtensions | null;
}

export interface ReservePlugin extends SchedulerPlugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status | null;
  /** Undoes reserve; must be idempotent and must not fail. */
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

export interface PermitPlugin extends SchedulerPlugin {
  /** Wait holds the pod (up to `timeoutMs`) until `handle.waitingPod(uid)` allows or rejects it. */
  permit(state: CycleState, pod: Pod, nodeName: string): { status: Status | null; timeoutMs?: number };
}

export interface PreBindPlugin extends SchedulerPlugin {
  /** A plugin with nothing to write or wait for (upstream's PreBindPreFlight Skip) may answer synchronously. */
  preBind(state: CycleState, pod: Pod, nodeName: string): Status | null | Promise<Status | null>;
}

export interface BindPlugin extends SchedulerPlugin {
  /** Skip passes to the next Bind plugin. */
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status | null>;
}

export interface PostBindPlugin extends SchedulerPlugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

/** Cluster event kinds (upstream `framework.ActionType`). */
export const ActionType = {
  Add: 1,
  Delete: 2,
  UpdateNodeAllocatable: 4,
  UpdateNodeLabel: 8,
  UpdateNodeTaint: 16,
  UpdateNodeCondition: 32,
  UpdateNodeAnnotation: 64,
  UpdatePodLabel: 128,
  UpdatePodScaleDown: 256,
  UpdatePodTolerations: 512,
  UpdatePodSchedulingGatesEliminated: 1024,
  /** Any other change. */
  UpdateOther: 2048,
  Update: 4 | 8 | 16 | 32 | 64 | 128 | 256 | 512 | 1024 | 2048,
  All: 0xffff,
} as const;

/** What changed in the cluster; `resource` is "Pod" (assigned pods), "Node", "UnscheduledPod", "PersistentVolumeClaim", ... or "*". */
export interface ClusterEvent {
  readonly resource: string;
  readonly actionType: number;
  readonly label?: string;
}

export enum QueueingHint {
  Skip = 0,
  Queue = 1,
}

/** Decides whether `event` may make `pod` schedulable (upstream `QueueingHintFn`). */
export type QueueingHintFn = (pod: Pod, oldObj: unknown, newObj: unknown) => QueueingHint;

export interface ClusterEventWithHint {
  readonly event: ClusterEvent;
  readonly hint?: QueueingHintFn;
}

/** Plugins that fail pods declare which events can make them schedulable again. */
export interface EnqueueExtensions {
  eventsToRegister(): ClusterEventWithHint[];
}

/** A pod in the scheduling queue (upstream `QueuedPodInfo`). */
export interface QueuedPodInfo {
  pod: Pod;
  /** When it was last added to a queue (ms on the scheduler's clock). */
  timestamp: number;
  initialAttemptTimestamp: number | undefined;
  attempts: number;
  /** Plugins that rejected it in its last attempt (requeue only on their events). */
  unschedulablePlugins: Set<string>;
  /** Plugins that gated it (PreEnqueue). */
  gatedBy: string | undefined;
  heapIndex: number;
  backoffExpiry: number;
  seq: number;
  /**
   * The pod's `spec.priority` (0 without), set by the queue when the pod enters activeQ or is
   * updated: PrioritySort compares it at every level of the heap without reaching into each pod.
   */
  priority?: number;
}

/** Read access to the nodes of the current cycle (upstream `SharedLister`). */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Nodes holding pods with (anti-)affinity terms. */
  havePodsWithAffinity(): readonly NodeInfo[];
  /** Nodes holding pods with required anti-affinity terms. */
  havePodsWithRequiredAntiAffinity(): readonly NodeInfo[];
  /**
   * How many pods have terms that score other pods (required affinity, preferred affinity or
   * anti-affinity; required anti-affinity alone only filters). Optional: lets InterPodAffinity
   * skip scoring without scanning when there are none.
   */
  scoringAffinityPodCount?(): number;
  /** How many nodes hold image `name` (for ImageLocality's spread factor). */
  imageNodeCount(name: string): number;
  /**
   * Optional, kept up to date by the scheduler's cache (a snapshot without them makes the
   * plugins walk every pod): pods matching a query per topology value over every node...
   */
  podCounts?(query: PodCountQuery): DomainCounts;
  /** ...placed pods' required anti-affinity terms grouped by term, with their pods per topology value... */
  existingAntiAffinity?(): ReadonlyMap<string, AntiAffinityGroup>;
  /** ...how many nodes carry each value of a node label... */
  nodesPerTopologyValue?(key: string): ReadonlyMap<string, number>;
  /** ...how many nodes carry the label at all... */
  nodesWithLabel?(key: string): number;
  /** ...and each node's value of the label as a number (read without touching the Node)... */
  topologyDomainIds?(key: string): TopologyDomainIds;
  /** ...and `podCounts` by those numbers (undefined when a count's domain has none). */
  podCountsById?(query: PodCountQuery): DomainCountsById | undefined;
}

/** Pods nominated to nodes by preemption, which Filter counts as if running. */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** Whether any pod is nominated anywhere (lets Filter skip the per-node lookup). */
  hasNominatedPods(): boolean;
}

/** What a plugin factory receives (upstream `framework.Handle`): narrow, no globals. */
export interface FrameworkHandle {
  readonly profileName: string;
  readonly client: Client;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly log: Logger;
  readonly eventRecorder: EventRecorder;
  readonly snapshot: NodeInfoLister;
  readonly nominator: PodNominator;
  /** Labels of a namespace from the scheduler's namespace informer (for namespaceSelector terms). */
  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined;
  /** The framework itself, for plugins that simulate (preemption). */
  readonly framework: FrameworkRunner;
  /** Lets a waiting (Permit) pod go on, or rejects it. */
  waitingPod(uid: string): WaitingPod | undefined;
}

export interface WaitingPod {
  readonly pod: Pod;
  allow(plugin: string): void;
  reject(plugin: string, message: string): void;
}

/** The parts of the framework runtime plugins may call. */
export interface FrameworkRunner {
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: Pod, podToAdd: PodInfo, nodeInfo: NodeInfo): Status | null;
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: Pod, podToRemove: PodInfo, nodeInfo: NodeInfo): Status | null;
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null;
  /** Filters with the higher-or-equal-priority pods nominated to the node counted in. */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null;
}

/** A plugin factory: typed args from the profile's pluginConfig, and the handle. */
export type PluginFactory = (args: Record<string, unknown> | undefined, handle: FrameworkHandle) => SchedulerPlugin;
