import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from "kubernetes-types/apps/v1.js";
import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";
import {
  Controller,
  enqueueRequestForObject,
  enqueueRequestsFromMapFunc,
  isStatusError,
  type KubeObject,
  type LabelSelector,
  type Manager,
  type Predicate,
  type SharedInformer,
} from "../../../../core/index.js";
import { controllerRefOf, newControllerRef, requestForControllerOf } from "../workload/controller-ref.js";
import { Expectations } from "../workload/expectations.js";
import { parsedSelectors } from "../workload/parsed-selectors.js";
import { POD_CONTROLLER_INDEX, ensureControllerIndex } from "../workload/pod-index.js";
import { claim, release } from "../workload/claim.js";
import { isPodAvailable } from "../workload/pod-state.js";
import { podFromTemplate } from "../workload/pod-template.js";
import { slowStartBatch } from "../workload/slow-start.js";
import { CONTROLLER_REVISION_HASH, currentRevision, revisionHash, truncateHistory } from "../workload/controller-revision.js";
import { writeStatus } from "../workload/status-update.js";
import { scaled } from "../deployment/deployment-util.js";
import { daemonPodTolerations, nodeShouldRunDaemonPod, pinToNode, targetNodeName } from "./node-eligibility.js";
import { DAEMON_POD_NODE_INDEX, daemonPodNodeKey, ensureDaemonPodNodeIndex } from "./daemon-pod-index.js";
import { NodeVerdicts, sameSchedulingFacts, type NodeVerdict } from "./node-verdicts.js";
import { byCreation, nodeTally } from "./status-tally.js";
import { SyncState } from "./sync-state.js";

type DaemonSetObject = DaemonSet & KubeObject;

const NO_PODS: readonly Pod[] = [];
/** The pods of `list` not being deleted; `list` itself (no copy) when none is. */
function notDeleting(list: readonly Pod[] | undefined): readonly Pod[] {
  if (!list) return NO_PODS;
  for (const p of list) if (p.metadata?.deletionTimestamp) return list.filter((q) => !q.metadata?.deletionTimestamp);
  return list;
}

/** The annotation the API server keeps a DaemonSet's template generation in. */
const TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";
/** The deprecated label upstream still puts on daemon pods (the template generation). */
export const POD_TEMPLATE_GENERATION = "pod-template-generation";
const SOURCE = "daemonset-controller";

/** maxSurge and maxUnavailable of a RollingUpdate DaemonSet for `desired` nodes (both round up; both 0 means maxUnavailable 1). */
export function daemonSetBudget(ds: DaemonSet, desired: number): { surge: number; unavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const surge = scaled(ru?.maxSurge ?? 0, desired, true);
  const unavailable = scaled(ru?.maxUnavailable ?? 1, desired, true);
  return { surge, unavailable: surge === 0 && unavailable === 0 ? 1 : unavailable };
}

/** The updated and the old live pod on a node; `ok` false when there are several of either (findUpdatedPodsOnNode). */
function updatedPodsOnNode(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * The rolling update step (upstream's rollingUpdate): which old pods to delete and on which nodes
 * to surge a new pod, given the pods per node, the update hash and the budget. Without surge, old
 * pods are deleted while fewer than maxUnavailable nodes are unavailable (unavailable old pods go
 * at once); with surge, new pods start next to old ones on at most maxSurge nodes and an old pod
 * goes once the new one on its node is available.
 */
export function rollingUpdateStep(nodeToPods: ReadonlyMap<string, readonly Pod[]>, hash: string, budget: { surge: number; unavailable: number }, available: (p: Pod) => boolean): { deletePods: Pod[]; surgeNodes: string[] } {
  const nodes = [...nodeToPods.keys()].sort();
  if (budget.surge === 0) {
    let numUnavailable = 0;
    const allowed: Pod[] = [];
    const candidates: Pod[] = [];
    for (const node of nodes) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(nodeToPods.get(node)!, hash);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) numUnavailable++;
      else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (!available(oldPod!)) allowed.push(oldPod!);
      else if (numUnavailable < budget.unavailable) candidates.push(oldPod!);
    }
    const remaining = Math.min(Math.max(budget.unavailable - numUnavailable, 0), candidates.length);
    return { deletePods: [...allowed, ...candidates.slice(0, remaining)], surgeNodes: [] };
  }
  let numSurge = 0;
  const allowedNodes: string[] = [];
  const candidateNodes: string[] = [];
  const deletePods: Pod[] = [];
  for (const node of nodes) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(nodeToPods.get(node)!, hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) allowedNodes.push(node);
      else if (numSurge < budget.surge) candidateNodes.push(node);
      continue;
    }
    if (!available(newPod)) numSurge++;
    else deletePods.push(oldPod);
  }
  const remaining = Math.min(Math.max(budget.surge - numSurge, 0), candidateNodes.length);
  return { deletePods, surgeNodes: [...allowedNodes, ...candidateNodes.slice(0, remaining)] };
}

