import type { Pod } from "kubernetes-types/core/v1.js";
import type { Clock, TimerHandle } from "../../../core/clock/clock.js";
import { IndexedHeap } from "../../../core/collections/indexed-heap.js";
import { PodInfo } from "../framework/pod-info.js";
import { QueueingHint, type ClusterEvent, type ClusterEventWithHint, type PodNominator, type QueuedPodInfo } from "../framework/interface.js";
import type { Status } from "../framework/status.js";
import { UnschedulablePool, type Registrations } from "./unschedulable-pool.js";

export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
/** podMaxInUnschedulablePodsDuration: unschedulable pods are retried at least this often. */
export const DEFAULT_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;

/** What the queue needs from each profile (the framework the pod's schedulerName selects). */
export interface QueueProfile {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
  /** PreEnqueue plugins: the first non-success gates the pod (plugin name and status). */
  preEnqueue(pod: Pod): { plugin: string; status: Status } | undefined;
  /** Events each plugin registered, by plugin name (fixed once the profile is built: the queue caches lookups by this map). */
  readonly events: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
}

export interface SchedulingQueueOptions {
  clock: Clock;
  profileFor(pod: Pod): QueueProfile;
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxInUnschedulableMs?: number;
}

function keyOf(pod: Pod): string {
  return pod.metadata!.uid!;
}

/**
 * The scheduling queue (upstream `internal/queue.PriorityQueue`): activeQ ordered by the
 * profile's QueueSort plugin; backoffQ ordered by backoff expiry (1 s doubling per attempt up to
 * 10 s); the unschedulable pool, left only when a cluster event that one of the plugins that
 * rejected the pod registered (with its queueing hint) happens, or after 5 minutes; gated pods
 * (PreEnqueue, e.g. schedulingGates) wait in the pool until an update lifts the gate.
 * Timers fire exactly at the next expiry on the injected clock (no polling).
 */
export class SchedulingQueue implements PodNominator {
  private readonly activeQ: IndexedHeap<QueuedPodInfo>;
  private readonly backoffQ = new IndexedHeap<QueuedPodInfo>((a, b) => a.backoffExpiry < b.backoffExpiry || (a.backoffExpiry === b.backoffExpiry && a.seq < b.seq));
  private readonly unschedulable = new UnschedulablePool();
  /** Pods anywhere in the queue (activeQ, backoffQ, unschedulable) by uid. */
  private readonly where = new Map<string, "active" | "backoff" | "unschedulable">();
  private readonly infos = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Set<string>();
  /** Nominated pods by node (set by preemption). */
  private readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNode = new Map<string, string>();
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private seq = 0;
  private closed = false;
  private backoffTimer: TimerHandle | undefined;
  private backoffTimerAt = Infinity;
  private flushTimer: TimerHandle | undefined;
  private flushTimerAt = Infinity;
  /** Incremented per pop; an event during a cycle moves that cycle's failures to backoff. */
  schedulingCycle = 0;
  private moveRequestCycle = -1;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxInUnschedulable: number;
  /** Per profile's registrations (fixed once its framework is built): event kind → plugins that registered it. */
  private readonly registeredPlugins = new WeakMap<Registrations, Map<string, ReadonlySet<string>>>();

  constructor(private readonly options: SchedulingQueueOptions) {
    this.activeQ = new IndexedHeap<QueuedPodInfo>(options.less);
    this.initialBackoff = options.initialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoff = options.maxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulable = options.maxInUnschedulableMs ?? DEFAULT_MAX_IN_UNSCHEDULABLE_MS;
  }

  private newInfo(pod: Pod): QueuedPodInfo {
    const now = this.options.clock.now();
    return { pod, timestamp: now, initialAttemptTimestamp: undefined, attempts: 0, unschedulablePlugins: new Set(), gatedBy: undefined, heapIndex: -1, backoffExpiry: 0, seq: this.seq++, priority: pod.spec?.priority ?? 0 };
  }

