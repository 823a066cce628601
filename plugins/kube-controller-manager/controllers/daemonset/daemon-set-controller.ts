import type { Node, Pod, PodSpec } from "kubernetes-types/core/v1.js";
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from "kubernetes-types/apps/v1.js";
import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";
import {
  Controller,
  enqueueRequestForObject,
  enqueueRequestsFromMapFunc,
  isStatusError,
  labelSelectorFromObject,
  type KubeObject,
  type LabelSelector,
  type Manager,
  type Predicate,
  type SharedInformer,
} from "../../../../core/index.js";
import { controllerRefOf, newControllerRef, requestForControllerOf } from "../workload/controller-ref.js";
import { Expectations } from "../workload/expectations.js";
import { POD_CONTROLLER_INDEX, ensureControllerIndex } from "../workload/pod-index.js";
import { claim } from "../workload/claim.js";
import { isPodAvailable, isPodReady } from "../workload/pod-state.js";
import { podFromTemplate } from "../workload/pod-template.js";
import { slowStartBatch } from "../workload/slow-start.js";
import { CONTROLLER_REVISION_HASH, currentRevision, revisionHash, truncateHistory } from "../workload/controller-revision.js";
import { writeStatus } from "../workload/status-update.js";
import { scaled } from "../deployment/deployment-util.js";
import { daemonPodTolerations, nodeShouldRunDaemonPod, pinToNode, targetNodeName } from "./node-eligibility.js";

type DaemonSetObject = DaemonSet & KubeObject;

/**
 * nodeShouldRunDaemonPod, memoised per (template spec, node) object pair: both come from
 * informers and are immutable, so a sync (three passes over every node) only evaluates nodes
 * that changed since the last one.
 */
const eligibility = new WeakMap<PodSpec, WeakMap<Node, { shouldRun: boolean; shouldContinueRunning: boolean }>>();
/** The memoised eligibility test of `spec`'s pods, one node at a time. */
function eligibilityOf(spec: PodSpec): (node: Node) => { shouldRun: boolean; shouldContinueRunning: boolean } {
  let perNode = eligibility.get(spec);
  if (!perNode) eligibility.set(spec, (perNode = new WeakMap()));
  const memo = perNode;
  return (node) => {
    let r = memo.get(node);
    if (!r) memo.set(node, (r = nodeShouldRunDaemonPod(node, spec)));
    return r;
  };
}

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

const byCreation = (a: Pod, b: Pod): number => (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "") || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");

/**
 * The DaemonSet controller (pkg/controller/daemon): one pod per eligible node. A node is eligible
 * when the template's nodeSelector and required node affinity match it and its NoSchedule and
 * NoExecute taints are tolerated (with the tolerations the controller adds to every daemon pod).
 * Pods are created with a required node affinity on `metadata.name` and placed by the scheduler.
 * Surplus pods on a node, pods on nodes that stopped being eligible or were removed, and failed
 * pods are deleted. Templates are recorded as ControllerRevisions `<ds>-<hash>`; RollingUpdate
 * replaces old pods within maxUnavailable / maxSurge, OnDelete only when a pod is deleted.
 * Status carries every counter upstream writes.
 */
