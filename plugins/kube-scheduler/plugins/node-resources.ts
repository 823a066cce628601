import type { Pod } from "kubernetes-types/core/v1.js";
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from "../framework/interface.js";
import { Status } from "../framework/status.js";
import { MAX_NODE_SCORE } from "../framework/normalize.js";
import type { PodRequests } from "../framework/resource.js";
import { PodInfo } from "../framework/pod-info.js";
import type { CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";

/** A resource counted by scoring, with its weight. */
export interface ResourceSpec {
  name: string;
  weight: number;
}

export type ScoringStrategyType = "LeastAllocated" | "MostAllocated" | "RequestedToCapacityRatio";

/** NodeResourcesFitArgs (kubescheduler.config.k8s.io/v1). */
export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: ScoringStrategyType;
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape: { utilization: number; score: number }[] };
  };
}

export const DEFAULT_RESOURCES: ResourceSpec[] = [
  { name: "cpu", weight: 1 },
  { name: "memory", weight: 1 },
];

const PRE_FILTER_KEY = "PreFilterNodeResourcesFit";

class RequestsState {
  constructor(readonly requests: PodRequests) {}
  clone(): RequestsState {
    return this;
  }
}

// Filter and Score run once per node with the same cycle state: remember the last lookup.
let lastState: CycleState | undefined;
let lastKey = "";
let lastRequests: PodRequests | undefined;

function requestsOf(state: CycleState, key: string, pod: Pod): PodRequests {
  if (state === lastState && key === lastKey && lastRequests) return lastRequests;
  const r = state.read<RequestsState>(key)?.requests ?? PodInfo.of(pod).requests;
  lastState = state;
  lastKey = key;
  lastRequests = r;
  return r;
}

const CPU = 0;
const MEMORY = 1;
const OTHER = 2;

/** A scored resource with its name resolved once (no string switch per node). */
interface ScoredResource {
  readonly name: string;
  readonly weight: number;
  readonly kind: typeof CPU | typeof MEMORY | typeof OTHER;
}

/** Whether the scored resources are exactly cpu then memory (the default), which Score reads without a loop. */
function isCpuThenMemory(resources: readonly ScoredResource[]): boolean {
  return resources.length === 2 && resources[0]!.kind === CPU && resources[1]!.kind === MEMORY;
}

const LEAST_ALLOCATED = 0;
const MOST_ALLOCATED = 1;
const REQUESTED_TO_CAPACITY_RATIO = 2;

function compile(resources: readonly ResourceSpec[]): ScoredResource[] {
  return resources.map((r) => ({ name: r.name, weight: r.weight, kind: r.name === "cpu" ? CPU : r.name === "memory" ? MEMORY : OTHER }));
}

function allocatableOf(nodeInfo: NodeInfo, r: ScoredResource): number {
  return r.kind === CPU ? nodeInfo.allocatableMilliCPU : r.kind === MEMORY ? nodeInfo.allocatableMemory : nodeInfo.allocatable.get(r.name);
}

/** Requested amount of `r` on the node plus the pod's (non-zero defaults for cpu/memory when `nonZero`). */
function requestedWithPod(nodeInfo: NodeInfo, req: PodRequests, r: ScoredResource, nonZero: boolean): number {
  if (r.kind === CPU) return nonZero ? nodeInfo.nonZeroRequestedMilliCPU + req.nonZeroMilliCPU : nodeInfo.requestedMilliCPU + req.requests.milliCPU;
  if (r.kind === MEMORY) return nonZero ? nodeInfo.nonZeroRequestedMemory + req.nonZeroMemory : nodeInfo.requestedMemory + req.requests.memory;
  return nodeInfo.requested.get(r.name) + req.requests.get(r.name);
}

/**
 * Filter: the node's allocatable minus what its pods request must cover the pod's requests
 * (`Insufficient <resource>`; `Too many pods` past the pod count). Score by the configured
 * strategy: LeastAllocated (default), MostAllocated or RequestedToCapacityRatio, over the
 * configured resources and weights.
 */
