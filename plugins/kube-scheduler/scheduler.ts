import { setMaxListeners } from "node:events";
import type { ConfigMap, Namespace, Node, Pod, PodCondition } from "kubernetes-types/core/v1.js";
import type { Client } from "../../core/client/client.js";
import type { Clock } from "../../core/clock/clock.js";
import type { Random } from "../../core/clock/random.js";
import type { Logger } from "../../core/log/logger.js";
import { EventBroadcaster } from "../../core/events/event-broadcaster.js";
import type { EventRecorder } from "../../core/events/event-recorder.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import type { SharedInformer } from "../../core/informers/shared-informer.js";
import { objectOrTombstoneObject } from "../../core/informers/tombstone.js";
import { LeaderElector } from "../../core/controller/leader-election/leader-elector.js";
import { labelSelectorFromObject, labelSelectorFromSet, type LabelSelector } from "../../core/api/selectors/label-selector.js";
import { rfc3339 } from "../../core/api/time.js";
import { SchedulerCache } from "./cache/scheduler-cache.js";
import { SchedulingQueue, type QueueProfile } from "./queue/scheduling-queue.js";
import { CycleState } from "./framework/cycle-state.js";
import { ActionType, type FrameworkHandle, type PluginFactory, type QueuedPodInfo, type WaitingPod } from "./framework/interface.js";
import type { NodeInfo } from "./framework/node-info.js";
import { PodInfo } from "./framework/pod-info.js";
import { sameStringMap } from "../../core/collections/same-string-map.js";
import type { Framework, PluginScore } from "./framework/runtime.js";
import { CODE_NAMES, Code, Status, isRejected } from "./framework/status.js";
import { SchedulerMetrics, type AttemptResult } from "./scheduler-metrics.js";
import { fitErrorMessage } from "./framework/fit-error.js";
import { buildFramework } from "./framework/profile.js";
import { inTreeRegistry } from "./plugins/in-tree.js";
import { withDefaults } from "./config/validate.js";
import type { KubeSchedulerConfiguration } from "./config/types.js";
import { EXPLAIN_LABEL, EXPLAIN_NAMESPACE, type Explanation } from "./explain/explanation.js";

export interface SchedulerOptions {
  client: Client;
  informers: SharedInformerFactory;
  clock: Clock;
  random: Random;
  log: Logger;
  config?: KubeSchedulerConfiguration;
  /** Plugins beyond the in-tree ones (contributed to SchedulerPlugins). */
  plugins?: ReadonlyMap<string, PluginFactory>;
  /** Leader election on kube-system/kube-scheduler (default: config.leaderElection.leaderElect, true). */
  leaderElect?: boolean;
  identity?: string;
}

interface FitError {
  numAllNodes: number;
  /** Per node, why it does not fit: made on the first verdict recorded (a cycle that finds a node records none). */
  statuses: Map<string, Status> | undefined;
  /** Nodes Filter rejected, with their statuses: moved into `statuses` only when the cycle fails (`rejections`). */
  rejectedNodes: NodeInfo[];
  rejectedStatuses: Status[];
  preFilterMsg: string;
  postFilterMsg: string;
}

const statusesOf = (fit: FitError): Map<string, Status> => (fit.statuses ??= new Map());

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** Upstream `numFeasibleNodesToFind`: all nodes below 100, else the (adaptive) percentage, at least 100. */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  if (pct >= 100) return numAllNodes;
  const num = Math.trunc((numAllNodes * pct) / 100);
  return num < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : num;
}

class Waiting implements WaitingPod {
  private pending: Set<string>;
  private settle!: (s: Status | null) => void;
  readonly done: Promise<Status | null>;
  private timers: unknown[] = [];

  constructor(readonly pod: Pod, plugins: Map<string, number>, private readonly clock: Clock) {
    this.pending = new Set(plugins.keys());
    this.done = new Promise((r) => (this.settle = r));
    for (const [plugin, ms] of plugins) this.timers.push(clock.setTimeout(() => this.reject(plugin, `rejected due to timeout after waiting ${ms / 1000}s at plugin ${plugin}`), ms));
  }
  allow(plugin: string): void {
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.finish(null);
  }
  reject(plugin: string, message: string): void {
    this.finish(Status.unschedulable(message).withPlugin(plugin));
  }
  private finish(s: Status | null): void {
    for (const t of this.timers) this.clock.clearTimeout(t as never);
    this.settle(s);
  }
}

