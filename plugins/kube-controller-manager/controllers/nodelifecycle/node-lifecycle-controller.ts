import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Node, NodeCondition, Pod, Taint } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, type Manager, type Predicate, type SharedInformer } from "../../../../core/index.js";
import { rfc3339Of } from "../workload/time.js";
import type { NodeLifecycleSettings } from "../../options.js";
import { conditionOf, noExecuteHealthTaint, TAINT_NOT_READY, TAINT_UNREACHABLE, wantedNoScheduleKeys, withNoExecuteHealthTaint, withNoScheduleTaints, zoneKeyOf } from "./node-taints.js";
import { podsByNode } from "./pod-node-index.js";
import { ZoneTainter } from "./zone-tainter.js";

/** A zone's health as upstream classifies it (ComputeZoneState). */
export type ZoneState = "Normal" | "PartialDisruption" | "FullDisruption";

/** The annotation of Nodes the cluster bootstrap registers for nodes that run no kubelet. */
const PLACEHOLDER_ANNOTATION = "kubesim.io/registered-by";

/** The conditions the controller turns Unknown when a node stops reporting (upstream's remainingNodeConditionTypes and Ready). */
const MONITORED_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] as const;

/** What the controller last saw of a node: when it last heard from it (its own clock), and the heartbeats it saw. */
interface NodeHealth {
  probeTimestamp: number;
  readyHeartbeat: string | undefined;
  leaseRenewTime: string | undefined;
}

/** The state the monitor keeps; exposed for tests and the bench through {@link NodeLifecycleController}. */
export interface NodeLifecycleController {
  /** The zone states as last computed (zone key "" for nodes without zone labels). */
  zoneStates(): ReadonlyMap<string, ZoneState>;
  /** Nodes waiting in each zone for their NoExecute taint. */
  queued(zone: string): number;
}

/** Upstream's ComputeZoneState: FullDisruption with no ready node, PartialDisruption when more than 2 and at least the threshold are not ready. */
export function computeZoneState(ready: number, notReady: number, unhealthyThreshold: number): ZoneState {
  if (ready === 0 && notReady > 0) return "FullDisruption";
  if (notReady > 2 && notReady / (ready + notReady) >= unhealthyThreshold) return "PartialDisruption";
  return "Normal";
}

/**
 * The node lifecycle controller (pkg/controller/nodelifecycle) with taint-based eviction:
 *
 * - Every `nodeMonitorPeriod` it checks each node: a node whose Ready heartbeat and Lease have not
 *   moved for `nodeMonitorGracePeriod` (60 s startup grace if it never posted Ready) gets Ready,
 *   MemoryPressure, DiskPressure and PIDPressure `Unknown` ("Kubelet stopped posting node
 *   status."), a NodeNotReady event, and its pods' Ready condition set False.
 * - Nodes Ready=False or Unknown queue, per zone, for the NoExecute `not-ready` / `unreachable`
 *   taint, released at `nodeEvictionRate` per second (a large cluster's unhealthy zone at the
 *   secondary rate, a small one's not at all; when every zone is fully disrupted all taints are
 *   lifted and tainting stops). A node Ready again loses them at once.
 * - On every node change the NoSchedule condition taints (not-ready, unreachable, memory-, disk-,
 *   pid-pressure, network-unavailable, unschedulable) are made to match its conditions.
 *
 * Nodes the cluster bootstrap registered without a kubelet (annotated `kubesim.io/registered-by:
 * cluster`) have nothing that could heartbeat: their health is not monitored.
 */
