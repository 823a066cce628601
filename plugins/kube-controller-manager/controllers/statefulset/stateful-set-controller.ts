import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from "kubernetes-types/apps/v1.js";
import type { LabelSelector as LabelSelectorObject, OwnerReference } from "kubernetes-types/meta/v1.js";
import {
  Controller,
  enqueueRequestForObject,
  enqueueRequestsFromMapFunc,
  isStatusError,
  type KubeObject,
  type Manager,
  type SharedInformer,
} from "../../../../core/index.js";
import { controllerRefOf, newControllerRef, requestForControllerOf } from "../workload/controller-ref.js";
import { POD_CONTROLLER_INDEX, ensureControllerIndex } from "../workload/pod-index.js";
import { parsedSelectors } from "../workload/parsed-selectors.js";
import { claim } from "../workload/claim.js";
import { isPodAvailable, isPodReady } from "../workload/pod-state.js";
import { CONTROLLER_REVISION_HASH, currentRevision, templateOfRevision, truncateHistory } from "../workload/controller-revision.js";
import { writeStatus } from "../workload/status-update.js";
import { scaled } from "../deployment/deployment-util.js";
import { claimsFor, ordinalOf, statefulPod } from "./stateful-pod-identity.js";

type StatefulSetObject = StatefulSet & KubeObject;
const SOURCE = "statefulset-controller";

const isTerminating = (p: Pod): boolean => !!p.metadata?.deletionTimestamp;
const isFailed = (p: Pod): boolean => p.status?.phase === "Failed" || p.status?.phase === "Succeeded";
const isRunningAndReady = (p: Pod): boolean => p.status?.phase === "Running" && isPodReady(p);
const revisionOf = (p: Pod): string => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? "";

/**
 * The pods to delete in one rolling-update step (upstream's update loop, with maxUnavailable):
 * `replicas[i]` is the pod of ordinal start+i (or undefined). From the highest ordinal down to
 * `partition`, old-revision pods are deleted while fewer than `maxUnavailable` pods of that range
 * are unavailable (terminating, missing or not available).
 */
export function rollingUpdateVictims(replicas: readonly (Pod | undefined)[], updateRevision: string, partitionIndex: number, maxUnavailable: number, healthy: (p: Pod) => boolean): Pod[] {
  let unavailable = 0;
  for (let i = Math.max(partitionIndex, 0); i < replicas.length; i++) {
    const p = replicas[i];
    if (!p || isTerminating(p) || !healthy(p)) unavailable++;
  }
  const out: Pod[] = [];
  for (let i = replicas.length - 1; i >= Math.max(partitionIndex, 0) && unavailable < maxUnavailable; i--) {
    const p = replicas[i];
    if (!p || isTerminating(p) || revisionOf(p) === updateRevision || !healthy(p)) continue;
    out.push(p);
    unavailable++;
  }
  return out;
}

/**
 * The StatefulSet controller (pkg/controller/statefulset): pods `<set>-<ordinal>` with stable
 * hostname and subdomain, their claims `<template>-<set>-<ordinal>` created first, OrderedReady
 * (one pod at a time, each waiting for its predecessors Running and Ready, scale-down from the
 * highest ordinal) or Parallel management, ControllerRevisions with currentRevision /
 * updateRevision, RollingUpdate with partition and maxUnavailable in reverse ordinal order,
 * OnDelete, persistentVolumeClaimRetentionPolicy, and upstream's status counters and events.
 */