  /** A new unscheduled pod. */
  add(pod: Pod): void {
    const key = keyOf(pod);
    if (this.infos.has(key)) return this.update(pod);
    const info = this.newInfo(pod);
    this.infos.set(key, info);
    this.moveToActive(info);
  }

  /** PreEnqueue, then activeQ; gated pods go to the unschedulable pool. */
  private moveToActive(info: QueuedPodInfo): void {
    const gate = this.options.profileFor(info.pod).preEnqueue(info.pod);
    if (gate) {
      info.gatedBy = gate.plugin;
      info.unschedulablePlugins = new Set([gate.plugin]);
      this.toUnschedulable(info);
      return;
    }
    info.gatedBy = undefined;
    this.removeFromQueues(info);
    info.priority = info.pod.spec?.priority ?? 0;
    this.activeQ.push(info);
    this.where.set(keyOf(info.pod), "active");
    this.wake();
  }

  private toUnschedulable(info: QueuedPodInfo): void {
    this.removeFromQueues(info);
    const key = keyOf(info.pod);
    this.unschedulable.add(key, info, this.options.profileFor(info.pod).events);
    this.where.set(key, "unschedulable");
    this.armFlush(info.timestamp + this.maxInUnschedulable);
  }

  private toBackoff(info: QueuedPodInfo): void {
    this.removeFromQueues(info);
    info.backoffExpiry = (info.timestamp || this.options.clock.now()) + this.backoffDuration(info.attempts);
    this.backoffQ.push(info);
    this.where.set(keyOf(info.pod), "backoff");
    this.armBackoff(info.backoffExpiry);
  }

  private removeFromQueues(info: QueuedPodInfo): void {
    const key = keyOf(info.pod);
    switch (this.where.get(key)) {
      case "active":
        this.activeQ.remove(info);
        break;
      case "backoff":
        this.backoffQ.remove(info);
        break;
      case "unschedulable":
        this.unschedulable.delete(key);
        break;
    }
    this.where.delete(key);
  }