export function nodeLifecycleController(mgr: Manager, settings: NodeLifecycleSettings, workers: number): NodeLifecycleController {
  const clock = mgr.clock;
  const nodeInformer = mgr.informers.forResource<Node>("Node");
  // One cluster-wide Lease informer, as upstream shares; node Leases are read from kube-node-lease.
  const leaseLister = mgr.informers.forResource<Lease>({ apiVersion: "coordination.k8s.io/v1", kind: "Lease" }).lister();
  const podsOn = podsByNode(mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>);
  const nodes = mgr.client.resource<Node>("Node");
  const pods = mgr.client.resource<Pod>("Pod");
  const recorder = mgr.getEventRecorderFor("node-controller");
  const log = mgr.log.child("node-lifecycle-controller");

  const health = new Map<string, NodeHealth>();
  const zoneStates = new Map<string, ZoneState>();
  const tainters = new Map<string, ZoneTainter>();
  const known = new Set<string>();
  let stopped = false;

  const now = (): string => rfc3339Of(clock.now());

  /** Reads the node fresh, applies `change` to its taints and writes it back, retrying conflicts. */
  async function updateTaints(name: string, change: (node: Node) => Taint[] | undefined): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let node: Node;
      try {
        node = await nodes.get(name);
      } catch (err) {
        if (isStatusError(err, "NotFound")) return true;
        throw err;
      }
      const taints = change(node);
      if (!taints) return true;
      try {

        await nodes.update({ ...node, spec: { ...node.spec, taints } });
        return true;
      } catch (err) {
        if (isStatusError(err, "NotFound")) return true;
        if (!isStatusError(err, "Conflict")) throw err;
      }
    }
    return false;
  }

  function tainterFor(zone: string): ZoneTainter {
    let t = tainters.get(zone);
    if (!t) {
      t = new ZoneTainter(clock, settings.nodeEvictionRate, (name) => applyNoExecuteTaint(name));
      tainters.set(zone, t);
    }
    return t;
  }

  /** The queued work: taint the node as its Ready condition says now (nothing when it is Ready again). */
  async function applyNoExecuteTaint(name: string): Promise<boolean> {
    const node = nodeInformer.lister().get(name);
    if (!node) return true;
    const status = conditionOf(node, "Ready")?.status;
    if (status === "True") return true;
    const key = status === "False" ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    return updateTaints(name, (n) => withNoExecuteHealthTaint(n, key, now()));
  }

  /** Upstream's markNodeAsReachable: lifts the NoExecute health taints and drops the node from its queue. */
  async function markReachable(node: Node, fresh = false): Promise<void> {
    tainters.get(zoneKeyOf(node))?.remove(node.metadata!.name!);
    if (fresh || noExecuteHealthTaint(node)) await updateTaints(node.metadata!.name!, (n) => withNoExecuteHealthTaint(n, undefined, now()));
  }

  /** tryUpdateNodeHealth: notices heartbeats, and turns the conditions Unknown once the grace period has passed. Returns the node as it now is. */
  async function updateHealth(node: Node): Promise<Node> {
    const name = node.metadata!.name!;
    const t = clock.now();
    const ready = conditionOf(node, "Ready");
    const lease = leaseLister.namespace("kube-node-lease").get(name);
    let h = health.get(name);
    if (!h) {
      h = { probeTimestamp: t, readyHeartbeat: ready?.lastHeartbeatTime, leaseRenewTime: lease?.spec?.renewTime };
      health.set(name, h);
    }
    if (ready?.lastHeartbeatTime !== h.readyHeartbeat) {
      h.readyHeartbeat = ready?.lastHeartbeatTime;
      h.probeTimestamp = t;
    }
    const renew = lease?.spec?.renewTime;
    if (renew !== undefined && renew !== h.leaseRenewTime) {
      h.leaseRenewTime = renew;
      h.probeTimestamp = t;
    }
    const grace = ready ? settings.nodeMonitorGracePeriod : settings.nodeStartupGracePeriod;
    if (t <= h.probeTimestamp + grace) return node;
    const stamp = now();
    let changed = false;
    const conditions: NodeCondition[] = [...(node.status?.conditions ?? [])];
    for (const type of MONITORED_CONDITIONS) {
      const i = conditions.findIndex((c) => c.type === type);
      if (i < 0) {
        conditions.push({ type, status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastHeartbeatTime: node.metadata?.creationTimestamp ?? stamp, lastTransitionTime: stamp });
        changed = true;
      } else if (conditions[i]!.status !== "Unknown") {
        conditions[i] = { ...conditions[i]!, status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: stamp };
        changed = true;
      }
    }
    if (!changed) return node;
    try {
      return await nodes.updateStatus({ ...node, status: { ...node.status, conditions } });
    } catch (err) {
      if (isStatusError(err, "Conflict") || isStatusError(err, "NotFound")) return node; // the next pass sees the newer object
      throw err;
    }
  }

  /** Upstream's MarkPodsNotReady: every pod on the node gets Ready=False. */
  async function markPodsNotReady(node: Node): Promise<void> {
    const stamp = now();
    for (const pod of podsOn(node.metadata!.name!)) {
      const conditions = pod.status?.conditions ?? [];
      const i = conditions.findIndex((c) => c.type === "Ready");
      if (i < 0 || conditions[i]!.status === "False") continue;
      const updated = [...conditions];
      updated[i] = { ...updated[i]!, status: "False", lastTransitionTime: stamp };
      recorder.eventf(pod, "Warning", "NodeNotReady", "Node is not ready");
      try {
        await pods.updateStatus({ ...pod, status: { ...pod.status, conditions: updated } }, { namespace: pod.metadata!.namespace! });
      } catch (err) {
        if (!isStatusError(err, "Conflict") && !isStatusError(err, "NotFound")) throw err;
      }
    }
  }

  /** processTaintBaseEviction: queue the node for its NoExecute taint, swap it, or lift it. */
  async function processTaintBaseEviction(node: Node, status: string, toQueue: Node[]): Promise<void> {
    const name = node.metadata!.name!;
    if (status === "True") {
      await markReachable(node);
      return;
    }
    const want = status === "False" ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    const has = noExecuteHealthTaint(node)?.key;
    if (has === want) return;
    // A node already tainted for the other reason swaps taints at once; a new one waits its turn.
    if (has) await updateTaints(name, (n) => withNoExecuteHealthTaint(n, want, now()));
    else toQueue.push(node);
  }

  /** handleDisruption: the zones' new states and the rate each zone taints at. */
  async function handleDisruption(counts: Map<string, { ready: number; notReady: number }>, all: Node[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    for (const [zone, c] of counts) newStates.set(zone, computeZoneState(c.ready, c.notReady, settings.unhealthyZoneThreshold));
    const allFully = newStates.size > 0 && [...newStates.values()].every((s) => s === "FullDisruption");
    const allWasFully = zoneStates.size > 0 && [...zoneStates.values()].every((s) => s === "FullDisruption");
    const setStates = (): void => {
      zoneStates.clear();
      for (const [zone, s] of newStates) zoneStates.set(zone, s);
    };
    const setLimiter = (zone: string, state: ZoneState): void => {
      const size = counts.get(zone)!.ready + counts.get(zone)!.notReady;
      const qps = state === "Normal" || state === "FullDisruption" ? settings.nodeEvictionRate : size > settings.largeClusterSizeThreshold ? settings.secondaryNodeEvictionRate : 0;
      tainterFor(zone).swapLimiter(qps);
    };
    if (allFully && allWasFully) {
      setStates();
      return;
    }
    if (allFully) {
      // Every zone lost every node: more likely the controller's own view is broken. Stop evicting and lift the taints.
      log.info("controller detected that all nodes are not-Ready, entering master disruption mode");
      for (const node of all) await markReachable(nodeInformer.lister().get(node.metadata!.name!) ?? node, true);
      for (const zone of newStates.keys()) tainterFor(zone).swapLimiter(0);
      setStates();
      return;
    }
    if (allWasFully) {
      log.info("controller detected that some nodes are Ready, exiting master disruption mode");
      const t = clock.now();
      for (const h of health.values()) h.probeTimestamp = t;
      for (const [zone, state] of newStates) setLimiter(zone, state);
      setStates();
      return;
    }
    for (const [zone, state] of newStates) if (zoneStates.get(zone) !== state) setLimiter(zone, state);
    setStates();
  }

  /** monitorNodeHealth: one pass over every node. */
  async function monitor(): Promise<void> {
    const all = nodeInformer.lister().list().filter((n) => n.metadata?.annotations?.[PLACEHOLDER_ANNOTATION] !== "cluster");
    const seen = new Set<string>();
    for (const node of all) {
      const name = node.metadata!.name!;
      seen.add(name);
      if (!known.has(name)) {
        known.add(name);
        recorder.eventf(node, "Normal", "RegisteredNode", "Node %s event: Registered Node %s in Controller", name, name);
      }
    }
    for (const name of known) {
      if (seen.has(name)) continue;
      known.delete(name);
      health.delete(name);
      for (const t of tainters.values()) t.remove(name);
    }
    const counts = new Map<string, { ready: number; notReady: number }>();
    const current: Node[] = [];
    const toQueue: Node[] = [];
    for (const node of all) {
      if (stopped) return;
      const before = conditionOf(node, "Ready")?.status;
      let after: Node;
      try {
        after = await updateHealth(node);
      } catch (err) {
        log.warn("updating node health failed", { node: node.metadata!.name!, error: err });
        continue;
      }
      current.push(after);
      const status = conditionOf(after, "Ready")?.status;
      const zone = zoneKeyOf(after);
      const c = counts.get(zone) ?? { ready: 0, notReady: 0 };
      if (status === "True") c.ready++;
      else c.notReady++;
      counts.set(zone, c);
      if (before === "True" && status !== "True") {
        recorder.eventf(after, "Normal", "NodeNotReady", "Node %s status is now: NodeNotReady", after.metadata!.name!);
        await markPodsNotReady(after);
      }
      // As upstream, taints follow the Ready condition observed at the start of the pass (the
      // queued work re-reads it); in master disruption mode the zones' rate is 0.
      await processTaintBaseEviction(after, before ?? "Unknown", toQueue);
    }
    await handleDisruption(counts, current);
    // Queued once the zones' rates are known, so a pass that finds every zone down taints nothing.
    for (const node of toQueue) tainterFor(zoneKeyOf(node)).add(node.metadata!.name!);
  }

  mgr.add({
    name: "node-lifecycle-monitor",
    async start(signal) {
      let running: Promise<void> | undefined;
      const tick = (): void => {
        if (running || signal.aborted) return;
        running = monitor()
          .catch((err: unknown) => log.warn("node health pass failed", { error: err }))
          .finally(() => (running = undefined));
      };
      tick();
      const interval = clock.setInterval(tick, settings.nodeMonitorPeriod);
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      stopped = true;
      clock.clearInterval(interval);
      for (const t of tainters.values()) t.stop();
      await running;
    },
  });

  // doNoScheduleTaintingPass, on every change of a node's conditions or unschedulable flag.
  const conditionsChanged: Predicate<Node> = {
    update: (o, n) => o.status?.conditions !== n.status?.conditions || o.spec?.unschedulable !== n.spec?.unschedulable || o.spec?.taints !== n.spec?.taints,
  };
  controllerFor(mgr)
    .named("node-lifecycle-noschedule")
    .for<Node>("Node", { predicates: [conditionsChanged] })
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const node = nodeInformer.lister().get(req.name);
        if (!node) return;
        const wanted = wantedNoScheduleKeys(node);
        if (!withNoScheduleTaints(node, wanted, now())) return;
        const ok = await updateTaints(req.name, (n) => withNoScheduleTaints(n, wantedNoScheduleKeys(n), now()));
        if (!ok) return { requeue: true };
      },
    });

  return {
    zoneStates: () => zoneStates,
    queued: (zone) => tainters.get(zone)?.size ?? 0,
  };
}