/**
 * kube-scheduler: watches unassigned pods of its profiles' scheduler names and the nodes, runs each
 * pod through its profile's framework one cycle at a time, assumes the result in the cache and
 * binds asynchronously through `pods/binding`. Failures become `PodScheduled=False` and
 * `FailedScheduling` events with upstream's diagnosis; successes a `Scheduled` event.
 */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly frameworks = new Map<string, Framework>();
  private readonly broadcaster: EventBroadcaster;
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly config: ReturnType<typeof withDefaults>;
  private podInformer!: SharedInformer<Pod>;
  private namespaceInformer!: SharedInformer<Namespace>;
  private readonly selectorInformers = new Map<string, SharedInformer>();
  private nextStartNodeIndex = 0;
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;
  private electing: Promise<void> | undefined;
  private readonly inFlightBindings = new Set<Promise<void>>();
  private leading = false;
  /** Counters for benches and tests. */
  readonly stats = { attempts: 0, scheduled: 0, failed: 0, bindErrors: 0 };
  /** The scheduler's Prometheus metrics (served on :10259 by the plugin). */
  readonly metrics = new SchedulerMetrics(() => this.queue.size);
  /** When each pod's current attempt started (clock ms), for the attempt duration. */
  private readonly attemptStarts = new Map<string, number>();

  constructor(private readonly options: SchedulerOptions) {
    this.config = withDefaults(options.config);
    this.broadcaster = new EventBroadcaster({ client: options.client, clock: options.clock, log: options.log.child("events") });
    const registry = new Map<string, PluginFactory>(
      inTreeRegistry({
        defaultSelector: (pod) => this.defaultSelector(pod),
        clearLowerNominations: (node, prio) => this.clearLowerNominations(node, prio),
      }),
    );
    for (const [name, f] of options.plugins ?? []) {
      if (registry.has(name)) throw new Error(`scheduler plugin "${name}" is already registered in-tree`);
      registry.set(name, f);
    }
    this.config.profiles.forEach((profile, i) => {
      const fw = buildFramework(profile, i, registry, (getFw) => this.handle(profile.schedulerName!, getFw));
      this.frameworks.set(fw.schedulerName, fw);
    });
    const first = this.frameworks.values().next().value!;
    // What the queue asks of each profile, built once per framework (the queue asks per queued pod).
    const queueProfiles = new Map<string, QueueProfile>();
    for (const [name, fw] of this.frameworks) queueProfiles.set(name, { less: fw.less, preEnqueue: (p) => fw.runPreEnqueue(p), events: fw.events });
    this.queue = new SchedulingQueue({
      clock: options.clock,
      less: first.less,
      profileFor: (pod) => queueProfiles.get(pod.spec?.schedulerName ?? "default-scheduler")!,
      initialBackoffMs: this.config.podInitialBackoffSeconds * 1000,
      maxBackoffMs: this.config.podMaxBackoffSeconds * 1000,
    });
  }

  private handle(profileName: string, framework: () => Framework): FrameworkHandle {
    const self = this;
    return {
      profileName,
      client: this.options.client,
      informers: this.options.informers,
      clock: this.options.clock,
      log: this.options.log.child(profileName),
      get eventRecorder() {
        return self.recorder(profileName);
      },
      snapshot: this.cache,
      nominator: { nominatedPodsForNode: (n: string) => self.queue.nominatedPodsForNode(n), hasNominatedPods: () => self.queue.hasNominatedPods() },
      namespaceLabels: (name) => this.namespaceInformer?.lister().get(name)?.metadata?.labels,
      get framework() {
        return framework();
      },
      waitingPod: (uid) => this.waiting.get(uid),
    };
  }

  private recorder(schedulerName: string): EventRecorder {
    let r = this.recorders.get(schedulerName);
    if (!r) this.recorders.set(schedulerName, (r = this.broadcaster.newRecorder({ component: schedulerName })));
    return r;
  }

  private responsibleFor(pod: Pod): boolean {
    return this.frameworks.has(pod.spec?.schedulerName ?? "default-scheduler");
  }

  /** Registers informer handlers, waits for sync, then (leader-elected) schedules until `signal` aborts or `shutdown`. */
  async start(signal?: AbortSignal): Promise<void> {
    if (signal) setMaxListeners(64, signal);
    const stop = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    setMaxListeners(64, stop);
    const f = this.options.informers;
    const nodes = f.forResource<Node>("Node");
    this.podInformer = f.forResource<Pod>("Pod");
    this.namespaceInformer = f.forResource<Namespace>("Namespace");
    for (const kind of ["Service", "ReplicaSet", "StatefulSet", "ReplicationController"]) this.selectorInformers.set(kind, f.forResource(kind));
    const explainRequests = f.forResource<ConfigMap>("ConfigMap", { namespace: EXPLAIN_NAMESPACE, labelSelector: `${EXPLAIN_LABEL}=request` });
    nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.addNode(n);
        this.queue.onEvent({ resource: "Node", actionType: ActionType.Add }, undefined, n);
      },
      onUpdate: (o, n) => {
        if (o === n) return;
        this.cache.updateNode(n);
        const action = nodeUpdateAction(o, n);
        if (action) this.queue.onEvent({ resource: "Node", actionType: action }, o, n);
      },
      onDelete: (x) => {
        const n = objectOrTombstoneObject(x);
        this.cache.removeNode(n);
        this.queue.onEvent({ resource: "Node", actionType: ActionType.Delete }, n, undefined);
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.podAdded(p),
      onUpdate: (o, p) => this.podUpdated(o, p),
      onDelete: (x) => this.podDeleted(objectOrTombstoneObject(x)),
    });
    explainRequests.addEventHandler({ onAdd: (cm) => void this.answerExplainRequest(cm) });
    // Storage objects the volume plugins wait on (upstream's PVC, PV, StorageClass, CSINode, CSIStorageCapacity and CSIDriver events).
    for (const [ref, resource] of [["PersistentVolumeClaim", "PersistentVolumeClaim"], ["PersistentVolume", "PersistentVolume"], ["storageclasses.storage.k8s.io", "StorageClass"], ["csinodes.storage.k8s.io", "CSINode"], ["csistoragecapacities.storage.k8s.io", "CSIStorageCapacity"], ["csidrivers.storage.k8s.io", "CSIDriver"]] as const) {
      f.forResource(ref).addEventHandler({
        onAdd: (o) => this.queue.onEvent({ resource, actionType: ActionType.Add }, undefined, o),
        onUpdate: (o, n) => {
          if (o !== n) this.queue.onEvent({ resource, actionType: ActionType.UpdateOther }, o, n);
        },
      });
    }
    // Informers run with the factory's lifetime: they are shared with the rest of the process.
    f.start();
    await f.waitForCacheSync(stop);
    if (stop.aborted) return;
    const le = this.config.leaderElection;
    const leaderElect = this.options.leaderElect ?? le?.leaderElect ?? true;
    if (!leaderElect) {
      this.running = this.run(stop);
      return;
    }
    const elector = new LeaderElector({
      client: this.options.client,
      clock: this.options.clock,
      random: this.options.random,
      log: this.options.log.child("leaderelection"),
      lease: { namespace: le?.resourceNamespace ?? "kube-system", name: le?.resourceName ?? "kube-scheduler" },
      identity: this.options.identity ?? `kube-scheduler_${this.options.random.uuid()}`,
      callbacks: {
        onStartedLeading: (leading) => {
          this.leading = true;
          this.running = this.run(AbortSignal.any([stop, leading]));
        },
        onStoppedLeading: () => {
          this.leading = false;
        },
      },
    });
    this.electing = elector.run(stop);
  }

  /** True while this instance schedules (holds the lease, or runs without leader election). */
  get isLeader(): boolean {
    return this.leading;
  }

  private podAdded(p: Pod): void {
    if (p.spec?.nodeName) {
      this.cache.addPod(p);
      this.queue.onEvent({ resource: "Pod", actionType: ActionType.Add }, undefined, p);
      return;
    }
    if (this.responsibleFor(p) && !terminal(p) && !p.metadata?.deletionTimestamp) this.queue.add(p);
  }

  private podUpdated(o: Pod, p: Pod): void {
    if (o === p) return;
    if (p.spec?.nodeName) {
      if (!o.spec?.nodeName) {
        this.queue.forget(p.metadata!.uid!);
        this.queue.deleteNominated(p.metadata!.uid!);
        this.cache.addPod(p);
        this.queue.onEvent({ resource: "Pod", actionType: ActionType.Add }, undefined, p);
        return;
      }
      this.cache.updatePod(p);
      const labelsChanged = !sameStringMap(o.metadata?.labels, p.metadata?.labels);
      if (terminal(p) && !terminal(o)) this.queue.onEvent({ resource: "Pod", actionType: ActionType.Delete }, o, p);
      else if (labelsChanged) this.queue.onEvent({ resource: "Pod", actionType: ActionType.UpdatePodLabel }, o, p);
      return;
    }
    if (!this.responsibleFor(p)) return;
    if (p.metadata?.deletionTimestamp) {
      this.queue.delete(p);
      return;
    }
    if (this.cache.isAssumed(p.metadata!.uid!)) return;
    this.queue.update(p, o);
  }

  private podDeleted(p: Pod): void {
    if (p.spec?.nodeName) {
      this.cache.removePod(p);
      this.queue.onEvent({ resource: "Pod", actionType: ActionType.Delete }, p, undefined);
      return;
    }
    const w = this.waiting.get(p.metadata!.uid!);
    w?.reject("", "pod deleted");
    this.queue.delete(p);
    if (this.cache.isAssumed(p.metadata!.uid!)) {
      this.cache.forgetPod(p);
      this.queue.onEvent({ resource: "Pod", actionType: ActionType.Delete }, p, undefined);
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    const onAbort = (): void => this.queue.close();
    signal.addEventListener("abort", onAbort, { once: true });
    let n = 0;
    while (!signal.aborted) {
      // Pods waiting in activeQ are taken at once: a pod scheduled without waiting on anything
      // (it is bound in the background) is followed by the next cycle in the same turn, as
      // upstream's scheduling loop runs cycles back to back while bindings proceed on their own.
      const info = this.queue.tryPop() ?? (await this.queue.pop());
      if (!info || signal.aborted) break;
      const pending = this.scheduleOne(info);
      if (pending) await pending;
      // Let informer events, timers, I/O and the bindings started in between cycles.
      if (++n % 32 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    signal.removeEventListener("abort", onAbort);
  }

  /**
   * Schedules one pod: the synchronous scheduling cycle, then binding in the background.
   * Undefined when the attempt is over (the pod assumed and its binding started, or nothing to
   * do); a promise while its failure is still being handled (PostFilter, the status write).
   */
  scheduleOne(info: QueuedPodInfo): Promise<void> | undefined {
    const pod = info.pod;
    const uid = pod.metadata!.uid!;
    const fw = this.frameworks.get(pod.spec?.schedulerName ?? "default-scheduler");
    if (!fw || pod.metadata?.deletionTimestamp || this.cache.podState(uid)) {
      this.queue.done(uid);
      return;
    }
    this.stats.attempts++;
    this.attemptStarts.set(uid, this.options.clock.now());
    const cycle = this.queue.schedulingCycle;
    const state = new CycleState();
    const result = this.schedulePod(fw, state, pod, info);
    if ("error" in result) return this.failed(fw, info, cycle, result.error, true);
    if ("fit" in result) return this.unschedulable(fw, state, info, cycle, result.fit);
    const nodeName = result.node;
    const assumed: Pod = { ...pod, spec: { ...pod.spec!, nodeName } };
    // The assumed copy derives what the pod does: the cache takes its PodInfo as made here (no lookup by object).
    this.cache.assumePod(assumed, nodeName, new PodInfo(assumed, PodInfo.of(pod)));
    let started = this.options.clock.now();
    const reserve = fw.runReserve(state, assumed, nodeName);
    this.observe(fw, "Reserve", reserve, started);
    if (reserve) {
      fw.runUnreserve(state, assumed, nodeName);
      this.cache.forgetPod(assumed);
      if (isRejected(reserve)) info.unschedulablePlugins = new Set([reserve.plugin]);
      return this.failed(fw, info, cycle, reserve.message, !isRejected(reserve));
    }
    started = this.options.clock.now();
    const permit = fw.runPermit(state, assumed, nodeName);
    this.observe(fw, "Permit", permit.status, started);
    if (permit.status) {
      fw.runUnreserve(state, assumed, nodeName);
      this.cache.forgetPod(assumed);
      if (isRejected(permit.status)) info.unschedulablePlugins = new Set([permit.status.plugin]);
      return this.failed(fw, info, cycle, permit.status.message, !isRejected(permit.status));
    }
    let waiting: Waiting | undefined;
    if (permit.waitFor.size) this.waiting.set(uid, (waiting = new Waiting(assumed, permit.waitFor, this.options.clock)));
    this.queue.done(uid);
    const binding = this.bindingCycle(fw, state, info, assumed, nodeName, cycle, waiting);
    this.inFlightBindings.add(binding);
    void binding.finally(() => this.inFlightBindings.delete(binding));
  }

  /** A pod no node fits: PostFilter (preemption) may nominate a node, then the failure is handled. */
  private async unschedulable(fw: Framework, state: CycleState, info: QueuedPodInfo, cycle: number, fit: FitError): Promise<void> {
    let nominated: string | undefined;
    if (fw.postFilterPlugins.length && !fit.preFilterMsg.startsWith("no nodes")) {
      const r = await fw.runPostFilter(state, info.pod, statusesOf(fit));
      if (r.status && r.status.code !== Code.Success && r.status.message) fit.postFilterMsg = r.status.message;
      nominated = r.result?.nominatedNodeName;
    }
    const msg = fit.numAllNodes === 0 ? "no nodes available to schedule pods" : fitErrorMessage(fit.numAllNodes, statusesOf(fit), fit.preFilterMsg, fit.postFilterMsg);
    return this.failed(fw, info, cycle, msg, false, nominated);
  }

  /** Counts a finished attempt in `scheduler_schedule_attempts_total` and its duration. */
  private attemptDone(fw: Framework, uid: string, result: AttemptResult): void {
    const started = this.attemptStarts.get(uid);
    this.attemptStarts.delete(uid);
    this.metrics.attempt(fw.schedulerName, result, started === undefined ? 0 : (this.options.clock.now() - started) / 1000);
  }

  /** Observes `scheduler_framework_extension_point_duration_seconds` for one extension point run since `started`, with its status. */
  private observe(fw: Framework, point: string, status: Status | null, started: number): void {
    this.observeCode(fw, point, status ? CODE_NAMES[status.code] : "Success", started);
  }

  private observeCode(fw: Framework, point: string, code: string, started: number): void {
    this.metrics.extension(fw.schedulerName, point, code, (this.options.clock.now() - started) / 1000);
  }

  /** The scheduling cycle proper: PreFilter, Filter over the sampled nodes, PreScore, Score, selectHost. */
  private schedulePod(fw: Framework, state: CycleState, pod: Pod, info: QueuedPodInfo): { node: string } | { fit: FitError } | { error: string } {
    const nodes = this.cache.list();
    const fit: FitError = { numAllNodes: nodes.length, statuses: undefined, rejectedNodes: [], rejectedStatuses: [], preFilterMsg: "", postFilterMsg: "" };
    // A fresh set per attempt (the queue reads the last attempt's); an empty one is as fresh.
    if (info.unschedulablePlugins.size !== 0) info.unschedulablePlugins = new Set();
    if (nodes.length === 0) {
      fit.preFilterMsg = "no nodes available to schedule pods";
      return { fit };
    }
    let started = this.options.clock.now();
    const pre = fw.runPreFilter(state, pod, nodes);
    this.observe(fw, "PreFilter", pre.status, started);
    if (pre.status) {
      if (!isRejected(pre.status)) return { error: pre.status.message };
      fit.preFilterMsg = pre.status.message;
      info.unschedulablePlugins.add(pre.status.plugin);
      const statuses = statusesOf(fit);
      for (const n of nodes) statuses.set(n.name, pre.status);
      return { fit };
    }
    // The node preemption nominated the pod to is tried first, alone (upstream `evaluateNominatedNode`): likely the only one that fits.
    const nominatedName = pod.status?.nominatedNodeName;
    const nominatedNode = nominatedName ? this.cache.get(nominatedName) : undefined;
    if (nominatedNode) {
      const found = fw.findNodesThatPassFilters(state, pod, [nominatedNode], 0, 1, (ni, s) => {
        fit.rejectedNodes.push(ni);
        fit.rejectedStatuses.push(s);
      });
      if (!(found instanceof Status) && found.feasible.length === 1) return { node: nominatedNode.name };
    }
    let candidates: readonly NodeInfo[] = nodes;
    if (pre.nodeNames) {
      candidates = nodes.filter((n) => pre.nodeNames!.has(n.name));
      const out = Status.unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]");
      const statuses = statusesOf(fit);
      for (const n of nodes) if (!pre.nodeNames.has(n.name)) statuses.set(n.name, out);
    }
    started = this.options.clock.now();
    const feasible = this.findFeasible(fw, state, pod, candidates, nodes.length, fit);
    this.observeCode(fw, "Filter", typeof feasible === "string" ? "Error" : feasible.length === 0 ? "Unschedulable" : "Success", started);
    if (typeof feasible === "string") return { error: feasible };
    if (feasible.length === 0) {
      for (let i = 0; i < fit.rejectedNodes.length; i++) {
        statusesOf(fit).set(fit.rejectedNodes[i]!.name, fit.rejectedStatuses[i]!);
        info.unschedulablePlugins.add(fit.rejectedStatuses[i]!.plugin);
      }
      return { fit };
    }
    if (feasible.length === 1) return { node: feasible[0]!.name };
    started = this.options.clock.now();
    const ps = fw.runPreScore(state, pod, feasible);
    this.observe(fw, "PreScore", ps, started);
    if (ps) return { error: ps.message };
    started = this.options.clock.now();
    const totals = fw.runScore(state, pod, feasible);
    this.observeCode(fw, "Score", "Success", started);
    return { node: feasible[this.selectHost(totals)]!.name };
  }

  /**
   * Filter over `nodes` (every node, or those PreFilter narrowed them to) from the round-robin
   * start; the start then moves on by the nodes examined, modulo all `numAllNodes` nodes, as
   * upstream's `nextStartNodeIndex` (a pod narrowed to one node, e.g. a DaemonSet's, moves it by one).
   */
  private findFeasible(fw: Framework, state: CycleState, pod: Pod, nodes: readonly NodeInfo[], numAllNodes: number, fit: FitError): NodeInfo[] | string {
    const pct = fw.profile.percentageOfNodesToScore ?? this.config.percentageOfNodesToScore;
    // Without Score plugins the first feasible node is as good as any (upstream `hasScoring`).
    const want = fw.scorePlugins.length === 0 ? 1 : numFeasibleNodesToFind(pct, nodes.length);
    const start = this.nextStartNodeIndex % nodes.length;
    const found = fw.findNodesThatPassFilters(state, pod, nodes, start, want, (ni, s) => {
      fit.rejectedNodes.push(ni);
      fit.rejectedStatuses.push(s);
    });
    if (found instanceof Status) return found.message;
    this.nextStartNodeIndex = (this.nextStartNodeIndex + found.processed) % numAllNodes;
    return found.feasible;
  }

  /** The index of the highest total; ties broken uniformly at random (reservoir sampling, as upstream). */
  private selectHost(totals: Float64Array): number {
    let best = 0;
    let bestTotal = totals[0]!;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      const t = totals[i]!;
      if (t > bestTotal) {
        best = i;
        bestTotal = t;
        ties = 1;
      } else if (t === bestTotal) {
        ties++;
        if (Math.floor(this.options.random.next() * ties) === 0) best = i;
      }
    }
    return best;
  }

  private async bindingCycle(fw: Framework, state: CycleState, info: QueuedPodInfo, assumed: Pod, nodeName: string, cycle: number, waiting: Waiting | undefined): Promise<void> {
    const uid = assumed.metadata!.uid!;
    let failure: Status | null = null;
    if (waiting) {
      failure = await waiting.done;
      this.waiting.delete(uid);
    }
    if (!failure) {
      const started = this.options.clock.now();
      // Synchronous when no PreBind plugin has anything to wait for (no volumes to bind): the one
      // await left defers Bind past the batch of cycles this one runs in, as the loop intends.
      failure = await fw.runPreBind(state, assumed, nodeName);
      this.observe(fw, "PreBind", failure, started);
    }
    if (!failure) {
      const started = this.options.clock.now();
      failure = await fw.runBind(state, assumed, nodeName);
      this.observe(fw, "Bind", failure, started);
    }
    if (!failure) {
      this.stats.scheduled++;
      this.attemptDone(fw, uid, "scheduled");
      this.recorder(fw.schedulerName).event(assumed, "Normal", "Scheduled", `Successfully assigned ${assumed.metadata!.namespace}/${assumed.metadata!.name} to ${nodeName}`);
      fw.runPostBind(state, assumed, nodeName);
      return;
    }
    this.stats.bindErrors++;
    fw.runUnreserve(state, assumed, nodeName);
    this.cache.forgetPod(assumed);
    // The node has room again for others.
    this.queue.onEvent({ resource: "Pod", actionType: ActionType.Delete }, assumed, undefined);
    if (!this.podInformer.lister().namespace(assumed.metadata!.namespace!).get(assumed.metadata!.name!)) return;
    const rejected = isRejected(failure);
    if (rejected) info.unschedulablePlugins = new Set([failure.plugin]);
    info.pod = this.latest(info.pod);
    await this.failed(fw, info, cycle, rejected ? failure.message : `Binding rejected: ${failure.message}`, !rejected);
  }

  private latest(pod: Pod): Pod {
    return this.podInformer.lister().namespace(pod.metadata!.namespace!).get(pod.metadata!.name!) ?? pod;
  }

  /** Failure handling (upstream `handleSchedulingFailure`): event, requeue, PodScheduled=False and nominatedNodeName. */
  private async failed(fw: Framework, info: QueuedPodInfo, cycle: number, message: string, isError: boolean, nominated?: string): Promise<void> {
    this.stats.failed++;
    const pod = this.latest(info.pod);
    const uid = pod.metadata!.uid!;
    this.attemptDone(fw, uid, isError ? "error" : "unschedulable");
    this.recorder(fw.schedulerName).event(pod, "Warning", "FailedScheduling", message);
    if (nominated) this.queue.addNominated(pod, nominated);
    this.queue.addUnschedulable(info, cycle, isError);
    const reason = isError ? "SchedulerError" : "Unschedulable";
    const current = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    const nominatedChanged = nominated !== undefined && nominated !== pod.status?.nominatedNodeName;
    if (current && current.status === "False" && current.reason === reason && current.message === message && !nominatedChanged) return;
    const condition: PodCondition = { type: "PodScheduled", status: "False", reason, message, lastProbeTime: null as never, lastTransitionTime: current?.status === "False" ? current.lastTransitionTime! : rfc3339(this.options.clock.now()) };
    const patch: Record<string, unknown> = { status: { conditions: [condition], ...(nominated !== undefined ? { nominatedNodeName: nominated } : {}) } };
    try {
      await this.options.client.resource<Pod>("Pod").patch(pod.metadata!.name!, "strategic", patch, { namespace: pod.metadata!.namespace!, subresource: "status" });
    } catch (err) {
      this.options.log.debug("could not update pod condition", { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, uid, error: String(err) });
    }
  }

  /** Clears the nominatedNodeName of lower-priority pods nominated to `node` (preemption chose it). */
  private async clearLowerNominations(node: string, priority: number): Promise<void> {
    for (const pi of this.queue.nominatedPodsForNode(node)) {
      if ((pi.pod.spec?.priority ?? 0) >= priority) continue;
      this.queue.deleteNominated(pi.uid);
      try {
        await this.options.client.resource<Pod>("Pod").patch(pi.pod.metadata!.name!, "merge", { status: { nominatedNodeName: null } }, { namespace: pi.pod.metadata!.namespace!, subresource: "status" });
      } catch {
        /* the pod may be gone */
      }
    }
  }

  /**
   * Selector of the services and controllers owning `pod` (upstream `helper.DefaultSelector`): the
   * requirements of every Service selecting the pod, then of its controller's selector, merged in
   * that order. Their selector objects are immutable (an informer's), so the merge is parsed once
   * per combination of them and shared by every pod they select (a Deployment's pods behind a
   * Service get one selector object, as do a ReplicaSet's pods alone).
   */
  private defaultSelector(pod: Pod): LabelSelector | undefined {
    const ns = pod.metadata?.namespace ?? "default";
    const labels = pod.metadata?.labels ?? {};
    const sources: DefaultSelectorSource[] = [];
    for (const svc of (this.selectorInformers.get("Service")?.lister().namespace(ns).list() ?? []) as { spec?: { selector?: Record<string, string> } }[]) {
      const sel = svc.spec?.selector;
      if (!sel || Object.keys(sel).length === 0) continue;
      if (this.parsedSelector(sel, () => labelSelectorFromSet(sel)).matches(labels)) sources.push({ sel, kind: "set" });
    }
    for (const owner of pod.metadata?.ownerReferences ?? []) {
      if (!owner.controller) continue;
      const informer = this.selectorInformers.get(owner.kind);
      const obj = informer?.lister().namespace(ns).get(owner.name) as { spec?: { selector?: object } } | undefined;
      const sel = obj?.spec?.selector;
      if (sel) sources.push({ sel, kind: owner.kind === "ReplicationController" ? "set" : "labelSelector" });
    }
    if (sources.length === 0) return undefined;
    let entry: MergedSelectorEntry | undefined = this.mergedSelectors.get(sources[0]!.sel);
    if (!entry) this.mergedSelectors.set(sources[0]!.sel, (entry = {}));
    for (let i = 1; i < sources.length; i++) {
      const next: WeakMap<object, MergedSelectorEntry> = (entry.next ??= new WeakMap());
      let e: MergedSelectorEntry | undefined = next.get(sources[i]!.sel);
      if (!e) next.set(sources[i]!.sel, (e = {}));
      entry = e;
    }
    if (!("selector" in entry)) entry.selector = mergeSelectors(sources);
    return entry.selector;
  }

  /** Merged default selectors by their source selector objects, in order (a chain of weak maps: entries go with the objects). */
  private readonly mergedSelectors = new WeakMap<object, MergedSelectorEntry>();

  /** Selectors parsed once per selector object (informers' objects are immutable): `parse` runs on the first use. */
  private readonly parsedSelectors = new WeakMap<object, LabelSelector>();
  private parsedSelector(sel: object, parse: () => LabelSelector): LabelSelector {
    let parsed = this.parsedSelectors.get(sel);
    if (!parsed) this.parsedSelectors.set(sel, (parsed = parse()));
    return parsed;
  }

  /**
   * Explains how the pod would be scheduled now: each node's Filter verdict (the rejecting
   * plugin and reason) and each Score plugin's raw, normalized and weighted score. Runs every
   * node and every plugin (no sampling), off the hot path, changing nothing.
   */
  explain(namespace: string, name: string): Explanation {
    const pod = this.podInformer.lister().namespace(namespace).get(name);
    if (!pod) throw new Error(`pod ${namespace}/${name} not found`);
    const fw = this.frameworks.get(pod.spec?.schedulerName ?? "default-scheduler");
    if (!fw) throw new Error(`pod ${namespace}/${name} names scheduler "${pod.spec?.schedulerName}", which this scheduler does not run`);
    // A bound pod is evaluated as if it were not on its node yet.
    const bound = pod.spec?.nodeName;
    const unbound: Pod = bound ? { ...pod, spec: { ...pod.spec!, nodeName: undefined as never } } : pod;
    if (bound) this.cache.removePod(pod);
    try {
      const state = new CycleState();
      const nodes = this.cache.list();
      const result: Explanation = { pod: `${namespace}/${name}`, schedulerName: fw.schedulerName, boundTo: bound, nodes: [], preFilter: undefined, selected: undefined };
      const pre = fw.runPreFilter(state, unbound, nodes);
      if (pre.status) {
        result.preFilter = { plugin: pre.status.plugin, reason: pre.status.message };
        for (const n of nodes) result.nodes.push({ name: n.name, filter: { plugin: pre.status.plugin, reason: pre.status.message }, scores: [], total: undefined });
        return result;
      }
      const feasible: NodeInfo[] = [];
      for (const n of nodes) {
        if (pre.nodeNames && !pre.nodeNames.has(n.name)) {
          result.nodes.push({ name: n.name, filter: { plugin: "NodeAffinity", reason: "node is filtered out by the prefilter result" }, scores: [], total: undefined });
          continue;
        }
        const s = fw.runFilterPluginsWithNominatedPods(state, unbound, n);
        if (s) result.nodes.push({ name: n.name, filter: { plugin: s.plugin, reason: s.message }, scores: [], total: undefined });
        else {
          feasible.push(n);
          result.nodes.push({ name: n.name, filter: undefined, scores: [], total: 0 });
        }
      }
      if (feasible.length) {
        const ps = fw.runPreScore(state, unbound, feasible);
        if (!ps) {
          const details = new Map<string, PluginScore[]>();
          const totals = fw.runScore(state, unbound, feasible, details);
          const rows = new Map(result.nodes.map((r) => [r.name, r]));
          let max = -Infinity;
          feasible.forEach((n, i) => {
            const row = rows.get(n.name)!;
            row.total = totals[i]!;
            row.scores = details.get(n.name) ?? [];
            if (totals[i]! > max) max = totals[i]!;
          });
          result.selected = feasible.filter((_n, i) => totals[i] === max).map((n) => n.name);
        }
      }
      return result;
    } finally {
      if (bound) this.cache.addPod(pod);
    }
  }

  private async answerExplainRequest(cm: ConfigMap): Promise<void> {
    const target = cm.data?.["pod"];
    if (!target || !this.leading) return;
    const [ns, name] = target.includes("/") ? target.split("/", 2) : ["default", target];
    const pod = this.podInformer.lister().namespace(ns!).get(name!);
    if (!pod || !this.responsibleFor(pod)) return;
    let body: string;
    try {
      body = JSON.stringify(this.explain(ns!, name!));
    } catch (err) {
      body = JSON.stringify({ error: err instanceof Error ? err.message : String(err) });
    }
    try {
      await this.options.client.resource<ConfigMap>("ConfigMap").update({ ...cm, metadata: { ...cm.metadata!, labels: { ...(cm.metadata?.labels ?? {}), [EXPLAIN_LABEL]: "answered" } }, data: { ...cm.data, explanation: body } }, { namespace: EXPLAIN_NAMESPACE });
    } catch (err) {
      this.options.log.warn("could not answer explain request", { configMap: cm.metadata?.name, error: String(err) });
    }
  }

  /** Resolves once every binding started so far has finished (tests, benches). */
  async flushBindings(): Promise<void> {
    while (this.inFlightBindings.size) await Promise.all([...this.inFlightBindings]);
  }

  async shutdown(): Promise<void> {
    this.stop.abort();
    this.queue.close();
    for (const w of this.waiting.values()) w.reject("", "scheduler stopped");
    await this.electing?.catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.flushBindings();
    await this.broadcaster.shutdown();
  }
}

