import type { Deployment, DeploymentStatus, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import {
  Controller,
  enqueueRequestForObject,
  enqueueRequestsFromMapFunc,
  isStatusError,
  type Manager,
  type SharedInformer,
} from "../../../../core/index.js";
import { claim } from "../workload/claim.js";
import { controllerRefOf, newControllerRef } from "../workload/controller-ref.js";
import { parsedSelectors } from "../workload/parsed-selectors.js";
import { ensureControllerIndex, POD_CONTROLLER_INDEX } from "../workload/pod-index.js";
import { rfc3339Of } from "../workload/time.js";
import {
  byCreation,
  conditionOf,
  DESIRED_REPLICAS,
  FAILED_RS_CREATE,
  findNewReplicaSet,
  FOUND_NEW_RS,
  hasProgressDeadline,
  isRollingUpdate,
  maxSurge,
  maxUnavailable,
  NEW_RS_AVAILABLE,
  NEW_RS_CREATED,
  newCondition,
  newRSNewReplicas,
  PAUSED,
  proportion,
  removeCondition,
  replicasOf,
  RESUMED,
  REVISION,
  revisionOf,
  RS_UPDATED,
  rsReplicas,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  TIMED_OUT,
} from "./deployment-util.js";
import { computeHash, POD_TEMPLATE_HASH } from "./pod-template-hash.js";

const CONTROLLER = "deployment-controller";

type Result = { requeueAfter: number } | void;

/**
 * The Deployment controller (pkg/controller/deployment): owns ReplicaSets named
 * `<deployment>-<pod-template-hash>`, rolls from old to new with RollingUpdate (maxSurge rounded
 * up, maxUnavailable rounded down) or Recreate, scales proportionally while a rollout is under way
 * or paused, keeps revision / revision-history / change-cause annotations, removes ReplicaSets
 * past revisionHistoryLimit, and reports replicas, conditions (Available, Progressing with
 * NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated / NewReplicaSetAvailable /
 * ProgressDeadlineExceeded / DeploymentPaused / DeploymentResumed, ReplicaFailure) and
 * `ScalingReplicaSet` events.
 */
export function deploymentController(mgr: Manager, workers: number): Controller {
  const deployments = mgr.informers.forResource<Deployment>("deployments.apps");
  const rsInformer = mgr.informers.forResource<ReplicaSet>("replicasets.apps") as SharedInformer<ReplicaSet>;
  const podInformer = mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>;
  ensureControllerIndex(rsInformer);
  ensureControllerIndex(podInformer);
  const dLister = deployments.lister();
  const rsLister = rsInformer.lister();
  const dClient = mgr.client.resource<Deployment>("deployments.apps");
  const rsClient = mgr.client.resource<ReplicaSet>("replicasets.apps");
  const recorder = mgr.getEventRecorderFor(CONTROLLER);
  const now = (): string => rfc3339Of(mgr.clock.now());
  /** Deployment selectors parsed once per selector object (immutable once in the informer; a status write keeps it). */
  const selectorOf = parsedSelectors();

  const controller = new Controller({ name: "deployment", clock: mgr.clock, log: mgr.log.child("deployment"), maxConcurrentReconciles: workers, reconciler: { reconcile: (req) => syncDeployment(req.namespace!, req.name) } });
  controller.watch({ informer: deployments, handler: enqueueRequestForObject<Deployment>() });
  controller.watch({
    informer: rsInformer,
    handler: enqueueRequestsFromMapFunc<ReplicaSet>((rs) => {
      const ns = rs.metadata!.namespace!;
      const ref = controllerRefOf(rs);
      if (ref) return ref.kind === "Deployment" ? [{ namespace: ns, name: ref.name }] : [];
      const labels = rs.metadata?.labels ?? {};
      return dLister
        .namespace(ns)
        .list()
        .filter((d) => d.spec?.selector && selectorOf(d.spec.selector).matches(labels))
        .map((d) => ({ namespace: ns, name: d.metadata!.name! }));
    }),
  });
  // A Recreate rollout waits for the old pods to be gone.
  controller.watch({
    informer: podInformer,
    predicates: [{ create: () => false, update: () => false }],
    handler: enqueueRequestsFromMapFunc<Pod>((pod) => {
      const ref = controllerRefOf(pod);
      if (ref?.kind !== "ReplicaSet") return [];
      const rs = rsLister.namespace(pod.metadata!.namespace!).get(ref.name);
      const owner = rs && controllerRefOf(rs);
      return owner?.kind === "Deployment" ? [{ namespace: pod.metadata!.namespace!, name: owner.name }] : [];
    }),
  });
  mgr.add(controller);

  /** The Deployment being synced: refreshed after every write so the next one has its resourceVersion. */
  interface Ctx {
    d: Deployment;
  }

  async function updateStatus(c: Ctx, status: DeploymentStatus, annotations?: Record<string, string>): Promise<void> {
    const body: Deployment = { ...c.d, metadata: { ...c.d.metadata, ...(annotations ? { annotations } : {}) }, status };
    c.d = await dClient.updateSubresource(c.d.metadata!.name!, "status", body, { namespace: c.d.metadata!.namespace! });
  }

  async function scaleReplicaSet(c: Ctx, rs: ReplicaSet, newScale: number, operation: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = c.d;
    const sizeChanged = rsReplicas(rs) !== newScale;
    const annotations = { ...(rs.metadata?.annotations ?? {}) };
    const annotationsChanged = setReplicasAnnotations(annotations, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeChanged && !annotationsChanged) return { scaled: false, rs };
    const updated = await rsClient.update({ ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec!, replicas: newScale } }, { namespace: rs.metadata!.namespace! });
    if (sizeChanged) recorder.eventf(d, "Normal", "ScalingReplicaSet", "Scaled %s replica set %s to %d from %d", operation, rs.metadata!.name!, newScale, rsReplicas(rs));
    return { scaled: sizeChanged, rs: updated };
  }

  async function scaleAndRecord(c: Ctx, rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (rsReplicas(rs) === newScale) return { scaled: false, rs };
    return scaleReplicaSet(c, rs, newScale, rsReplicas(rs) < newScale ? "up" : "down");
  }

  /** The new ReplicaSet (created if asked and missing) with revisions synced, and the old ones. */
  async function getAllReplicaSets(c: Ctx, rsList: ReplicaSet[], create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const d = c.d;
    const existing = findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const maxOld = oldRSs.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
    const newRevision = maxOld + 1;
    if (existing) {
      const annotations = { ...(existing.metadata?.annotations ?? {}) };
      const changed = setNewReplicaSetAnnotations(d, annotations, newRevision, true);
      if (changed || (existing.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0)) {
        const updated = await rsClient.update({ ...existing, metadata: { ...existing.metadata, annotations }, spec: { ...existing.spec!, minReadySeconds: d.spec?.minReadySeconds ?? 0 } }, { namespace: existing.metadata!.namespace! });
        return { newRS: updated, oldRSs };
      }
      const revision = existing.metadata?.annotations?.[REVISION];
      const dAnnotations = { ...(d.metadata?.annotations ?? {}) };
      let needsUpdate = false;
      if (revision !== undefined && dAnnotations[REVISION] !== revision) (dAnnotations[REVISION] = revision), (needsUpdate = true);
      const status = { ...d.status };
      if (hasProgressDeadline(d) && !conditionOf(d.status, "Progressing")) {
        setCondition(status, newCondition("Progressing", "True", FOUND_NEW_RS, `Found new replica set "${existing.metadata!.name}"`, now()));
        needsUpdate = true;
      }
      if (needsUpdate) await updateStatus(c, status, dAnnotations);
      return { newRS: existing, oldRSs };
    }
    if (!create) return { newRS: undefined, oldRSs };

    const template = d.spec!.template!;
    const hash = computeHash(template, d.status?.collisionCount);
    const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const selector = { ...d.spec!.selector!, matchLabels: { ...(d.spec!.selector!.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const draft: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: `${d.metadata!.name}-${hash}`, namespace: d.metadata!.namespace!, ownerReferences: [newControllerRef(d, "apps/v1", "Deployment")], labels },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template: { ...template, metadata: { ...template.metadata, labels } } },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, draft], draft);
    const annotations: Record<string, string> = {};
    setNewReplicaSetAnnotations(d, annotations, newRevision, false);
    draft.spec!.replicas = replicas;
    draft.metadata!.annotations = annotations;
    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await rsClient.create(draft, { namespace: d.metadata!.namespace!, fieldManager: "kube-controller-manager" });
    } catch (err) {
      if (isStatusError(err, "AlreadyExists")) {
        alreadyExists = true;
        const rs = await rsClient.get(draft.metadata!.name!, { namespace: d.metadata!.namespace! });
        const ref = controllerRefOf(rs);
        if (!(ref?.uid === d.metadata!.uid && findNewReplicaSet(d, [rs]))) {
          // A hash collision: bump collisionCount and try again with a new hash.
          await updateStatus(c, { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 });
          throw err;
        }
        created = rs;
      } else {
        const message = `Failed to create new replica set "${draft.metadata!.name}": ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d) && !isNamespaceTerminating(err)) {
          const status = { ...d.status };
          setCondition(status, newCondition("Progressing", "False", FAILED_RS_CREATE, message, now()));
          await updateStatus(c, status).catch(() => undefined);
        }
        recorder.eventf(d, "Warning", FAILED_RS_CREATE, "%s", message);
        throw err;
      }
    }
    if (!alreadyExists && replicas > 0) recorder.eventf(d, "Normal", "ScalingReplicaSet", "Scaled up replica set %s to %d", created.metadata!.name!, replicas);
    const dAnnotations = { ...(c.d.metadata?.annotations ?? {}) };
    let needsUpdate = false;
    if (dAnnotations[REVISION] !== String(newRevision)) (dAnnotations[REVISION] = String(newRevision)), (needsUpdate = true);
    const status = { ...c.d.status };
    if (!alreadyExists && hasProgressDeadline(d)) {
      setCondition(status, newCondition("Progressing", "True", NEW_RS_CREATED, `Created new replica set "${created.metadata!.name}"`, now()));
      needsUpdate = true;
    }
    if (needsUpdate) await updateStatus(c, status, dAnnotations);
    return { newRS: created, oldRSs };
  }

  /** Proportional scaling on a scaling event or while paused (scale). */
  async function scale(c: Ctx, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = c.d;
    const active = [newRS, ...oldRSs].filter((rs): rs is ReplicaSet => !!rs && rsReplicas(rs) > 0);
    const activeOrLatest = active.length === 1 ? active[0] : active.length === 0 ? (newRS ?? [...oldRSs].sort(byCreation).at(-1)) : undefined;
    if (activeOrLatest) {
      if (rsReplicas(activeOrLatest) !== replicasOf(d)) await scaleAndRecord(c, activeOrLatest, replicasOf(d));
      return;
    }
    if (newRS && rsReplicas(newRS) === replicasOf(d) && (newRS.status?.availableReplicas ?? 0) === replicasOf(d) && newRS.metadata?.annotations?.[DESIRED_REPLICAS] === String(replicasOf(d))) {
      for (const old of oldRSs.filter((rs) => rsReplicas(rs) > 0)) await scaleAndRecord(c, old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const total = active.reduce((n, rs) => n + rsReplicas(rs), 0);
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowed - total;
    let operation = "";
    if (toAdd > 0) {
      active.sort((a, b) => rsReplicas(b) - rsReplicas(a) || -byCreation(a, b)); // larger first, newer first
      operation = "up";
    } else if (toAdd < 0) {
      active.sort((a, b) => rsReplicas(b) - rsReplicas(a) || byCreation(a, b)); // larger first, older first
      operation = "down";
    }
    const sizes = new Map<ReplicaSet, number>();
    let added = 0;
    for (const rs of active) {
      if (toAdd !== 0) {
        const p = proportion(rs, d, toAdd, added);
        sizes.set(rs, rsReplicas(rs) + p);
        added += p;
      } else sizes.set(rs, rsReplicas(rs));
    }
    for (const [i, rs] of active.entries()) {
      if (i === 0 && toAdd !== 0) sizes.set(rs, Math.max(0, sizes.get(rs)! + toAdd - added));
      await scaleReplicaSet(c, rs, sizes.get(rs)!, operation);
    }
  }

  /** Keeps the newest revisionHistoryLimit old ReplicaSets that are scaled to zero (cleanupDeployment). */
  async function cleanup(c: Ctx, oldRSs: ReplicaSet[]): Promise<void> {
    const limit = c.d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await rsClient.delete(rs.metadata!.name!, { namespace: rs.metadata!.namespace! });
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
  }

  function calculateStatus(all: ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment): DeploymentStatus {
    let available = 0;
    let total = 0;
    let replicas = 0;
    let ready = 0;
    for (const rs of all) {
      available += rs.status?.availableReplicas ?? 0;
      total += rsReplicas(rs);
      replicas += rs.status?.replicas ?? 0;
      ready += rs.status?.readyReplicas ?? 0;
    }
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation ?? 0,
      replicas,
      updatedReplicas: newRS ? (newRS.status?.replicas ?? 0) : 0,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
      ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
      conditions: [...(d.status?.conditions ?? [])],
    };
    if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(status, newCondition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now()));
    else setCondition(status, newCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now()));
    return status;
  }

  async function syncStatus(c: Ctx, all: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(all, newRS, c.d);
    if (!sameStatus(c.d.status, status)) await updateStatus(c, status);
  }

  const complete = (d: Deployment, s: DeploymentStatus): boolean =>
    s.updatedReplicas === replicasOf(d) && s.replicas === replicasOf(d) && s.availableReplicas === replicasOf(d) && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const progressing = (d: Deployment, s: DeploymentStatus): boolean => {
    const o = d.status ?? {};
    return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || (s.replicas ?? 0) - (s.updatedReplicas ?? 0) < (o.replicas ?? 0) - (o.updatedReplicas ?? 0) || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
  };
  const timedOut = (d: Deployment, s: DeploymentStatus): boolean => {
    if (!hasProgressDeadline(d)) return false;
    const cond = conditionOf(s, "Progressing");
    if (!cond || cond.reason === NEW_RS_AVAILABLE) return false;
    if (cond.reason === TIMED_OUT) return true;
    return Date.parse(cond.lastUpdateTime!) + d.spec!.progressDeadlineSeconds! * 1000 < mgr.clock.now();
  };

  /** Status with the Progressing and ReplicaFailure conditions of a rollout (syncRolloutStatus); returns when to look again. */
  async function syncRolloutStatus(c: Ctx, all: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<Result> {
    const d = c.d;
    const status = calculateStatus(all, newRS, d);
    if (!hasProgressDeadline(d)) removeCondition(status, "Progressing");
    const current = conditionOf(d.status, "Progressing");
    const isComplete = status.replicas === status.updatedReplicas && current?.reason === NEW_RS_AVAILABLE;
    if (hasProgressDeadline(d) && !isComplete) {
      const rsName = newRS ? `ReplicaSet "${newRS.metadata!.name}"` : "";
      if (complete(d, status)) {
        setCondition(status, newCondition("Progressing", "True", NEW_RS_AVAILABLE, `${rsName} has successfully progressed.`, now()));
      } else if (progressing(d, status)) {
        const cond = newCondition("Progressing", "True", RS_UPDATED, `${rsName} is progressing.`, now());
        if (current?.status === "True") cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, "Progressing");
        setCondition(status, cond);
      } else if (timedOut(d, status)) {
        setCondition(status, newCondition("Progressing", "False", TIMED_OUT, `${rsName} has timed out progressing.`, now()));
      }
    }
    let failure = replicaFailure(newRS);
    for (const rs of all) failure ??= replicaFailure(rs);
    if (failure) setCondition(status, { type: "ReplicaFailure", status: failure.status, reason: failure.reason!, message: failure.message!, lastUpdateTime: failure.lastTransitionTime!, lastTransitionTime: failure.lastTransitionTime! });
    else removeCondition(status, "ReplicaFailure");
    if (sameStatus(d.status, status)) return requeueStuck(d, status);
    await updateStatus(c, status);
    return undefined;
  }

  /** When a rollout that is neither complete nor timed out must be looked at again (requeueStuckDeployment). */
  function requeueStuck(d: Deployment, status: DeploymentStatus): Result {
    const cond = conditionOf(status, "Progressing");
    if (!hasProgressDeadline(d) || !cond || cond.reason === NEW_RS_AVAILABLE || cond.reason === TIMED_OUT) return undefined;
    const after = Date.parse(cond.lastUpdateTime!) + d.spec!.progressDeadlineSeconds! * 1000 - mgr.clock.now();
    return { requeueAfter: Math.max(after + 1000, 1) };
  }

  async function syncScaleOrPaused(c: Ctx, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await getAllReplicaSets(c, rsList, false);
    await scale(c, newRS, oldRSs);
    if (c.d.spec?.paused) await cleanup(c, oldRSs);
    // Scaling changed ReplicaSets; status follows from their next events.
    await syncStatus(c, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  async function rolloutRolling(c: Ctx, rsList: ReplicaSet[]): Promise<Result> {
    const { newRS, oldRSs } = await getAllReplicaSets(c, rsList, true);
    const d = c.d;
    const all = [...oldRSs, newRS!];
    // Scale up the new ReplicaSet (reconcileNewReplicaSet).
    if (rsReplicas(newRS) !== replicasOf(d)) {
      const target = rsReplicas(newRS) > replicasOf(d) ? replicasOf(d) : newRSNewReplicas(d, all, newRS!);
      const { scaled } = await scaleAndRecord(c, newRS!, target);
      if (scaled) return syncRolloutStatus(c, all, newRS);
    }
    // Scale down old ones (reconcileOldReplicaSets).
    if (await reconcileOld(c, all, oldRSs.filter((rs) => rsReplicas(rs) > 0), newRS!)) return syncRolloutStatus(c, all, newRS);
    if (complete(d, d.status ?? {})) await cleanup(c, oldRSs);
    return syncRolloutStatus(c, all, newRS);
  }

  async function reconcileOld(c: Ctx, all: ReplicaSet[], oldActive: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const d = c.d;
    if (oldActive.reduce((n, rs) => n + rsReplicas(rs), 0) === 0) return false;
    const allPods = all.reduce((n, rs) => n + rsReplicas(rs), 0);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // Unhealthy old replicas go first (cleanupUnhealthyReplicas).
    const olds = [...oldActive].sort(byCreation);
    let cleaned = 0;
    for (const [i, rs] of olds.entries()) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = rsReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (rsReplicas(rs) === 0 || unhealthy <= 0) continue;
      const down = Math.min(maxScaledDown - cleaned, unhealthy);
      olds[i] = (await scaleAndRecord(c, rs, rsReplicas(rs) - down)).rs;
      cleaned += down;
    }
    // Then as many available ones as maxUnavailable allows (scaleDownOldReplicaSetsForRollingUpdate).
    const available = [...olds, newRS].reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    let scaledDown = 0;
    if (available > minAvailable) {
      const budget = available - minAvailable;
      for (const rs of olds) {
        if (scaledDown >= budget) break;
        if (rsReplicas(rs) === 0) continue;
        const down = Math.min(rsReplicas(rs), budget - scaledDown);
        await scaleAndRecord(c, rs, rsReplicas(rs) - down);
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  }

  async function rolloutRecreate(c: Ctx, rsList: ReplicaSet[]): Promise<Result> {
    let { newRS, oldRSs } = await getAllReplicaSets(c, rsList, false);
    let scaledDown = false;
    for (const rs of oldRSs.filter((x) => rsReplicas(x) > 0)) if ((await scaleAndRecord(c, rs, 0)).scaled) scaledDown = true;
    const all = (): ReplicaSet[] => [...oldRSs, ...(newRS ? [newRS] : [])];
    if (scaledDown) return syncRolloutStatus(c, all(), newRS);
    if (oldPodsRunning(newRS, oldRSs)) return syncRolloutStatus(c, all(), newRS);
    if (!newRS) ({ newRS, oldRSs } = await getAllReplicaSets(c, rsList, true));
    if ((await scaleAndRecord(c, newRS!, replicasOf(c.d))).scaled) return syncRolloutStatus(c, all(), newRS);
    if (complete(c.d, c.d.status ?? {})) await cleanup(c, oldRSs);
    return syncRolloutStatus(c, all(), newRS);
  }

  function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    for (const rs of oldRSs) {
      if (rs === newRS) continue;
      for (const pod of podInformer.indexer.byIndex(POD_CONTROLLER_INDEX, rs.metadata!.uid!)) {
        const phase = pod.status?.phase;
        if (phase !== "Failed" && phase !== "Succeeded") return true;
      }
    }
    return false;
  }

  async function syncDeployment(ns: string, name: string): Promise<Result> {
    const found = dLister.namespace(ns).get(name);
    if (!found) return undefined;
    const c: Ctx = { d: found };
    const selector = found.spec?.selector;
    if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
      recorder.eventf(found, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((found.status?.observedGeneration ?? 0) < (found.metadata?.generation ?? 0)) await updateStatus(c, { ...found.status, observedGeneration: found.metadata!.generation! });
      return undefined;
    }
    const rsList = await claim({
      informer: rsInformer,
      client: rsClient,
      owner: found,
      selector: selectorOf(selector),
      ref: newControllerRef(found, "apps/v1", "Deployment"),
      recheck: () => dClient.get(name, { namespace: ns }),
    });
    if (found.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await getAllReplicaSets(c, rsList, false);
      await syncStatus(c, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
      return undefined;
    }
    await checkPaused(c);
    if (c.d.spec?.paused) return syncScaleOrPaused(c, rsList);
    if (isScalingEvent(c.d, rsList)) return syncScaleOrPaused(c, rsList);
    return isRollingUpdate(c.d) ? rolloutRolling(c, rsList) : rolloutRecreate(c, rsList);
  }

  async function checkPaused(c: Ctx): Promise<void> {
    const d = c.d;
    if (!hasProgressDeadline(d)) return;
    const cond = conditionOf(d.status, "Progressing");
    if (cond?.reason === TIMED_OUT) return;
    const pausedCond = cond?.reason === PAUSED;
    const status = { ...d.status };
    if (d.spec?.paused && !pausedCond) setCondition(status, newCondition("Progressing", "Unknown", PAUSED, "Deployment is paused", now()));
    else if (!d.spec?.paused && pausedCond) setCondition(status, newCondition("Progressing", "Unknown", RESUMED, "Deployment is resumed", now()));
    else return;
    await updateStatus(c, status);
  }

  /** A replica count change: an active ReplicaSet's desired-replicas differs from spec.replicas (isScalingEvent). */
  function isScalingEvent(d: Deployment, rsList: ReplicaSet[]): boolean {
    for (const rs of rsList) {
      if (rsReplicas(rs) === 0) continue;
      const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS];
      if (desired !== undefined && desired !== String(replicasOf(d))) return true;
    }
    return false;
  }

  return controller;
}

/** A ReplicaSet's ReplicaFailure condition, if it has one. */
function replicaFailure(rs: ReplicaSet | undefined): NonNullable<NonNullable<ReplicaSet["status"]>["conditions"]>[number] | undefined {
  const conditions = rs?.status?.conditions;
  if (!conditions) return undefined;
  for (const c of conditions) if (c.type === "ReplicaFailure") return c;
  return undefined;
}

function isNamespaceTerminating(err: unknown): boolean {
  return isStatusError(err) && !!err.status.details?.causes?.some((c) => c.reason === "NamespaceTerminating");
}

/** Field by field (no serialisation: it runs on every sync): the counters, collisionCount and every condition's fields in order. */
function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  if (
    (a?.observedGeneration ?? 0) !== (b.observedGeneration ?? 0) ||
    (a?.replicas ?? 0) !== (b.replicas ?? 0) ||
    (a?.updatedReplicas ?? 0) !== (b.updatedReplicas ?? 0) ||
    (a?.readyReplicas ?? 0) !== (b.readyReplicas ?? 0) ||
    (a?.availableReplicas ?? 0) !== (b.availableReplicas ?? 0) ||
    (a?.unavailableReplicas ?? 0) !== (b.unavailableReplicas ?? 0) ||
    a?.collisionCount !== b.collisionCount
  ) {
    return false;
  }
  const x = a?.conditions ?? [];
  const y = b.conditions ?? [];
  if (x.length !== y.length) return false;
  return x.every((c, i) => {
    const d = y[i]!;
    return c.type === d.type && c.status === d.status && c.reason === d.reason && c.message === d.message && c.lastUpdateTime === d.lastUpdateTime && c.lastTransitionTime === d.lastTransitionTime;
  });
}