export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  static readonly pluginName = "NodeResourcesFit";
  readonly name = NodeResourcesFit.pluginName;
  private readonly ignored: Set<string>;
  private readonly ignoredGroups: string[];
  readonly strategy: ScoringStrategyType;
  private readonly resources: ScoredResource[];
  private readonly shape: { utilization: number; score: number }[];
  private readonly strategyKind: number;
  private readonly cpuThenMemory: boolean;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignored = new Set(args.ignoredResources ?? []);
    this.ignoredGroups = args.ignoredResourceGroups ?? [];
    this.strategy = args.scoringStrategy?.type ?? "LeastAllocated";
    this.resources = compile(args.scoringStrategy?.resources ?? DEFAULT_RESOURCES);
    this.cpuThenMemory = isCpuThenMemory(this.resources);
    this.strategyKind = this.strategy === "LeastAllocated" ? LEAST_ALLOCATED : this.strategy === "MostAllocated" ? MOST_ALLOCATED : REQUESTED_TO_CAPACITY_RATIO;
    // Shape scores are 0..10 in the configuration, scaled to 0..100.
    this.shape = (args.scoringStrategy?.requestedToCapacityRatio?.shape ?? [
      { utilization: 0, score: 10 },
      { utilization: 100, score: 0 },
    ]).map((p) => ({ utilization: p.utilization, score: (p.score * MAX_NODE_SCORE) / 10 }));
  }

  preFilter(state: CycleState, pod: Pod): Status | null {
    lastState = undefined;
    state.write(PRE_FILTER_KEY, new RequestsState(PodInfo.of(pod).requests));
    return null;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null {
    const req = requestsOf(state, PRE_FILTER_KEY, pod);
    if (this.fitsQuickly(req, nodeInfo)) return null;
    const reasons = this.insufficient(req, nodeInfo);
    return reasons.length ? Status.unschedulable(...reasons) : null;
  }

  /** `filter` for a batch: the pod's requests read once; nodes with room for cpu, memory, storage and one more pod pass inline. */
  filterNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], count: number, out: (Status | null)[]): void {
    const req = requestsOf(state, PRE_FILTER_KEY, pod);
    const r = req.requests;
    if (r.scalar !== undefined) {
      for (let i = 0; i < count; i++) out[i] = this.filter(state, pod, nodes[i]!);
      return;
    }
    const cpu = r.milliCPU;
    const memory = r.memory;
    const storage = r.ephemeralStorage;
    for (let i = 0; i < count; i++) {
      const ni = nodes[i]!;
      if (ni.podCount + 1 <= ni.allowedPodNumber && cpu <= ni.allocatableMilliCPU - ni.requestedMilliCPU && memory <= ni.allocatableMemory - ni.requestedMemory && storage <= ni.allocatableEphemeralStorage - ni.requestedEphemeralStorage) {
        out[i] = null;
        continue;
      }
      const reasons = this.insufficient(req, ni);
      out[i] = reasons.length ? Status.unschedulable(...reasons) : null;
    }
  }

  /** The common case without allocating: everything fits and no scalar resource is asked for. */
  private fitsQuickly(req: PodRequests, nodeInfo: NodeInfo): boolean {
    const r = req.requests;
    return (
      r.scalar === undefined &&
      nodeInfo.podCount + 1 <= nodeInfo.allowedPodNumber &&
      r.milliCPU <= nodeInfo.allocatableMilliCPU - nodeInfo.requestedMilliCPU &&
      r.memory <= nodeInfo.allocatableMemory - nodeInfo.requestedMemory &&
      r.ephemeralStorage <= nodeInfo.allocatableEphemeralStorage - nodeInfo.requestedEphemeralStorage
    );
  }

  /** The reasons the node cannot take the pod (upstream `fitsRequest`). */
  insufficient(req: PodRequests, nodeInfo: NodeInfo): string[] {
    const reasons: string[] = [];
    const alloc = nodeInfo.allocatable;
    const used = nodeInfo.requested;
    if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) reasons.push("Too many pods");
    const r = req.requests;
    if (r.milliCPU > 0 && r.milliCPU > alloc.milliCPU - used.milliCPU) reasons.push("Insufficient cpu");
    if (r.memory > 0 && r.memory > alloc.memory - used.memory) reasons.push("Insufficient memory");
    if (r.ephemeralStorage > 0 && r.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) reasons.push("Insufficient ephemeral-storage");
    if (r.scalar) {
      for (const [name, amount] of r.scalar) {
        if (amount <= 0) continue;
        if (this.ignored.has(name)) continue;
        const slash = name.indexOf("/");
        if (slash > 0 && this.ignoredGroups.includes(name.slice(0, slash))) continue;
        if (amount > alloc.get(name) - used.get(name)) reasons.push(`Insufficient ${name}`);
      }
    }
    return reasons;
  }

  preScore(state: CycleState, pod: Pod): Status | null {
    if (!state.read(PRE_FILTER_KEY)) state.write(PRE_FILTER_KEY, new RequestsState(PodInfo.of(pod).requests));
    return null;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const req = requestsOf(state, PRE_FILTER_KEY, pod);
    const resources = this.resources;
    if (this.cpuThenMemory) {
      // The same sum as the loop below, without its indirections (Score runs for every feasible node).
      let total = 0;
      let weights = 0;
      const cpu = nodeInfo.allocatableMilliCPU;
      if (cpu !== 0) {
        const w = resources[0]!.weight;
        total += this.resourceScore(nodeInfo.nonZeroRequestedMilliCPU + req.nonZeroMilliCPU, cpu) * w;
        weights += w;
      }
      const memory = nodeInfo.allocatableMemory;
      if (memory !== 0) {
        const w = resources[1]!.weight;
        total += this.resourceScore(nodeInfo.nonZeroRequestedMemory + req.nonZeroMemory, memory) * w;
        weights += w;
      }
      return weights === 0 ? 0 : Math.trunc(total / weights);
    }
    let total = 0;
    let weights = 0;
    for (let i = 0; i < resources.length; i++) {
      const r = resources[i]!;
      const allocatable = allocatableOf(nodeInfo, r);
      if (allocatable === 0) continue;
      total += this.resourceScore(requestedWithPod(nodeInfo, req, r, true), allocatable) * r.weight;
      weights += r.weight;
    }
    return weights === 0 ? 0 : Math.trunc(total / weights);
  }

  /** `score` for every node (the default cpu-then-memory LeastAllocated case without per-node dispatch). */
  scoreNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], out: Float64Array): void {
    if (!this.cpuThenMemory || this.strategyKind !== LEAST_ALLOCATED) {
      for (let i = 0; i < nodes.length; i++) out[i] = this.score(state, pod, nodes[i]!);
      return;
    }
    const req = requestsOf(state, PRE_FILTER_KEY, pod);
    const podCpu = req.nonZeroMilliCPU;
    const podMemory = req.nonZeroMemory;
    const wCpu = this.resources[0]!.weight;
    const wMemory = this.resources[1]!.weight;
    for (let i = 0; i < nodes.length; i++) {
      const ni = nodes[i]!;
      let total = 0;
      let weights = 0;
      const cpu = ni.allocatableMilliCPU;
      if (cpu !== 0) {
        const requested = ni.nonZeroRequestedMilliCPU + podCpu;
        total += (requested > cpu ? 0 : Math.trunc(((cpu - requested) * MAX_NODE_SCORE) / cpu)) * wCpu;
        weights += wCpu;
      }
      const memory = ni.allocatableMemory;
      if (memory !== 0) {
        const requested = ni.nonZeroRequestedMemory + podMemory;
        total += (requested > memory ? 0 : Math.trunc(((memory - requested) * MAX_NODE_SCORE) / memory)) * wMemory;
        weights += wMemory;
      }
      out[i] = weights === 0 ? 0 : Math.trunc(total / weights);
    }
  }

  private resourceScore(requested: number, capacity: number): number {
    switch (this.strategyKind) {
      case LEAST_ALLOCATED:
        return requested > capacity ? 0 : Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
      case MOST_ALLOCATED:
        return requested > capacity ? MAX_NODE_SCORE : Math.trunc((requested * MAX_NODE_SCORE) / capacity);
      default:
        return brokenLinear(this.shape, requested > capacity ? MAX_NODE_SCORE : Math.trunc((requested * MAX_NODE_SCORE) / capacity));
    }
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: "Pod", actionType: ActionType.Delete | ActionType.UpdatePodScaleDown } },
      { event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateNodeAllocatable } },
    ];
  }
}