  /** 1 s, 2 s, 4 s, ... capped at 10 s (upstream `calculateBackoffDuration`). */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoff;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d > this.maxBackoff) return this.maxBackoff;
    }
    return d;
  }

  /** Whether the pod is still backing off (its last attempt + backoff is in the future). */
  private backingOff(info: QueuedPodInfo): boolean {
    if (info.attempts === 0) return false;
    return info.timestamp + this.backoffDuration(info.attempts) > this.options.clock.now();
  }

  /** The pod changed (an unscheduled pod's spec or labels). */
  update(pod: Pod, oldPod?: Pod): void {
    const key = keyOf(pod);
    const info = this.infos.get(key);
    if (!info) return this.add(pod);
    const wasGated = info.gatedBy !== undefined;
    info.pod = pod;
    info.priority = pod.spec?.priority ?? 0;
    this.updateNominated(pod);
    if (this.inFlight.has(key)) return;
    const where = this.where.get(key);
    if (where === "active") {
      this.activeQ.update(info);
      return;
    }
    if (where === "backoff") return;
    if (where === "unschedulable") {
      if (wasGated) {
        this.moveToActive(info);
        return;
      }
      // An update of the pod itself may make it schedulable (upstream: any update but status).
      if (oldPod && !specOrLabelsChanged(oldPod, pod)) return;
      if (this.backingOff(info)) this.toBackoff(info);
      else this.moveToActive(info);
    }
  }

  delete(pod: Pod): void {
    const key = keyOf(pod);
    const info = this.infos.get(key);
    if (info) this.removeFromQueues(info);
    this.infos.delete(key);
    this.deleteNominated(key);
  }

  /** Waits for the next pod of activeQ; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    const info = this.tryPop();
    if (info || this.closed) return Promise.resolve(info);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next pod of activeQ now, if any. */
  tryPop(): QueuedPodInfo | undefined {
    const info = this.activeQ.pop();
    if (!info) return undefined;
    const key = keyOf(info.pod);
    this.where.delete(key);
    this.inFlight.add(key);
    info.attempts++;
    info.initialAttemptTimestamp ??= this.options.clock.now();
    this.schedulingCycle++;
    return info;
  }

  private wake(): void {
    while (this.waiters.length && this.activeQ.size) {
      const w = this.waiters.shift()!;
      w(this.tryPop());
    }
  }

  /** The scheduling attempt of `info` is over (success or failure handled). */
  done(uid: string): void {
    this.inFlight.delete(uid);
  }

  /** A pod that failed its cycle: unschedulable pool, or backoffQ after an error or a relevant event during its cycle. */
  addUnschedulable(info: QueuedPodInfo, cycle: number, error: boolean): void {
    const key = keyOf(info.pod);
    this.inFlight.delete(key);
    if (!this.infos.has(key)) return; // deleted meanwhile
    info.timestamp = this.options.clock.now();
    if (error || this.moveRequestCycle >= cycle || info.unschedulablePlugins.size === 0) this.toBackoff(info);
    else this.toUnschedulable(info);
  }

  /** A pod that was bound: forget it. */
  forget(uid: string): void {
    this.inFlight.delete(uid);
    const info = this.infos.get(uid);
    if (info) this.removeFromQueues(info);
    this.infos.delete(uid);
  }

  /**
   * A cluster event: unschedulable pods whose rejecting plugins registered it (and whose hint
   * says Queue) move to backoffQ or activeQ, in the order they entered the pool. Upstream walks
   * every unschedulable pod and skips those none of whose rejecting plugins registered the event;
   * the pool's index by rejecting plugin hands over only the others (the same pods, in the same
   * order), so an event nobody registered for the pending pods (bound pods, node heartbeats)
   * costs nothing however many pods are pending.
   */
  onEvent(event: ClusterEvent, oldObj: unknown, newObj: unknown): void {
    this.moveRequestCycle = this.schedulingCycle;
    if (this.unschedulable.size === 0) return;
    const kind = `${event.resource}/${event.actionType}`;
    const candidates = this.unschedulable.rejectedBy((events) => this.pluginsRegisteredFor(events, event, kind));
    let events: Registrations | undefined;
    let registered: ReadonlySet<string> = new Set();
    // Moving a pod changes only that pod's place: the candidates after it are still in the pool.
    for (const { info, registrations } of candidates) {
      if (registrations !== events) registered = this.pluginsRegisteredFor((events = registrations), event, kind);
      if (!this.interested(info, registrations, registered, event, oldObj, newObj)) continue;
      if (this.backingOff(info)) this.toBackoff(info);
      else this.moveToActive(info);
    }
  }

  /** Whether a plugin that rejected the pod registered `event` (among `registered`) with a hint that says Queue (or none). */
  private interested(info: QueuedPodInfo, events: Registrations, registered: ReadonlySet<string>, event: ClusterEvent, oldObj: unknown, newObj: unknown): boolean {
    for (const plugin of info.unschedulablePlugins) {
      if (!registered.has(plugin)) continue;
      for (const reg of events.get(plugin) ?? []) {
        if (!eventMatches(reg.event, event)) continue;
        if (!reg.hint || reg.hint(info.pod, oldObj, newObj) === QueueingHint.Queue) return true;
      }
    }
    return false;
  }

  /** The plugins of a profile's registrations with an event matching `event`'s resource and action, computed once per kind. */
  private pluginsRegisteredFor(events: Registrations, event: ClusterEvent, kind: string): ReadonlySet<string> {
    let byKind = this.registeredPlugins.get(events);
    if (!byKind) this.registeredPlugins.set(events, (byKind = new Map()));
    let plugins = byKind.get(kind);
    if (!plugins) {
      const found = new Set<string>();
      for (const [plugin, regs] of events) if (regs.some((r) => eventMatches(r.event, event))) found.add(plugin);
      byKind.set(kind, (plugins = found));
    }
    return plugins;
  }

  private armBackoff(at: number): void {
    if (at >= this.backoffTimerAt || this.closed) return;
    this.options.clock.clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = this.options.clock.setTimeout(() => this.flushBackoff(), Math.max(0, at - this.options.clock.now()));
  }

  private flushBackoff(): void {
    this.backoffTimer = undefined;
    this.backoffTimerAt = Infinity;
    const now = this.options.clock.now();
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head || head.backoffExpiry > now) break;
      this.backoffQ.pop();
      this.where.delete(keyOf(head.pod));
      this.moveToActive(head);
    }
    const next = this.backoffQ.peek();
    if (next) this.armBackoff(next.backoffExpiry);
  }

  private armFlush(at: number): void {
    if (at >= this.flushTimerAt || this.closed) return;
    this.options.clock.clearTimeout(this.flushTimer);
    this.flushTimerAt = at;
    this.flushTimer = this.options.clock.setTimeout(() => this.flushUnschedulable(), Math.max(0, at - this.options.clock.now()));
  }

  /**
   * Pods that stayed unschedulable for 5 minutes are retried (gated ones stay). A pod that is not
   * gated entered the pool when it failed, stamped with that time, so those are in time order:
   * the walk stops at the first one not due yet, whose time arms the next flush.
   */
  private flushUnschedulable(): void {
    this.flushTimer = undefined;
    this.flushTimerAt = Infinity;
    const now = this.options.clock.now();
    const due: QueuedPodInfo[] = [];
    let next = Infinity;
    for (const info of this.unschedulable.values()) {
      if (info.gatedBy) continue;
      const at = info.timestamp + this.maxInUnschedulable;
      if (at > now) {
        next = at;
        break;
      }
      due.push(info);
    }
    for (const info of due) {
      if (this.backingOff(info)) this.toBackoff(info);
      else this.moveToActive(info);
    }
    if (next < Infinity) this.armFlush(next);
  }

  /** Records that preemption nominated `pod` to `nodeName` (empty clears). */
  addNominated(pod: Pod, nodeName: string | undefined): void {
    const key = keyOf(pod);
    this.deleteNominated(key);
    if (!nodeName) return;
    let m = this.nominated.get(nodeName);
    if (!m) this.nominated.set(nodeName, (m = new Map()));
    m.set(key, PodInfo.of(pod));
    this.nominatedNode.set(key, nodeName);
  }

  private updateNominated(pod: Pod): void {
    const key = keyOf(pod);
    const node = this.nominatedNode.get(key) ?? pod.status?.nominatedNodeName;
    if (node) this.addNominated(pod, node);
  }

  deleteNominated(uid: string): void {
    const node = this.nominatedNode.get(uid);
    if (!node) return;
    this.nominatedNode.delete(uid);
    const m = this.nominated.get(node);
    m?.delete(uid);
    if (m && m.size === 0) this.nominated.delete(node);
  }

  hasNominatedPods(): boolean {
    return this.nominated.size > 0;
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    if (this.nominated.size === 0) return EMPTY;
    const m = this.nominated.get(nodeName);
    return m ? [...m.values()] : EMPTY;
  }

  /** Where a pod is: "active", "backoff", "unschedulable", "in-flight" or undefined. */
  location(uid: string): string | undefined {
    if (this.inFlight.has(uid)) return "in-flight";
    return this.where.get(uid);
  }

  /** The queued info of a pod (tests, explain). */
  info(uid: string): QueuedPodInfo | undefined {
    return this.infos.get(uid);
  }

  get size(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size };
  }

  close(): void {
    this.closed = true;
    this.options.clock.clearTimeout(this.backoffTimer);
    this.options.clock.clearTimeout(this.flushTimer);
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

const EMPTY: PodInfo[] = [];

/** Whether a registration's event covers `event` (same resource or "*", a shared action bit). */
function eventMatches(registered: ClusterEvent, event: ClusterEvent): boolean {
  return (registered.resource === "*" || registered.resource === event.resource) && (registered.actionType & event.actionType) !== 0;
}

function specOrLabelsChanged(a: Pod, b: Pod): boolean {
  if (a.spec !== b.spec && JSON.stringify(a.spec) !== JSON.stringify(b.spec)) return true;
  return a.metadata?.labels !== b.metadata?.labels && JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels);
}