/**
 * The DaemonSet controller (pkg/controller/daemon): one pod per eligible node. A node is eligible
 * when the template's nodeSelector and required node affinity match it and its NoSchedule and
 * NoExecute taints are tolerated (with the tolerations the controller adds to every daemon pod).
 * Pods are created with a required node affinity on `metadata.name` and placed by the scheduler.
 * Surplus pods on a node, pods on nodes that stopped being eligible or were removed, and failed
 * pods are deleted. Templates are recorded as ControllerRevisions `<ds>-<hash>`; RollingUpdate
 * replaces old pods within maxUnavailable / maxSurge, OnDelete only when a pod is deleted.
 * Status carries every counter upstream writes.
 *
 * A sync's work follows what changed: pod events and node additions and removals mark their
 * node, and so does a change of a node's labels or taints for the sets whose verdict on it
 * changed (upstream's updateNode); a sync re-evaluates the marked nodes only (pods read from an
 * index by set and node, verdicts cached per template generation and node labels and taints,
 * status counters kept per node). A new template or history, an orphan to adopt, a rolling update in
 * progress, minReadySeconds or a failed sync make it walk every node, as upstream's every sync does.
 */
export function daemonSetController(mgr: Manager, workers: number): Controller {
  const sets = mgr.informers.forResource<DaemonSetObject>("DaemonSet");
  const setLister = sets.lister();
  const nodes = mgr.informers.forResource<Node>("Node");
  const nodeLister = nodes.lister();
  const podInformer = mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>;
  ensureControllerIndex(podInformer);
  ensureDaemonPodNodeIndex(podInformer);
  const revInformer = mgr.informers.forResource<ControllerRevision>("ControllerRevision") as SharedInformer<ControllerRevision>;
  ensureControllerIndex(revInformer);
  const pods = mgr.client.resource<Pod>("Pod");
  const revisions = mgr.client.resource<ControllerRevision>("ControllerRevision");
  const client = mgr.client.resource<DaemonSetObject>("DaemonSet");
  const recorder = mgr.getEventRecorderFor(SOURCE);
  const expectations = new Expectations(mgr.clock);
  const verdicts = new NodeVerdicts();
  /** Per set key: what its next sync has to look at. */
  const states = new Map<string, SyncState>();
  const keyOf = (ns: string, name: string): string => `${ns}/${name}`;
  const podKey = (pod: Pod): string => keyOf(pod.metadata!.namespace!, pod.metadata!.name!);
  /** Set selectors parsed once per selector object: an orphan pod's events are matched against every set of its namespace. */
  const parseSelector = parsedSelectors();
  const selectorOf = (ds: DaemonSet): LabelSelector => parseSelector(ds.spec?.selector as LabelSelectorObject | undefined);
  const ownerKey = (pod: Pod): string | undefined => {
    const ref = controllerRefOf(pod);
    return ref?.kind === "DaemonSet" ? keyOf(pod.metadata!.namespace!, ref.name) : undefined;
  };

  const observe: Predicate<Pod> = {
    create(pod) {
      const key = ownerKey(pod);
      if (key) expectations.creationObserved(key);
      return true;
    },
    update(o, n) {
      if (o.metadata?.resourceVersion === n.metadata?.resourceVersion) return false;
      const key = ownerKey(n);
      if (key && n.metadata?.deletionTimestamp && !o.metadata?.deletionTimestamp) expectations.deletionObserved(key, podKey(n));
      return true;
    },
    delete(pod) {
      const key = ownerKey(pod);
      if (key) expectations.deletionObserved(key, podKey(pod));
      return true;
    },
  };

  const controller = new Controller({
    name: "daemonset",
    clock: mgr.clock,
    log: mgr.log.child("daemonset"),
    maxConcurrentReconciles: workers,
    reconciler: { reconcile: (req) => sync(req.namespace!, req.name) },
  });
  controller.watch({ informer: sets, handler: enqueueRequestForObject<DaemonSetObject>() });
  controller.watch({
    informer: podInformer,
    predicates: [observe],
    // A daemon pod marks its node for its set; an orphan the set may adopt asks for a full pass.
    handler: enqueueRequestsFromMapFunc<Pod>((pod) => {
      const ns = pod.metadata!.namespace!;
      const ref = controllerRefOf(pod);
      if (ref) {
        if (ref.kind !== "DaemonSet") return [];
        const node = targetNodeName(pod.spec);
        if (node !== undefined) states.get(keyOf(ns, ref.name))?.touch(node);
        return [{ namespace: ns, name: ref.name }];
      }
      if (pod.metadata?.deletionTimestamp) return [];
      const labels = pod.metadata?.labels ?? {};
      const out: { namespace: string; name: string }[] = [];
      for (const ds of setLister.namespace(ns).list()) {
        if (!selectorOf(ds).matches(labels)) continue;
        const name = ds.metadata!.name!;
        states.get(keyOf(ns, name))?.askFull();
        out.push({ namespace: ns, name });
      }
      return out;
    }),
  });
  // Nodes added or removed: that node, for every set. A node update (upstream's updateNode) only
  // when its labels or taints changed (not status heartbeats), and then only for the sets whose
  // verdict on it changed: the update predicate finds them, the handler enqueues those.
  let changedOnUpdate: DaemonSetObject[] | undefined;
  const nodeRequests = (name: string, list: readonly DaemonSetObject[]): { namespace: string; name: string }[] =>
    list.map((ds) => {
      const key = { namespace: ds.metadata!.namespace!, name: ds.metadata!.name! };
      states.get(keyOf(key.namespace, key.name))?.touch(name);
      return key;
    });
  controller.watch({
    informer: nodes,
    predicates: [
      {
        update: (o, n) => {
          if (sameSchedulingFacts(o, n)) return false;
          const changed = setLister.list().filter((ds) => {
            const spec = ds.spec!.template.spec!;
            const was = nodeShouldRunDaemonPod(o, spec);
            const is = verdicts.get(n, ds.metadata!.uid!, ds.metadata?.generation, spec);
            return was.shouldRun !== is.shouldRun || was.shouldContinueRunning !== is.shouldContinueRunning;
          });
          if (changed.length === 0) return false;
          changedOnUpdate = changed;
          return true;
        },
        delete: (n) => {
          verdicts.forgetNode(n.metadata!.name!);
          return true;
        },
      },
    ],
    handler: {
      map: (node) => {
        const list = changedOnUpdate ?? setLister.list();
        changedOnUpdate = undefined;
        return nodeRequests(node.metadata!.name!, list);
      },
      mapOldOnUpdate: false,
    },
  });
  controller.watch({
    informer: revInformer,
    handler: enqueueRequestsFromMapFunc<ControllerRevision>((rev) => {
      const requests = requestForControllerOf(rev, "DaemonSet");
      for (const r of requests) states.get(keyOf(r.namespace, r.name))?.askFull();
      return requests;
    }),
  });
  mgr.add(controller);

  async function createOn(ds: DaemonSetObject, nodeNames: readonly string[], hash: string, key: string): Promise<unknown> {
    if (nodeNames.length === 0) return undefined;
    const ns = ds.metadata!.namespace!;
    const template = ds.spec!.template;
    const templateGeneration = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
    const labels = { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash, ...(templateGeneration !== undefined ? { [POD_TEMPLATE_GENERATION]: templateGeneration } : {}) };
    const spec = { ...template.spec!, tolerations: daemonPodTolerations(template.spec!) };
    const ref = newControllerRef(ds, "apps/v1", "DaemonSet");
    expectations.expectCreations(key, nodeNames.length);
    const { successes, error } = await slowStartBatch(nodeNames.length, async (i) => {
      const pod = podFromTemplate({ metadata: { ...template.metadata, labels }, spec: pinToNode(spec, nodeNames[i]!) }, ds, ref);
      try {
        const created = await pods.create(pod, { namespace: ns, fieldManager: "kube-controller-manager" });
        recorder.eventf(ds, "Normal", "SuccessfulCreate", "Created pod: %s", created.metadata!.name!);
      } catch (err) {
        recorder.eventf(ds, "Warning", "FailedCreate", "Error creating: %s", err instanceof Error ? err.message : String(err));
        throw err;
      }
    });
    for (let i = successes; i < nodeNames.length; i++) expectations.creationObserved(key);
    return error;
  }

  async function deletePods(ds: DaemonSetObject, victims: readonly Pod[], key: string): Promise<unknown> {
    if (victims.length === 0) return undefined;
    expectations.expectDeletions(key, victims.map(podKey));
    let failure: unknown;
    await Promise.all(
      victims.map(async (pod) => {
        try {
          await pods.delete(pod.metadata!.name!, { namespace: ds.metadata!.namespace! });
          recorder.eventf(ds, "Normal", "SuccessfulDelete", "Deleted pod: %s", pod.metadata!.name!);
        } catch (err) {
          expectations.deletionObserved(key, podKey(pod));
          if (isStatusError(err, "NotFound")) return;
          recorder.eventf(ds, "Warning", "FailedDelete", "Error deleting: %s", err instanceof Error ? err.message : String(err));
          failure ??= err;
        }
      }),
    );
    return failure;
  }

  async function sync(ns: string, name: string): Promise<{ requeueAfter: number } | void> {
    const key = keyOf(ns, name);
    const ds = setLister.namespace(ns).get(name);
    let st = states.get(key);
    if (!ds) {
      expectations.delete(key);
      if (st) verdicts.forgetSet(st.uid);
      states.delete(key);
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;
    if (st?.uid !== ds.metadata!.uid!) {
      if (st) verdicts.forgetSet(st.uid);
      states.set(key, (st = new SyncState(ds.metadata!.uid!)));
    }
    try {
      return await syncSet(ds, key, st);
    } catch (err) {
      st.askFull();
      throw err;
    }
  }

  /** One node evaluated by a sync: its verdict (none when the node is gone) and the set's pods on it. */
  interface NodeView {
    readonly name: string;
    readonly verdict: NodeVerdict | undefined;
    /** The set's pods targeting the node, being deleted included. */
    readonly pods: readonly Pod[];
  }

  async function syncSet(ds: DaemonSetObject, key: string, st: SyncState): Promise<{ requeueAfter: number } | void> {
    const ns = ds.metadata!.namespace!;
    const name = ds.metadata!.name!;
    const uid = ds.metadata!.uid!;
    const generation = ds.metadata?.generation;
    const templateSpec = ds.spec!.template.spec!;
    const selector = selectorOf(ds);
    const now = mgr.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const available = (p: Pod): boolean => isPodAvailable(p, minReady, now);
    const rolling = (ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const satisfied = expectations.satisfied(key);
    const touched = st.take();
    const full = touched === undefined || generation === undefined || st.generation !== generation || minReady > 0 || (rolling && st.tally.hasOld) || (satisfied && st.manageAll);

    const views: NodeView[] = [];
    /** The set's pods (claimed), known on a full pass; read from the index when a step needs them all. */
    let owned: readonly Pod[] | undefined;
    if (full) {
      owned = await claim({ informer: podInformer, client: pods, owner: ds, selector, ref: newControllerRef(ds, "apps/v1", "DaemonSet"), recheck: () => client.get(name, { namespace: ns }) });
      st.history = revInformer.indexer.byIndex(POD_CONTROLLER_INDEX, uid).filter((r) => r.metadata?.namespace === ns);
      const { revision } = await currentRevision(revisions, ds, "apps/v1", "DaemonSet", st.history, async () => {
        const fresh = await client.get(name, { namespace: ns });
        await client.updateSubresource(name, "status", { ...fresh, status: { ...fresh.status, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 } }, { namespace: ns });
      });
      st.revision = revision;
      st.generation = generation;
      const nodeToPods = podsByNode(owned);
      // No await from here to the end of the pass: the lister holds the nodes the list was read from.
      for (const node of nodeLister.list()) {
        const nodeName = node.metadata!.name!;
        views.push({ name: nodeName, verdict: verdicts.get(node, uid, generation, templateSpec), pods: nodeToPods.get(nodeName) ?? NO_PODS });
      }
      for (const [nodeName, list] of nodeToPods) if (!nodeLister.get(nodeName)) views.push({ name: nodeName, verdict: undefined, pods: list });
    } else {
      const names = satisfied ? new Set([...touched!, ...st.deferred]) : touched!;
      for (const nodeName of names) {
        const here: Pod[] = [];
        for (const p of podInformer.indexer.byIndex(DAEMON_POD_NODE_INDEX, daemonPodNodeKey(uid, nodeName))) {
          if (selector.matches(p.metadata?.labels ?? {})) here.push(p);
          else await release(pods, p, uid);
        }
        const node = nodeLister.get(nodeName);
        views.push({ name: nodeName, verdict: node ? verdicts.get(node, uid, generation, templateSpec) : undefined, pods: here });
      }
    }
    const current = st.revision!;
    const hash = revisionHash(current);
    if (full) st.tally.clear();
    for (const v of views) st.tally.set(v.name, nodeTally(v.verdict?.shouldRun, notDeleting(v.pods), hash, available));

    let failure: unknown;
    if (!satisfied) {
      if (full) st.manageAll = true;
      else for (const v of views) st.deferred.add(v.name);
    } else {
      st.manageAll = false;
      st.deferred.clear();
      const budget = (): { surge: number; unavailable: number } => (rolling ? daemonSetBudget(ds, st.tally.desired) : { surge: 0, unavailable: 0 });
      const create: string[] = [];
      const victims: Pod[] = [];
      for (const v of views) planNode(ds, v, hash, budget, available, create, victims);
      // Only old pods make a rolling update step (it deletes old pods and surges next to them).
      if (rolling && victims.length === 0 && create.length === 0) {
        owned ??= st.tally.hasOld ? ownedFromIndex(uid, selector) : NO_PODS;
        if (owned.some((p) => !p.metadata?.deletionTimestamp && p.metadata?.labels?.[CONTROLLER_REVISION_HASH] !== hash)) {
          const step = rollingUpdateStep(podsByNode(owned), hash, budget(), available);
          victims.push(...step.deletePods);
          create.push(...step.surgeNodes);
        }
      }
      const [createErr, deleteErr] = await Promise.all([createOn(ds, create, hash, key), deletePods(ds, victims, key)]);
      if (create.length > 0 && victims.length > 0) expectations.expectCreations(key, 0);
      failure = createErr ?? deleteErr;
      // History past the limit (only then can a revision go): the live hashes decide which.
      if (st.history.length > (ds.spec?.revisionHistoryLimit ?? 10)) {
        const all = owned ?? ownedFromIndex(uid, selector);
        let liveHashes: Set<string> | undefined;
        const inUse = (r: ControllerRevision): boolean => (liveHashes ??= new Set(all.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? ""))).has(revisionHash(r));
        await truncateHistory(revisions, ds, st.history, inUse, [current.metadata!.name!]);
      }
    }
    const status: DaemonSetStatus = {
      ...st.tally.counters(),
      ...(ds.metadata?.generation !== undefined ? { observedGeneration: ds.metadata.generation } : {}),
      ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
      ...(ds.status?.conditions ? { conditions: ds.status.conditions } : {}),
    };
    await updateStatus(ds, status);
    if (failure) throw failure;
    if (minReady > 0 && status.numberReady !== status.numberAvailable) return { requeueAfter: minReady * 1000 };
    return undefined;
  }

  /** The set's pods from the index (what a claim keeps: its pods whose labels match). */
  function ownedFromIndex(uid: string, selector: LabelSelector): Pod[] {
    return podInformer.indexer.byIndex(POD_CONTROLLER_INDEX, uid, (p) => selector.matches(p.metadata?.labels ?? {}));
  }

  /**
   * What one node needs (upstream's podsShouldBeOnNode): a pod where there is none and the node
   * should run one, deletion of pods where none should continue running, of failed pods and of
   * surplus pods; unscheduled pods pinned to a node that is gone are deleted (the scheduler can
   * never bind them; pods already bound to a gone node are the pod garbage collector's).
   */
  function planNode(ds: DaemonSetObject, v: NodeView, hash: string, budget: () => { surge: number; unavailable: number }, available: (p: Pod) => boolean, create: string[], victims: Pod[]): void {
    const nodeName = v.name;
    if (!v.verdict) {
      const unscheduled = (p: Pod): boolean => !p.spec?.nodeName && !p.metadata?.deletionTimestamp;
      if (v.pods.some(unscheduled)) victims.push(...v.pods.filter(unscheduled));
      return;
    }
    const { shouldRun, shouldContinueRunning } = v.verdict;
    const here = notDeleting(v.pods);
    if (!shouldContinueRunning) {
      victims.push(...here);
      return;
    }
    if (here.length === 0) {
      if (shouldRun) create.push(nodeName);
      return;
    }
    // One running pod (the steady state): nothing to do here.
    if (here.length === 1 && here[0]!.status?.phase !== "Failed" && here[0]!.status?.phase !== "Succeeded") return;
    const failed = here.filter((p) => p.status?.phase === "Failed");
    for (const p of failed) recorder.eventf(ds, "Warning", "FailedDaemonPod", "Found failed daemon pod %s/%s on node %s, will try to kill it", ds.metadata!.namespace!, p.metadata!.name!, nodeName);
    victims.push(...failed);
    const live = here.filter((p) => p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded").sort(byCreation);
    if (live.length === 0) {
      if (shouldRun && failed.length === 0) create.push(nodeName);
      return;
    }
    if (live.length === 1) return;
    // Several pods: keep the oldest updated one, and with surge the oldest old one while the new one is unavailable.
    const newest = live.filter((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash);
    const keep = new Set<Pod>();
    if (budget().surge > 0 && newest.length > 0) {
      keep.add(newest[0]!);
      const old = live.find((p) => !newest.includes(p));
      if (old && !available(newest[0]!)) keep.add(old);
    } else keep.add(live[0]!);
    victims.push(...live.filter((p) => !keep.has(p)));
  }

  async function updateStatus(ds: DaemonSetObject, status: DaemonSetStatus): Promise<boolean> {
    const s = (ds.status ?? {}) as DaemonSetStatus;
    const keys = ["desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled", "numberReady", "updatedNumberScheduled", "numberAvailable", "numberUnavailable", "observedGeneration"] as const;
    if (keys.every((k) => (s[k] ?? 0) === (status[k] ?? 0))) return false;
    await writeStatus(client, ds, status);
    return true;
  }

  return controller;
}

/** The pods grouped by the node they target (pods targeting none are left out). */
function podsByNode(list: readonly Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of list) {
    const n = targetNodeName(p.spec);
    if (n === undefined) continue;
    let here = out.get(n);
    if (!here) out.set(n, (here = []));
    here.push(p);
  }
  return out;
}
