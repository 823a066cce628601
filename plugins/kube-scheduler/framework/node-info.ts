import type { Node, Pod, Taint } from "kubernetes-types/core/v1.js";
import { PodInfo, type HostPort } from "./pod-info.js";
import { Resource, nodeAllocatable } from "./resource.js";

/** Slots of a NodeInfo's row of numbers (see `NodeInfo.row`). */
const ALLOC_CPU = 0;
const ALLOC_MEMORY = 1;
const ALLOC_EPHEMERAL = 2;
const REQ_CPU = 3;
const REQ_MEMORY = 4;
const REQ_EPHEMERAL = 5;
const NONZERO_CPU = 6;
const NONZERO_MEMORY = 7;
const ROW = 8;

/**
 * Contiguous storage for the numbers Filter and Score read of every node (allocatable and
 * requested cpu, memory, ephemeral storage; non-zero requests): one 64-byte row per node, rows
 * in the order nodes were added. A cycle walking consecutive nodes then touches one cache line
 * per node for them instead of several scattered objects and boxed numbers.
 */
export class NodeRows {
  data = new Float64Array(ROW * 64);
  private readonly owners: (NodeInfo | undefined)[] = [];
  private readonly free: number[] = [];

  /** A row for `ni` (zeroed). */
  attach(ni: NodeInfo): void {
    let row = this.free.pop();
    if (row === undefined) {
      row = this.owners.length;
      if ((row + 1) * ROW > this.data.length) this.grow();
    }
    this.owners[row] = ni;
    this.data.fill(0, row * ROW, (row + 1) * ROW);
    ni.rows = this.data;
    ni.base = row * ROW;
  }

  /** The row number of `ni` in this storage (stable while it is attached), -1 when its row is elsewhere. */
  slotOf(ni: NodeInfo): number {
    return ni.rows === this.data ? ni.base / ROW : -1;
  }

  /** Gives `ni`'s row back (the NodeInfo keeps a private copy of its numbers). */
  detach(ni: NodeInfo): void {
    if (ni.rows !== this.data) return;
    const row = ni.base / ROW;
    if (this.owners[row] !== ni) return;
    this.owners[row] = undefined;
    this.free.push(row);
    const own = this.data.slice(ni.base, ni.base + ROW);
    ni.rows = own;
    ni.base = 0;
  }

  private grow(): void {
    const next = new Float64Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
    for (const ni of this.owners) if (ni) ni.rows = next;
  }
}

/**
 * The scheduler's view of one node (upstream `framework.NodeInfo`): the Node, the pods on it
 * (bound and assumed), their summed requests, host ports in use, and the pods with (anti-)affinity.
 * Maintained incrementally by the cache; `clone` gives preemption and nominated-pod simulations
 * a copy they may change.
 */
export class NodeInfo {
  node: Node | undefined;
  /** `node.spec.unschedulable` and `node.spec.taints`, kept on the NodeInfo: Filter reads them for every node. */
  unschedulable = false;
  taints: readonly Taint[] | undefined = undefined;
  readonly pods: PodInfo[] = [];
  /**
   * Each pod's position in `pods` by uid: removing a pod (deletions, preemption victims) finds it
   * without a scan. Pods without a uid (hand-made in tests) are not in it and are found by a scan.
   */
  private readonly positions = new Map<string, number>();
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  /** ip → set of `protocol/port`. */
  usedPorts = new Map<string, Set<string>>();
  requested = new Resource();
  nonZeroRequested = new Resource();
  allocatable = new Resource();
  /** Bumped on every change. */
  generation = 0;
  /** Pods counted on the node (`pods.length`, kept inline for Filter). */
  podCount = 0;
  /** `allocatable.allowedPodNumber`, inline for Filter. */
  allowedPodNumber = 0;
  /** This node's numbers live at `rows[base .. base + 8]` (a shared NodeRows array, or its own). */
  rows: Float64Array;
  base = 0;

  /** `rows`: the cache's shared row storage; a standalone NodeInfo (tests, clones) keeps its own. */
  constructor(readonly name: string, rows?: NodeRows) {
    this.rows = EMPTY_ROW;
    if (rows) rows.attach(this);
    else this.rows = new Float64Array(ROW);
  }

  get allocatableMilliCPU(): number {
    return this.rows[this.base + ALLOC_CPU]!;
  }
  get allocatableMemory(): number {
    return this.rows[this.base + ALLOC_MEMORY]!;
  }
  get allocatableEphemeralStorage(): number {
    return this.rows[this.base + ALLOC_EPHEMERAL]!;
  }
  get requestedMilliCPU(): number {
    return this.rows[this.base + REQ_CPU]!;
  }
  get requestedMemory(): number {
    return this.rows[this.base + REQ_MEMORY]!;
  }
  get requestedEphemeralStorage(): number {
    return this.rows[this.base + REQ_EPHEMERAL]!;
  }
  get nonZeroRequestedMilliCPU(): number {
    return this.rows[this.base + NONZERO_CPU]!;
  }
  get nonZeroRequestedMemory(): number {
    return this.rows[this.base + NONZERO_MEMORY]!;
  }