export function statefulSetController(mgr: Manager, workers: number): Controller {
  const sets = mgr.informers.forResource<StatefulSetObject>("StatefulSet");
  const setLister = sets.lister();
  const podInformer = mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>;
  ensureControllerIndex(podInformer);
  const revInformer = mgr.informers.forResource<ControllerRevision>("ControllerRevision") as SharedInformer<ControllerRevision>;
  ensureControllerIndex(revInformer);
  const claimInformer = mgr.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const claimLister = claimInformer.lister();
  const pods = mgr.client.resource<Pod>("Pod");
  const pvcs = mgr.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const revisions = mgr.client.resource<ControllerRevision>("ControllerRevision");
  const client = mgr.client.resource<StatefulSetObject>("StatefulSet");
  const recorder = mgr.getEventRecorderFor(SOURCE);
  /** Set selectors parsed once per selector object: an orphan pod's events are matched against every set of its namespace. */
  const selectorOf = parsedSelectors();

  const controller = new Controller({
    name: "statefulset",
    clock: mgr.clock,
    log: mgr.log.child("statefulset"),
    maxConcurrentReconciles: workers,
    reconciler: { reconcile: (req) => sync(req.namespace!, req.name) },
  });
  controller.watch({ informer: sets, handler: enqueueRequestForObject<StatefulSetObject>() });
  controller.watch({
    informer: podInformer,
    handler: enqueueRequestsFromMapFunc<Pod>((pod) => {
      const ref = controllerRefOf(pod);
      if (ref) return ref.kind === "StatefulSet" ? [{ namespace: pod.metadata!.namespace!, name: ref.name }] : [];
      if (isTerminating(pod)) return [];
      const labels = pod.metadata?.labels ?? {};
      return setLister.namespace(pod.metadata!.namespace!).list().filter((s) => selectorOf(s.spec?.selector as LabelSelectorObject | undefined).matches(labels)).map((s) => ({ namespace: s.metadata!.namespace!, name: s.metadata!.name! }));
    }),
  });
  controller.watch({
    informer: revInformer,
    handler: enqueueRequestsFromMapFunc<ControllerRevision>((rev) => requestForControllerOf(rev, "StatefulSet")),
  });
  mgr.add(controller);

  const event = (set: StatefulSet, verb: "Create" | "Delete", pod: string, err?: unknown): void => {
    if (err === undefined) recorder.eventf(set, "Normal", `Successful${verb}`, "%s Pod %s in StatefulSet %s successful", verb.toLowerCase(), pod, set.metadata!.name!);
    else recorder.eventf(set, "Warning", `Failed${verb}`, "%s Pod %s in StatefulSet %s failed error: %s", verb.toLowerCase(), pod, set.metadata!.name!, err instanceof Error ? err.message : String(err));
  };

  /** Creates the pod's missing claims (createPersistentVolumeClaims), owned by the set when whenDeleted is Delete. */
  async function createClaims(set: StatefulSetObject, ordinal: number, podName: string): Promise<void> {
    const ns = set.metadata!.namespace!;
    const ownedBySet = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete";
    for (const c of claimsFor(set, ordinal)) {
      if (claimLister.namespace(ns).get(c.metadata!.name!)) continue;
      const body: PersistentVolumeClaim = ownedBySet ? { ...c, metadata: { ...c.metadata, ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: set.metadata!.name!, uid: set.metadata!.uid!, blockOwnerDeletion: true }] } } : c;
      try {
        await pvcs.create(body, { namespace: ns, fieldManager: "kube-controller-manager" });
        recorder.eventf(set, "Normal", "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success", c.metadata!.name!, podName, set.metadata!.name!);
      } catch (err) {
        if (isStatusError(err, "AlreadyExists")) continue;
        recorder.eventf(set, "Warning", "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %s", c.metadata!.name!, podName, set.metadata!.name!, err instanceof Error ? err.message : String(err));
        throw err;
      }
    }
  }

  /** whenScaled: Delete — the condemned pod becomes an owner of its claims, so the garbage collector removes them with it. */
  async function releaseClaimsOnScaleDown(set: StatefulSetObject, pod: Pod, ordinal: number): Promise<void> {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== "Delete") return;
    const ref: OwnerReference = { apiVersion: "v1", kind: "Pod", name: pod.metadata!.name!, uid: pod.metadata!.uid!, blockOwnerDeletion: true };
    for (const c of claimsFor(set, ordinal)) {
      const existing = claimLister.namespace(set.metadata!.namespace!).get(c.metadata!.name!);
      if (!existing || existing.metadata?.ownerReferences?.some((r) => r.uid === ref.uid)) continue;
      // An update, as upstream's claim update (the controller's role allows update, not patch).
      await pvcs.update({ ...existing, metadata: { ...existing.metadata, ownerReferences: [...(existing.metadata?.ownerReferences ?? []), ref] } }, { fieldManager: "kube-controller-manager" }).catch((err: unknown) => {
        if (!isStatusError(err, "NotFound")) throw err;
      });
    }
  }

  async function createPod(set: StatefulSetObject, template: PodTemplateSpec, revision: string, ordinal: number): Promise<void> {
    const pod = statefulPod(set, template, revision, ordinal, newControllerRef(set, "apps/v1", "StatefulSet"));
    try {
      await createClaims(set, ordinal, pod.metadata!.name!);
      await pods.create(pod, { namespace: set.metadata!.namespace!, fieldManager: "kube-controller-manager" });
      event(set, "Create", pod.metadata!.name!);
    } catch (err) {
      if (isStatusError(err, "AlreadyExists")) return;
      event(set, "Create", pod.metadata!.name!, err);
      throw err;
    }
  }

  async function deletePod(set: StatefulSetObject, pod: Pod): Promise<void> {
    try {
      await pods.delete(pod.metadata!.name!, { namespace: set.metadata!.namespace!, preconditions: { uid: pod.metadata!.uid! } });
      event(set, "Delete", pod.metadata!.name!);
    } catch (err) {
      if (isStatusError(err, "NotFound") || isStatusError(err, "Conflict")) return;
      event(set, "Delete", pod.metadata!.name!, err);
      throw err;
    }
  }

  async function sync(ns: string, name: string): Promise<{ requeueAfter: number } | void> {
    const set = setLister.namespace(ns).get(name);
    if (!set || set.metadata?.deletionTimestamp) return;
    const selector = selectorOf(set.spec?.selector as LabelSelectorObject | undefined);
    const owned = await claim({ informer: podInformer, client: pods, owner: set, selector, ref: newControllerRef(set, "apps/v1", "StatefulSet"), recheck: () => client.get(name, { namespace: ns }) });
    const history = revInformer.indexer.byIndex(POD_CONTROLLER_INDEX, set.metadata!.uid!).filter((r) => r.metadata?.namespace === ns);
    const { revision: updateRev, collisionCount } = await currentRevision(revisions, set, "apps/v1", "StatefulSet", history);
    const all = history.some((r) => r.metadata!.name === updateRev.metadata!.name) ? history : [...history, updateRev];
    const currentRev = all.find((r) => r.metadata!.name === set.status?.currentRevision) ?? updateRev;
    const updateTemplate = set.spec!.template;
    const currentTemplate = currentRev === updateRev ? updateTemplate : (templateOfRevision(currentRev) as PodTemplateSpec);

    const start = set.spec?.ordinals?.start ?? 0;
    const replicaCount = set.spec?.replicas ?? 1;
    const minReady = set.spec?.minReadySeconds ?? 0;
    const now = mgr.clock.now();
    const healthy = (p: Pod): boolean => isRunningAndReady(p) && !isTerminating(p) && isPodAvailable(p, minReady, now);
    const replicas: (Pod | undefined)[] = new Array(replicaCount).fill(undefined);
    const condemned: Pod[] = [];
    for (const p of owned) {
      const ord = ordinalOf(set, p);
      if (ord < 0) continue;
      if (ord >= start && ord < start + replicaCount) replicas[ord - start] = p;
      else condemned.push(p);
    }
    condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
    const monotonic = (set.spec?.podManagementPolicy ?? "OrderedReady") === "OrderedReady";
    const rolling = (set.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const partition = rolling ? (set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
    const updateName = updateRev.metadata!.name!;
    const currentName = currentRev.metadata!.name!;

    const work = async (): Promise<void> => {
      // Replace failed pods; create missing ones (OrderedReady: one at a time, waiting for each to become Running and Ready).
      const parallel: Promise<void>[] = [];
      for (let i = 0; i < replicas.length; i++) {
        const ord = start + i;
        let pod = replicas[i];
        if (pod && isFailed(pod) && !isTerminating(pod)) {
          await deletePod(set, pod);
          if (monotonic) return;
          pod = replicas[i] = undefined;
          continue;
        }
        if (!pod) {
          const useCurrent = rolling && ord < partition;
          const create = createPod(set, useCurrent ? currentTemplate : updateTemplate, useCurrent ? currentName : updateName, ord);
          if (monotonic) return create;
          parallel.push(create);
          continue;
        }
        if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod))) return;
        if (monotonic && !isPodAvailable(pod, minReady, now)) return;
      }
      await Promise.all(parallel);
      if (parallel.length > 0 && monotonic) return;
      // Scale down from the highest ordinal (OrderedReady: one at a time, only when the rest are healthy).
      for (const pod of condemned) {
        if (isTerminating(pod)) {
          if (monotonic) return;
          continue;
        }
        if (monotonic && replicas.some((p) => !p || !isRunningAndReady(p))) return;
        await releaseClaimsOnScaleDown(set, pod, ordinalOf(set, pod));
        await deletePod(set, pod);
        if (monotonic) return;
      }
      if (condemned.length > 0 && monotonic) return;
      if (!rolling) return;
      const maxUnavailable = Math.max(1, scaled((set.spec?.updateStrategy?.rollingUpdate as { maxUnavailable?: number | string } | undefined)?.maxUnavailable ?? 1, replicaCount, false));
      for (const pod of rollingUpdateVictims(replicas, updateName, partition - start, maxUnavailable, healthy)) await deletePod(set, pod);
    };
    await work();

    const live = owned.filter((p) => !isTerminating(p) && ordinalOf(set, p) >= 0);
    const status = computeStatus(set, live, currentName, updateName, minReady, now, replicaCount, collisionCount ?? 0);
    await updateStatus(set, status);
    const liveRevisions = new Set(owned.map(revisionOf));
    await truncateHistory(revisions, set, all, (r) => liveRevisions.has(r.metadata!.name!), [currentName, updateName].filter((n, i, a) => a.indexOf(n) === i));
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) return { requeueAfter: minReady * 1000 };
    return undefined;
  }

  function computeStatus(set: StatefulSetObject, live: readonly Pod[], currentName: string, updateName: string, minReady: number, now: number, replicaCount: number, collisionCount: number): StatefulSetStatus {
    let ready = 0;
    let available = 0;
    let current = 0;
    let updated = 0;
    for (const p of live) {
      if (isRunningAndReady(p)) {
        ready++;
        if (isPodAvailable(p, minReady, now)) available++;
      }
      if (revisionOf(p) === currentName) current++;
      if (revisionOf(p) === updateName) updated++;
    }
    const status: StatefulSetStatus = {
      replicas: live.length,
      readyReplicas: ready,
      availableReplicas: available,
      currentReplicas: current,
      updatedReplicas: updated,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount,
      ...(set.metadata?.generation !== undefined ? { observedGeneration: set.metadata.generation } : {}),
    };
    // completeRollingUpdate: once every pod is updated and ready, the update revision becomes current.
    if ((set.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate" && updated === replicaCount && ready === replicaCount && live.length === replicaCount) {
      status.currentRevision = updateName;
      status.currentReplicas = updated;
    }
    return status;
  }

  async function updateStatus(set: StatefulSetObject, status: StatefulSetStatus): Promise<void> {
    const s = (set.status ?? {}) as StatefulSetStatus;
    const keys = ["replicas", "readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas", "currentRevision", "updateRevision", "observedGeneration", "collisionCount"] as const;
    if (keys.every((k) => (s[k] ?? 0) === (status[k] ?? 0))) return;
    await writeStatus(client, set, status);
  }

  return controller;
}
