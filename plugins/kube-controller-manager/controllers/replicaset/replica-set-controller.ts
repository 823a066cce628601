import type { Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { Condition, OwnerReference } from "kubernetes-types/meta/v1.js";
import {
  Controller,
  enqueueRequestForObject,
  enqueueRequestsFromMapFunc,
  isStatusError,
  labelSelectorFromSet,
  type KubeObject,
  type LabelSelector,
  type Manager,
  type Predicate,
  type Request,
  type SharedInformer,
} from "../../../../core/index.js";
import { rfc3339Of } from "../workload/time.js";
import { controllerRefOf, newControllerRef } from "../workload/controller-ref.js";
import { Expectations } from "../workload/expectations.js";
import { POD_CONTROLLER_INDEX, POD_OWNER_NODE_INDEX, POD_OWNER_STATE_INDEX, ensureControllerIndex, ensureOwnerNodeIndex, ensureOwnerStateIndex, orphanKey } from "../workload/pod-index.js";
import { claim } from "../workload/claim.js";
import { isPodActive, isPodAvailable, isPodReady } from "../workload/pod-state.js";
import { podsToDeleteRanked } from "../workload/pod-deletion-ranking.js";
import { slowStartBatch } from "../workload/slow-start.js";
import { podFromTemplate } from "../workload/pod-template.js";

/** Upstream's BurstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

/** A ReplicaSet or a ReplicationController: the fields this controller reads. */
export interface ReplicatedObject extends KubeObject {
  spec?: { replicas?: number; minReadySeconds?: number; template?: PodTemplateSpec; selector?: unknown };
  status?: {
    replicas?: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

/** What differs between ReplicaSets and ReplicationControllers. */
export interface ReplicatedKind {
  /** Controller name (queue, logs) and event source. */
  readonly name: string;
  readonly eventSource: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** The selector of an object (`metav1.LabelSelector` or a plain map). */
  selector(obj: ReplicatedObject): LabelSelector;
}

export interface ReplicaSetControllerOptions {
  workers: number;
}

/** A set's pods by state: what its status reports. */
interface PodCounts {
  active: number;
  fullyLabeled: number;
  ready: number;
  available: number;
}

/** The labels {@link labelsKey} wrote. */
function labelsOfKey(key: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!key) return out;
  for (const pair of key.split(",")) {
    const eq = pair.indexOf("=");
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * The ReplicaSet controller (pkg/controller/replicaset), shared by ReplicationControllers: keeps
 * `spec.replicas` active pods matching the selector. It adopts matching orphans and releases
 * owned pods whose labels stopped matching (controllerRef), creates missing pods in slow-start
 * batches and deletes surplus ones in upstream's ranking (at most 500 per sync), waits for its
 * own creates and deletes to come back through the informer before acting again (expectations),
 * and writes status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for
 * minReadySeconds), observedGeneration and the ReplicaFailure condition.
 */
export function replicaSetController(mgr: Manager, kind: ReplicatedKind, options: ReplicaSetControllerOptions): Controller {
  const sets = mgr.informers.forResource<ReplicatedObject>({ apiVersion: kind.apiVersion, kind: kind.kind });
  const podInformer = mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>;
  ensureControllerIndex(podInformer);
  ensureOwnerStateIndex(podInformer, (pod) => (!isPodActive(pod) ? "inactive" : isPodReady(pod) ? "ready" : "active"));
  ensureOwnerNodeIndex(podInformer, isPodActive);
  const setLister = sets.lister();
  const pods = mgr.client.resource<Pod>("Pod");
  const client = mgr.client.resource<ReplicatedObject>({ apiVersion: kind.apiVersion, kind: kind.kind });
  const recorder = mgr.getEventRecorderFor(kind.eventSource);
  const expectations = new Expectations(mgr.clock);
  /**
   * A set's parsed selector and template-label selector, by namespace/name for its uid and
   * generation (the API server moves it on every spec change): a set whose status alone was
   * written, a new object each time, is not parsed again. {@link sync} drops a deleted set's entry.
   */
  const parsed = new Map<string, { uid: string | undefined; generation: number | undefined; selector: LabelSelector; templateLabels: LabelSelector }>();
  const parsedOf = (rs: ReplicatedObject): { selector: LabelSelector; templateLabels: LabelSelector } => {
    const key = keyOf(rs.metadata?.namespace ?? "", rs.metadata?.name ?? "");
    const uid = rs.metadata?.uid;
    const generation = rs.metadata?.generation;
    let p = parsed.get(key);
    if (!p || p.uid !== uid || p.generation !== generation || generation === undefined) {
      p = { uid, generation, selector: kind.selector(rs), templateLabels: labelSelectorFromSet(rs.spec?.template?.metadata?.labels ?? {}) };
      parsed.set(key, p);
    }
    return p;
  };
  const selectorOf = (rs: ReplicatedObject): LabelSelector => parsedOf(rs).selector;
  /** The labels of {@link POD_OWNER_STATE_INDEX} values, parsed once per value (a set's pods share a few). */
  const valueLabels = new Map<string, Record<string, string>>();
  const labelsOfValue = (value: string, labelsPart: string): Record<string, string> => {
    let labels = valueLabels.get(value);
    if (!labels) {
      if (valueLabels.size >= 4096) valueLabels.clear();
      valueLabels.set(value, (labels = labelsOfKey(labelsPart)));
    }
    return labels;
  };
  const keyOf = (ns: string, name: string): string => `${ns}/${name}`;
  const podKey = (pod: Pod): string => keyOf(pod.metadata!.namespace!, pod.metadata!.name!);

  /** The set a pod's controllerRef names, if it is of our kind and still exists with that uid. */
  const ownerOf = (pod: Pod, ref: OwnerReference | undefined = controllerRefOf(pod)): ReplicatedObject | undefined => {
    if (!ref || ref.kind !== kind.kind) return undefined;
    const rs = setLister.namespace(pod.metadata!.namespace!).get(ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  };
  const matching = (pod: Pod): ReplicatedObject[] => {
    const labels = pod.metadata?.labels ?? {};
    return setLister.namespace(pod.metadata!.namespace!).list().filter((rs) => selectorOf(rs).matches(labels));
  };
  const toRequest = (rs: ReplicatedObject): Request => ({ namespace: rs.metadata!.namespace!, name: rs.metadata!.name! });

  // Observes expectations before the event is enqueued (same handler, so never after the sync it triggers).
  const observe: Predicate<Pod> = {
    create(pod) {
      const rs = ownerOf(pod);
      if (rs) {
        if (pod.metadata?.deletionTimestamp) expectations.deletionObserved(keyOf(rs.metadata!.namespace!, rs.metadata!.name!), podKey(pod));
        else expectations.creationObserved(keyOf(rs.metadata!.namespace!, rs.metadata!.name!));
      }
      return true;
    },
    update(oldPod, newPod) {
      if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return false;
      if (newPod.metadata?.deletionTimestamp && !oldPod.metadata?.deletionTimestamp) {
        const rs = ownerOf(newPod);
        if (rs) expectations.deletionObserved(keyOf(rs.metadata!.namespace!, rs.metadata!.name!), podKey(newPod));
      }
      return true;
    },
    delete(pod) {
      const ref = controllerRefOf(pod);
      if (ref && ref.kind === kind.kind) expectations.deletionObserved(keyOf(pod.metadata!.namespace!, ref.name), podKey(pod));
      return true;
    },
  };

  const controller = new Controller({
    name: kind.name,
    clock: mgr.clock,
    log: mgr.log.child(kind.name),
    maxConcurrentReconciles: options.workers,
    reconciler: { reconcile: (req) => sync(req.namespace!, req.name) },
  });
  controller.watch({ informer: sets, handler: enqueueRequestForObject() });
  controller.watch({
    informer: podInformer,
    predicates: [observe],
    handler: enqueueRequestsFromMapFunc<Pod>((pod) => {
      const ref = controllerRefOf(pod);
      if (ref) return ref.kind === kind.kind ? [{ namespace: pod.metadata!.namespace!, name: ref.name }] : [];
      if (pod.metadata?.deletionTimestamp) return [];
      return matching(pod).map(toRequest);
    }),
  });
  mgr.add(controller);

  /** Owned pods after adoption and release (ClaimPods). */
  const claimPods = (rs: ReplicatedObject): Promise<Pod[]> =>
    claim({ informer: podInformer, client: pods, owner: rs, selector: selectorOf(rs), ref: newControllerRef(rs, kind.apiVersion, kind.kind), recheck: () => client.get(rs.metadata!.name!, { namespace: rs.metadata!.namespace! }) });

  /**
   * How many active pods of this set and of its siblings under the same controller (a
   * Deployment) run on a node, for ranking: from {@link POD_OWNER_NODE_INDEX}, no walk over them.
   */
  function relatedOnNode(rs: ReplicatedObject): (node: string) => number {
    const owner = controllerRefOf(rs);
    const uids = [rs.metadata!.uid!];
    if (owner) {
      for (const sibling of setLister.namespace(rs.metadata!.namespace!).list()) {
        if (sibling.metadata!.uid !== rs.metadata!.uid && controllerRefOf(sibling)?.uid === owner.uid) uids.push(sibling.metadata!.uid!);
      }
    }
    return (node) => {
      let n = 0;
      for (const uid of uids) n += podInformer.indexer.countByIndex(POD_OWNER_NODE_INDEX, `${uid}/${node}`);
      return n;
    };
  }

  async function manageReplicas(activeCount: number, activePods: () => Promise<Pod[]>, rs: ReplicatedObject, key: string): Promise<{ reason: string; error: unknown } | undefined> {
    const want = rs.spec?.replicas ?? 1;
    const diff = activeCount - want;
    const ns = rs.metadata!.namespace!;
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      expectations.expectCreations(key, n);
      const template = podFromTemplate(rs.spec!.template!, rs, newControllerRef(rs, kind.apiVersion, kind.kind));
      const { successes, error } = await slowStartBatch(n, async () => {
        try {
          const pod = await pods.create(template, { namespace: ns, fieldManager: "kube-controller-manager" });
          recorder.eventf(rs, "Normal", "SuccessfulCreate", "Created pod: %s", pod.metadata!.name!);
        } catch (err) {
          recorder.eventf(rs, "Warning", "FailedCreate", "Error creating: %s", err instanceof Error ? err.message : String(err));
          throw err;
        }
      });
      // Creates that failed or were never tried will not show up in the informer.
      for (let i = successes; i < n; i++) expectations.creationObserved(key);
      return error === undefined ? undefined : { reason: "FailedCreate", error };
    }
    if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDeleteRanked(await activePods(), relatedOnNode(rs), n, mgr.clock.now());
      expectations.expectDeletions(key, victims.map(podKey));
      let failure: { reason: string; error: unknown } | undefined;
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await pods.delete(pod.metadata!.name!, { namespace: ns });
            recorder.eventf(rs, "Normal", "SuccessfulDelete", "Deleted pod: %s", pod.metadata!.name!);
          } catch (err) {
            expectations.deletionObserved(key, podKey(pod));
            if (isStatusError(err, "NotFound")) return;
            recorder.eventf(rs, "Warning", "FailedDelete", "Error deleting: %s", err instanceof Error ? err.message : String(err));
            failure ??= { reason: "FailedDelete", error: err };
          }
        }),
      );
      return failure;
    }
    return undefined;
  }

  async function sync(ns: string, name: string): Promise<{ requeueAfter: number } | void> {
    const key = keyOf(ns, name);
    const rs = setLister.namespace(ns).get(name);
    if (!rs) {
      expectations.delete(key);
      parsed.delete(key);
      return;
    }
    const needsSync = expectations.satisfied(key);
    const now = mgr.clock.now();
    // Counts from the owner-state index when nothing is to be adopted or released (the usual
    // sync): no walk over the set's pods. Otherwise (and for minReadySeconds) ClaimPods and a count over them.
    const counted = countOwnedPods(rs);
    let active: Pod[] | undefined;
    // With counts from the index every owned pod matches the selector and there are no orphans:
    // ClaimPods would return the owned pods unchanged, so they come straight from the index.
    const activePods = async (): Promise<Pod[]> => (active ??= counted ? podInformer.indexer.byIndex(POD_CONTROLLER_INDEX, rs.metadata!.uid!, isPodActive) : (await claimPods(rs)).filter(isPodActive));
    if (!counted) await activePods();
    const activeCount = counted ? counted.active : active!.length;
    let failure: { reason: string; error: unknown } | undefined;
    if (needsSync && !rs.metadata?.deletionTimestamp) failure = await manageReplicas(activeCount, activePods, rs, key);
    const status = statusOf(rs, counted ?? countPods(rs, active!, now), failure, now);
    const updated = await updateStatus(rs, status);
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (failure) throw failure.error;
    if (updated && minReady > 0 && status.readyReplicas === rs.spec?.replicas && status.availableReplicas !== rs.spec?.replicas) return { requeueAfter: minReady * 1000 };
    return undefined;
  }

  /**
   * The set's active, fully labelled, ready and available pods from {@link POD_OWNER_STATE_INDEX}
   * (each label set matched once), or undefined when a walk is needed: an owned label set the
   * selector no longer matches (ClaimPods releases those), orphans in the namespace (it may adopt
   * them), or minReadySeconds (availability depends on the time).
   */
  function countOwnedPods(rs: ReplicatedObject): PodCounts | undefined {
    if ((rs.spec?.minReadySeconds ?? 0) > 0) return undefined;
    if (podInformer.indexer.countByIndex(POD_CONTROLLER_INDEX, orphanKey(rs.metadata!.namespace!)) > 0) return undefined;
    const prefix = `${rs.metadata!.uid!}/`;
    const { selector, templateLabels } = parsedOf(rs);
    const counts: PodCounts = { active: 0, fullyLabeled: 0, ready: 0, available: 0 };
    for (const value of podInformer.indexer.listIndexFuncValues(POD_OWNER_STATE_INDEX)) {
      if (!value.startsWith(prefix)) continue;
      const cut = value.indexOf("/", prefix.length);
      const state = value.slice(prefix.length, cut);
      const labels = labelsOfValue(value, value.slice(cut + 1));
      const n = podInformer.indexer.countByIndex(POD_OWNER_STATE_INDEX, value);
      if (!selector.matches(labels)) return undefined;
      if (state === "inactive") continue;
      counts.active += n;
      if (templateLabels.matches(labels)) counts.fullyLabeled += n;
      if (state === "ready") {
        counts.ready += n;
        counts.available += n;
      }
    }
    return counts;
  }

  /** The same counts over claimed active pods. */
  function countPods(rs: ReplicatedObject, active: Pod[], now: number): PodCounts {
    const templateLabels = labelSelectorFromSet(rs.spec?.template?.metadata?.labels ?? {});
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const counts: PodCounts = { active: active.length, fullyLabeled: 0, ready: 0, available: 0 };
    for (const pod of active) {
      if (templateLabels.matches(pod.metadata?.labels ?? {})) counts.fullyLabeled++;
      if (isPodReady(pod)) {
        counts.ready++;
        if (isPodAvailable(pod, minReady, now)) counts.available++;
      }
    }
    return counts;
  }

  function statusOf(rs: ReplicatedObject, counts: PodCounts, failure: { reason: string; error: unknown } | undefined, now: number): NonNullable<ReplicatedObject["status"]> {
    let conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
    const existing = rs.status?.conditions?.find((c) => c.type === "ReplicaFailure");
    if (failure) {
      const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
      conditions = [...conditions, existing ?? { type: "ReplicaFailure", status: "True", lastTransitionTime: rfc3339Of(now), reason: failure.reason, message }];
    }
    return {
      replicas: counts.active,
      fullyLabeledReplicas: counts.fullyLabeled,
      readyReplicas: counts.ready,
      availableReplicas: counts.available,
      ...(rs.metadata?.generation !== undefined ? { observedGeneration: rs.metadata.generation } : {}),
      ...(conditions.length > 0 ? { conditions } : {}),
    };
  }

  async function updateStatus(rs: ReplicatedObject, status: NonNullable<ReplicatedObject["status"]>): Promise<boolean> {
    const s = rs.status ?? {};
    if (
      (s.replicas ?? 0) === status.replicas &&
      (s.fullyLabeledReplicas ?? 0) === status.fullyLabeledReplicas &&
      (s.readyReplicas ?? 0) === status.readyReplicas &&
      (s.availableReplicas ?? 0) === status.availableReplicas &&
      s.observedGeneration === status.observedGeneration &&
      JSON.stringify(s.conditions ?? []) === JSON.stringify(status.conditions ?? [])
    ) {
      return false;
    }
    let current: ReplicatedObject = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        await client.updateSubresource(current.metadata!.name!, "status", { ...current, status }, { namespace: current.metadata!.namespace! });
        return true;
      } catch (err) {
        if (attempt > 0 || !isStatusError(err, "Conflict")) {
          if (isStatusError(err, "NotFound")) return false;
          throw err;
        }
        current = await client.get(rs.metadata!.name!, { namespace: rs.metadata!.namespace! });
      }
    }
  }

  return controller;
}