export function daemonSetController(mgr: Manager, workers: number): Controller {
  const sets = mgr.informers.forResource<DaemonSetObject>("DaemonSet");
  const setLister = sets.lister();
  const nodes = mgr.informers.forResource<Node>("Node");
  const nodeLister = nodes.lister();
  const podInformer = mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>;
  ensureControllerIndex(podInformer);
  const revInformer = mgr.informers.forResource<ControllerRevision>("ControllerRevision") as SharedInformer<ControllerRevision>;
  ensureControllerIndex(revInformer);
  const pods = mgr.client.resource<Pod>("Pod");
  const revisions = mgr.client.resource<ControllerRevision>("ControllerRevision");
  const client = mgr.client.resource<DaemonSetObject>("DaemonSet");
  const recorder = mgr.getEventRecorderFor(SOURCE);
  const expectations = new Expectations(mgr.clock);
  const keyOf = (ns: string, name: string): string => `${ns}/${name}`;
  const podKey = (pod: Pod): string => keyOf(pod.metadata!.namespace!, pod.metadata!.name!);
  const selectorOf = (ds: DaemonSet): LabelSelector => labelSelectorFromObject(ds.spec?.selector as LabelSelectorObject | undefined);
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
  const allSets = (): { namespace: string; name: string }[] => setLister.list().map((ds) => ({ namespace: ds.metadata!.namespace!, name: ds.metadata!.name! }));
  controller.watch({ informer: sets, handler: enqueueRequestForObject<DaemonSetObject>() });
  controller.watch({
    informer: podInformer,
    predicates: [observe],
    handler: enqueueRequestsFromMapFunc<Pod>((pod) => {
      const ref = controllerRefOf(pod);
      if (ref) return ref.kind === "DaemonSet" ? [{ namespace: pod.metadata!.namespace!, name: ref.name }] : [];
      if (pod.metadata?.deletionTimestamp) return [];
      const labels = pod.metadata?.labels ?? {};
      return setLister.namespace(pod.metadata!.namespace!).list().filter((ds) => selectorOf(ds).matches(labels)).map((ds) => ({ namespace: ds.metadata!.namespace!, name: ds.metadata!.name! }));
    }),
  });
  controller.watch({
    informer: nodes,
    predicates: [
      {
        update: (o, n) =>
          JSON.stringify(o.metadata?.labels) !== JSON.stringify(n.metadata?.labels) || JSON.stringify(o.spec?.taints) !== JSON.stringify(n.spec?.taints),
      },
    ],
    handler: enqueueRequestsFromMapFunc<Node>(allSets),
  });
  controller.watch({
    informer: revInformer,
    handler: enqueueRequestsFromMapFunc<ControllerRevision>((rev) => requestForControllerOf(rev, "DaemonSet")),
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
    if (!ds) {
      expectations.delete(key);
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;
    const selector = selectorOf(ds);
    const owned = await claim({ informer: podInformer, client: pods, owner: ds, selector, ref: newControllerRef(ds, "apps/v1", "DaemonSet"), recheck: () => client.get(name, { namespace: ns }) });
    const history = revInformer.indexer.byIndex(POD_CONTROLLER_INDEX, ds.metadata!.uid!).filter((r) => r.metadata?.namespace === ns);
    const { revision: current } = await currentRevision(revisions, ds, "apps/v1", "DaemonSet", history, async () => {
      const fresh = await client.get(name, { namespace: ns });
      await client.updateSubresource(name, "status", { ...fresh, status: { ...fresh.status, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 } }, { namespace: ns });
    });
    const hash = revisionHash(current);
    const nodeList = nodeLister.list();
    const nodeToPods = new Map<string, Pod[]>();
    for (const p of owned) {
      const n = targetNodeName(p.spec);
      if (n === undefined) continue;
      let list = nodeToPods.get(n);
      if (!list) nodeToPods.set(n, (list = []));
      list.push(p);
    }
    const now = mgr.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const available = (p: Pod): boolean => isPodAvailable(p, minReady, now);
    const rolling = (ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
    let failure: unknown;
    const eligible = eligibilityOf(ds.spec!.template.spec!);
    if (expectations.satisfied(key)) {
      let budgetMemo: { surge: number; unavailable: number } | undefined;
      const budget = (): { surge: number; unavailable: number } => {
        if (budgetMemo) return budgetMemo;
        let desired = 0;
        for (const node of nodeList) if (eligible(node).shouldRun) desired++;
        return (budgetMemo = rolling ? daemonSetBudget(ds, desired) : { surge: 0, unavailable: 0 });
      };
      const create: string[] = [];
      const victims: Pod[] = [];
      for (const node of nodeList) {
        const nodeName = node.metadata!.name!;
        const { shouldRun, shouldContinueRunning } = eligible(node);
        const here = notDeleting(nodeToPods.get(nodeName));
        if (!shouldContinueRunning) {
          victims.push(...here);
          continue;
        }
        if (here.length === 0) {
          if (shouldRun) create.push(nodeName);
          continue;
        }
        // One running pod (the steady state): nothing to do here.
        if (here.length === 1 && here[0]!.status?.phase !== "Failed" && here[0]!.status?.phase !== "Succeeded") continue;
        const failed = here.filter((p) => p.status?.phase === "Failed");
        for (const p of failed) recorder.eventf(ds, "Warning", "FailedDaemonPod", "Found failed daemon pod %s/%s on node %s, will try to kill it", ns, p.metadata!.name!, nodeName);
        victims.push(...failed);
        const live = here.filter((p) => p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded").sort(byCreation);
        if (live.length === 0) {
          if (shouldRun && failed.length === 0) create.push(nodeName);
          continue;
        }
        if (live.length === 1) continue;
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
      // Unscheduled pods pinned to a node that is gone (getUnscheduledPodsWithoutNode): the scheduler
      // can never bind them. Pods already bound to a gone node are the pod garbage collector's.
      // (No await since nodeList was read: the lister still holds the same nodes.)
      for (const [nodeName, list] of nodeToPods) {
        const unscheduled = (p: Pod): boolean => !p.spec?.nodeName && !p.metadata?.deletionTimestamp;
        if (list.some(unscheduled) && !nodeLister.get(nodeName)) victims.push(...list.filter(unscheduled));
      }
      // Only old pods make a rolling update step (it deletes old pods and surges next to them).
      if (rolling && victims.length === 0 && create.length === 0 && owned.some((p) => !p.metadata?.deletionTimestamp && p.metadata?.labels?.[CONTROLLER_REVISION_HASH] !== hash)) {
        const step = rollingUpdateStep(nodeToPods, hash, budget(), available);
        victims.push(...step.deletePods);
        create.push(...step.surgeNodes);
      }
      const [createErr, deleteErr] = await Promise.all([createOn(ds, create, hash, key), deletePods(ds, victims, key)]);
      if (create.length > 0 && victims.length > 0) expectations.expectCreations(key, 0);
      failure = createErr ?? deleteErr;
      // The live hashes are collected only when a revision besides the current one asks.
      let liveHashes: Set<string> | undefined;
      const inUse = (r: ControllerRevision): boolean => (liveHashes ??= new Set(owned.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? ""))).has(revisionHash(r));
      await truncateHistory(revisions, ds, history, inUse, [current.metadata!.name!]);
    }
    const status = computeStatus(ds, nodeList, nodeToPods, hash, available, eligible);
    const updated = await updateStatus(ds, status);
    if (failure) throw failure;
    if (minReady > 0 && status.numberReady !== status.numberAvailable) return { requeueAfter: minReady * 1000 };
    if (updated) return undefined;
    return undefined;
  }

  function computeStatus(ds: DaemonSetObject, nodeList: readonly Node[], nodeToPods: ReadonlyMap<string, readonly Pod[]>, hash: string, available: (p: Pod) => boolean, eligible: (node: Node) => { shouldRun: boolean }): DaemonSetStatus {
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let availableN = 0;
    let updated = 0;
    for (const node of nodeList) {
      const { shouldRun } = eligible(node);
      const here = notDeleting(nodeToPods.get(node.metadata!.name!));
      if (shouldRun) {
        desired++;
        if (here.length === 0) continue;
        current++;
        const pod = here.length === 1 ? here[0]! : [...here].sort(byCreation)[0]!;
        if (isPodReady(pod)) {
          ready++;
          if (available(pod)) availableN++;
        }
        if (here.length === 1 ? here[0]!.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash : here.some((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash)) updated++;
      } else if (here.length > 0) misscheduled++;
    }
    return {
      desiredNumberScheduled: desired,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      updatedNumberScheduled: updated,
      numberAvailable: availableN,
      numberUnavailable: desired - availableN,
      ...(ds.metadata?.generation !== undefined ? { observedGeneration: ds.metadata.generation } : {}),
      ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
      ...(ds.status?.conditions ? { conditions: ds.status.conditions } : {}),
    };
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