/** One selector {@link Scheduler.defaultSelector} merges: a Service's or ReplicationController's label set, or a `metav1.LabelSelector`. */
interface DefaultSelectorSource {
  sel: object;
  kind: "set" | "labelSelector";
}

/** A merged default selector (`selector`, undefined when it selects nothing) and the entries of longer source lists. */
interface MergedSelectorEntry {
  selector?: LabelSelector | undefined;
  next?: WeakMap<object, MergedSelectorEntry>;
}

/** The sources' requirements merged in order (a later label key overrides an earlier one), parsed; undefined when there are none. */
function mergeSelectors(sources: readonly DefaultSelectorSource[]): LabelSelector | undefined {
  const reqs: Record<string, string> = {};
  const expressions: unknown[] = [];
  for (const { sel, kind } of sources) {
    if (kind === "set") Object.assign(reqs, sel);
    else {
      const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
      Object.assign(reqs, s.matchLabels ?? {});
      expressions.push(...(s.matchExpressions ?? []));
    }
  }
  if (Object.keys(reqs).length === 0 && expressions.length === 0) return undefined;
  return labelSelectorFromObject({ matchLabels: reqs, matchExpressions: expressions as never });
}

function terminal(p: Pod): boolean {
  return p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
}

/** Which node changes matter (upstream `nodeSchedulingPropertiesChange`). */
function nodeUpdateAction(o: Node, n: Node): number {
  let a = 0;
  if (JSON.stringify(o.status?.allocatable) !== JSON.stringify(n.status?.allocatable)) a |= ActionType.UpdateNodeAllocatable;
  if (JSON.stringify(o.metadata?.labels) !== JSON.stringify(n.metadata?.labels)) a |= ActionType.UpdateNodeLabel;
  if (JSON.stringify(o.spec?.taints) !== JSON.stringify(n.spec?.taints) || o.spec?.unschedulable !== n.spec?.unschedulable) a |= ActionType.UpdateNodeTaint;
  if (JSON.stringify(o.status?.conditions?.map((c) => [c.type, c.status])) !== JSON.stringify(n.status?.conditions?.map((c) => [c.type, c.status]))) a |= ActionType.UpdateNodeCondition;
  return a;
}