/** Piecewise-linear function through `shape` points (upstream `helper.BuildBrokenLinearFunction`). */
function brokenLinear(shape: { utilization: number; score: number }[], p: number): number {
  for (let i = 0; i < shape.length; i++) {
    if (p <= shape[i]!.utilization) {
      if (i === 0) return shape[0]!.score;
      const a = shape[i - 1]!;
      const b = shape[i]!;
      return Math.trunc(a.score + ((b.score - a.score) * (p - a.utilization)) / (b.utilization - a.utilization));
    }
  }
  return shape[shape.length - 1]!.score;
}

const BALANCED_KEY = "PreScoreNodeResourcesBalancedAllocation";

/**
 * Favors nodes whose cpu and memory fractions stay close after placing the pod: score
 * `(1 - std) × 100` of the requested/allocatable fractions. Skipped for pods requesting nothing.
 */
export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  static readonly pluginName = "NodeResourcesBalancedAllocation";
  readonly name = NodeResourcesBalancedAllocation.pluginName;
  private readonly resources: ScoredResource[];
  /** Scratch space reused across nodes (score runs synchronously). */
  private readonly fractions: Float64Array;
  private readonly cpuThenMemory: boolean;

  constructor(args: { resources?: ResourceSpec[] } = {}) {
    this.resources = compile(args.resources ?? DEFAULT_RESOURCES);
    this.cpuThenMemory = isCpuThenMemory(this.resources);
    this.fractions = new Float64Array(this.resources.length);
  }

  preScore(state: CycleState, pod: Pod): Status | null {
    const req = PodInfo.of(pod).requests;
    if (this.resources.every((r) => req.requests.get(r.name) === 0)) return Status.skip();
    lastState = undefined;
    state.write(BALANCED_KEY, new RequestsState(req));
    return null;
  }

  /** `score` for every node (the default cpu-and-memory case without per-node dispatch). */
  scoreNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], out: Float64Array): void {
    if (!this.cpuThenMemory) {
      for (let i = 0; i < nodes.length; i++) out[i] = this.score(state, pod, nodes[i]!);
      return;
    }
    const req = requestsOf(state, BALANCED_KEY, pod).requests;
    const podCpu = req.milliCPU;
    const podMemory = req.memory;
    for (let i = 0; i < nodes.length; i++) {
      const ni = nodes[i]!;
      const cpu = ni.allocatableMilliCPU;
      const memory = ni.allocatableMemory;
      let std = 0;
      if (cpu !== 0 && memory !== 0) {
        const fc = (ni.requestedMilliCPU + podCpu) / cpu;
        const fm = (ni.requestedMemory + podMemory) / memory;
        std = Math.abs(((fc > 1 ? 1 : fc) - (fm > 1 ? 1 : fm)) / 2);
      }
      out[i] = Math.trunc((1 - std) * MAX_NODE_SCORE);
    }
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const req = requestsOf(state, BALANCED_KEY, pod);
    if (this.cpuThenMemory) {
      // The loop below for cpu and memory: the std of two fractions is half their distance.
      const cpu = nodeInfo.allocatableMilliCPU;
      const memory = nodeInfo.allocatableMemory;
      let std = 0;
      if (cpu !== 0 && memory !== 0) {
        const fc = (nodeInfo.requestedMilliCPU + req.requests.milliCPU) / cpu;
        const fm = (nodeInfo.requestedMemory + req.requests.memory) / memory;
        std = Math.abs(((fc > 1 ? 1 : fc) - (fm > 1 ? 1 : fm)) / 2);
      }
      return Math.trunc((1 - std) * MAX_NODE_SCORE);
    }
    const fractions = this.fractions;
    let count = 0;
    for (let i = 0; i < this.resources.length; i++) {
      const r = this.resources[i]!;
      const allocatable = allocatableOf(nodeInfo, r);
      if (allocatable === 0) continue;
      const f = requestedWithPod(nodeInfo, req, r, false) / allocatable;
      fractions[count++] = f > 1 ? 1 : f;
    }
    let std = 0;
    if (count === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
    else if (count > 2) {
      let mean = 0;
      for (let i = 0; i < count; i++) mean += fractions[i]!;
      mean /= count;
      let sq = 0;
      for (let i = 0; i < count; i++) sq += (fractions[i]! - mean) * (fractions[i]! - mean);
      std = Math.sqrt(sq / count);
    }
    return Math.trunc((1 - std) * MAX_NODE_SCORE);
  }
}