  /** Copies the Resource totals into the row (after any change to them). */
  private syncRow(): void {
    const r = this.rows;
    const b = this.base;
    r[b + ALLOC_CPU] = this.allocatable.milliCPU;
    r[b + ALLOC_MEMORY] = this.allocatable.memory;
    r[b + ALLOC_EPHEMERAL] = this.allocatable.ephemeralStorage;
    r[b + REQ_CPU] = this.requested.milliCPU;
    r[b + REQ_MEMORY] = this.requested.memory;
    r[b + REQ_EPHEMERAL] = this.requested.ephemeralStorage;
    r[b + NONZERO_CPU] = this.nonZeroRequested.milliCPU;
    r[b + NONZERO_MEMORY] = this.nonZeroRequested.memory;
    this.allowedPodNumber = this.allocatable.allowedPodNumber;
    this.podCount = this.pods.length;
  }

  setNode(node: Node): void {
    this.node = node;
    this.unschedulable = node.spec?.unschedulable === true;
    this.taints = node.spec?.taints?.length ? node.spec.taints : undefined;
    this.allocatable = nodeAllocatable(node);
    this.syncRow();
    this.generation++;
  }

  addPodInfo(pi: PodInfo): void {
    const uid = pi.pod.metadata?.uid;
    if (uid !== undefined) this.positions.set(uid, this.pods.length);
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.requested.add(pi.requests.requests);
    this.nonZeroRequested.milliCPU += pi.requests.nonZeroMilliCPU;
    this.nonZeroRequested.memory += pi.requests.nonZeroMemory;
    for (const p of pi.hostPorts) this.addPort(p);
    this.syncRow();
    this.generation++;
  }

  addPod(pod: Pod): void {
    this.addPodInfo(PodInfo.of(pod));
  }

  /** Removes the pod with `pod`'s uid: its PodInfo, or undefined when it is not on this node. */
  removePod(pod: Pod): PodInfo | undefined {
    const i = this.positionOf(pod.metadata?.uid);
    if (i < 0) return undefined;
    const pi = this.pods[i]!;
    const last = this.pods.pop()!;
    if (pi.pod.metadata?.uid !== undefined) this.positions.delete(pi.pod.metadata.uid);
    if (last !== pi) {
      this.pods[i] = last;
      if (last.pod.metadata?.uid !== undefined) this.positions.set(last.pod.metadata.uid, i);
    }
    if (pi.hasAffinity) this.podsWithAffinity = this.podsWithAffinity.filter((p) => p !== pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p !== pi);
    this.requested.subtract(pi.requests.requests);
    this.nonZeroRequested.milliCPU -= pi.requests.nonZeroMilliCPU;
    this.nonZeroRequested.memory -= pi.requests.nonZeroMemory;
    for (const p of pi.hostPorts) this.usedPorts.get(p.ip)?.delete(`${p.protocol}/${p.port}`);
    this.syncRow();
    this.generation++;
    return pi;
  }

  /** Where the pod with `uid` is in `pods`, -1 when it is not on this node. */
  private positionOf(uid: string | undefined): number {
    if (uid === undefined) return this.pods.findIndex((p) => p.pod.metadata?.uid === undefined);
    return this.positions.get(uid) ?? -1;
  }

  /**
   * Puts `next` in the place of `prev` (the same pod, a newer object deriving the same requests,
   * terms and ports): totals, ports and counts stay as they are. False when `prev` is not here.
   */
  replacePodInfo(prev: PodInfo, next: PodInfo): boolean {
    const uid = prev.pod.metadata?.uid;
    const i = uid === undefined ? this.pods.indexOf(prev) : (this.positions.get(uid) ?? -1);
    if (i < 0 || this.pods[i] !== prev) return false;
    this.pods[i] = next;
    if (prev.hasAffinity) this.podsWithAffinity = this.podsWithAffinity.map((p) => (p === prev ? next : p));
    if (prev.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.map((p) => (p === prev ? next : p));
    this.generation++;
    return true;
  }

  /** Whether `port` conflicts with a port in use (0.0.0.0 conflicts with every address). */
  portInUse(port: HostPort): boolean {
    const key = `${port.protocol}/${port.port}`;
    if (port.ip === "0.0.0.0") {
      for (const set of this.usedPorts.values()) if (set.has(key)) return true;
      return false;
    }
    return !!this.usedPorts.get(port.ip)?.has(key) || !!this.usedPorts.get("0.0.0.0")?.has(key);
  }

  private addPort(p: HostPort): void {
    let set = this.usedPorts.get(p.ip);
    if (!set) this.usedPorts.set(p.ip, (set = new Set()));
    set.add(`${p.protocol}/${p.port}`);
  }

  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.unschedulable = this.unschedulable;
    c.taints = this.taints;
    c.pods.push(...this.pods);
    for (const [uid, i] of this.positions) c.positions.set(uid, i);
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    for (const [ip, set] of this.usedPorts) c.usedPorts.set(ip, new Set(set));
    c.requested = this.requested.clone();
    c.nonZeroRequested = this.nonZeroRequested.clone();
    c.allocatable = this.allocatable;
    c.syncRow();
    c.generation = this.generation;
    return c;
  }
}

const EMPTY_ROW = new Float64Array(0);
