import type { Pod } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from "kubernetes-types/policy/v1.js";
import type { Condition, OwnerReference } from "kubernetes-types/meta/v1.js";
import { controllerFor, isStatusError, NAMESPACE_INDEX, scaledIntOrPercent, type KubeObject, type Manager } from "../../../../core/index.js";
import { controllerRefOf } from "../workload/controller-ref.js";
import { parsedSelectors } from "../workload/parsed-selectors.js";
import { isPodReady } from "../workload/pod-state.js";
import { rfc3339Of } from "../workload/time.js";

/** Upstream's DeletionTimeout: an eviction not followed by the pod's deletion within 2 minutes is forgotten. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

type Pdb = PodDisruptionBudget & KubeObject;
interface Scaled extends KubeObject {
  spec?: { replicas?: number };
}

/** The budget's arithmetic (getExpectedPodCount, countHealthyPods), from the pods and their controllers' scale. */
export interface BudgetCounts {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
}

/** A sync failure reported in the DisruptionAllowed condition (reason SyncFailed) and as a Warning event. */
class SyncFailure extends Error {
  constructor(readonly eventReason: string, message: string) {
    super(message);
  }
}

/**
 * The disruption controller (pkg/controller/disruption): keeps each PodDisruptionBudget's status —
 * `expectedPods` (the pods, or for maxUnavailable and percentages the summed scale of the pods'
 * controllers: Deployment, ReplicaSet, ReplicationController, StatefulSet or any scale
 * subresource), `desiredHealthy`, `currentHealthy` (ready pods not being deleted and not just
 * evicted), `disruptionsAllowed`, `disruptedPods` (evictions not yet confirmed, dropped after 2
 * minutes), `observedGeneration` and the DisruptionAllowed condition (SufficientPods,
 * InsufficientPods, SyncFailed).
 */
export function disruptionController(mgr: Manager, workers: number): void {
  const clock = mgr.clock;
  const pdbInformer = mgr.informers.forResource<Pdb>("PodDisruptionBudget");
  const pdbLister = pdbInformer.lister();
  const podLister = mgr.informers.forResource<Pod>("Pod").lister();
  const listers = {
    ReplicaSet: mgr.informers.forResource<Scaled>({ apiVersion: "apps/v1", kind: "ReplicaSet" }).lister(),
    Deployment: mgr.informers.forResource<Scaled>({ apiVersion: "apps/v1", kind: "Deployment" }).lister(),
    StatefulSet: mgr.informers.forResource<Scaled>({ apiVersion: "apps/v1", kind: "StatefulSet" }).lister(),
    ReplicationController: mgr.informers.forResource<Scaled>("ReplicationController").lister(),
  };
  const recorder = mgr.getEventRecorderFor("controllermanager");
  const pdbs = mgr.client.resource<Pdb>("PodDisruptionBudget");
  /** PDB selectors parsed once per selector object: every pod event is matched against its namespace's PDBs. */
  const selectorOf = parsedSelectors();

  /** The controller of `ref` and its scale (the finders, in upstream's order); undefined when none is found. */
  async function controllerScale(ref: OwnerReference, namespace: string): Promise<{ uid: string; scale: number } | undefined> {
    const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0]! : "";
    if (ref.kind === "ReplicaSet" && group === "apps") {
      const rs = listers.ReplicaSet.namespace(namespace).get(ref.name);
      if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
      const owner = controllerRefOf(rs);
      if (owner?.kind === "Deployment" && owner.apiVersion.startsWith("apps/")) {
        const d = listers.Deployment.namespace(namespace).get(owner.name);
        if (d && d.metadata?.uid === owner.uid) return { uid: d.metadata!.uid!, scale: d.spec?.replicas ?? 1 };
        return undefined;
      }
      return { uid: rs.metadata!.uid!, scale: rs.spec?.replicas ?? 1 };
    }
    if ((ref.kind === "StatefulSet" && group === "apps") || (ref.kind === "ReplicationController" && group === "")) {
      const obj = listers[ref.kind].namespace(namespace).get(ref.name);
      return obj && obj.metadata?.uid === ref.uid ? { uid: ref.uid, scale: obj.spec?.replicas ?? 1 } : undefined;
    }
    // Any other controller with a scale subresource (a custom resource's, for one).
    try {
      const scale = await mgr.client.resource<KubeObject>({ apiVersion: ref.apiVersion, kind: ref.kind }).getSubresource<KubeObject & { spec?: { replicas?: number } }>(ref.name, "scale", { namespace });
      return scale.metadata?.uid && scale.metadata.uid !== ref.uid ? undefined : { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
    } catch (err) {
      if (isStatusError(err, "NotFound")) return undefined;
      return undefined;
    }
  }

  async function expectedScale(pods: readonly Pod[]): Promise<number> {
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      if (!ref) throw new SyncFailure("NoControllerRef", `found no controller ref for pod "${pod.metadata!.name}"`);
      if (scales.has(ref.uid)) continue;
      const found = await controllerScale(ref, pod.metadata!.namespace!);
      if (!found) throw new SyncFailure("NoControllers", `found no controllers for pod "${pod.metadata!.name}"`);
      scales.set(found.uid, found.scale);
    }
    let total = 0;
    for (const s of scales.values()) total += s;
    return total;
  }

  async function counts(pdb: Pdb, pods: readonly Pod[], disrupted: Record<string, string>, now: number): Promise<BudgetCounts> {
    const spec = pdb.spec ?? {};
    let expectedPods = 0;
    let desiredHealthy = 0;
    if (spec.maxUnavailable !== undefined) {
      expectedPods = await expectedScale(pods);
      desiredHealthy = Math.max(0, expectedPods - scaledIntOrPercent(spec.maxUnavailable, expectedPods, true));
    } else if (typeof spec.minAvailable === "number") {
      desiredHealthy = spec.minAvailable;
      expectedPods = pods.length;
    } else if (typeof spec.minAvailable === "string") {
      expectedPods = await expectedScale(pods);
      desiredHealthy = scaledIntOrPercent(spec.minAvailable, expectedPods, true);
    }
    let currentHealthy = 0;
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp) continue;
      const at = disrupted[pod.metadata!.name!];
      if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) continue;
      if (isPodReady(pod)) currentHealthy++;
    }
    const allowed = currentHealthy - desiredHealthy;
    return { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed: expectedPods <= 0 || allowed <= 0 ? 0 : allowed };
  }

  /** The DisruptionAllowed condition (apimeta.SetStatusCondition: the transition time moves only with the status). */
  function condition(previous: Condition[] | undefined, status: "True" | "False", reason: string, message: string, generation: number, now: number): Condition[] {
    const old = previous?.find((c) => c.type === "DisruptionAllowed");
    const c: Condition = { type: "DisruptionAllowed", status, reason, message, observedGeneration: generation, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : rfc3339Of(now) };
    return [...(previous ?? []).filter((x) => x.type !== "DisruptionAllowed"), c];
  }

  async function writeStatus(pdb: Pdb, status: PodDisruptionBudgetStatus): Promise<void> {
    const old = pdb.status;
    if (old && JSON.stringify(old) === JSON.stringify(status)) return;
    try {
      await pdbs.updateStatus({ ...pdb, status });
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
  }

  controllerFor(mgr)
    .named("disruption")
    .for<Pdb>("PodDisruptionBudget")
    .watches<Pod>("Pod", (pod) => {
      const ns = pod.metadata!.namespace!;
      // Most namespaces hold no PDB: then no list to build and filter per pod event.
      if (pdbInformer.indexer.countByIndex(NAMESPACE_INDEX, ns) === 0) return [];
      const labels = pod.metadata?.labels ?? {};
      return pdbLister
        .namespace(ns)
        .list()
        .filter((p) => p.spec?.selector && selectorOf(p.spec.selector).matches(labels))
        .map((p) => ({ namespace: ns, name: p.metadata!.name! }));
    })
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const pdb = pdbLister.namespace(req.namespace!).get(req.name);
        if (!pdb) return;
        const now = clock.now();
        const generation = pdb.metadata?.generation ?? 0;
        // A nil selector matches no pods, an empty one every pod of the namespace (policy/v1).
        const selector = pdb.spec?.selector ? selectorOf(pdb.spec.selector) : undefined;
        const pods = selector ? podLister.namespace(req.namespace!).list(selector) : [];
        if (pods.length === 0) recorder.event(pdb, "Normal", "NoPods", "No matching pods found");
        // Evictions are confirmed by the pod's deletion; unconfirmed ones expire after DeletionTimeout.
        const disrupted: Record<string, string> = {};
        let recheck: number | undefined;
        for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
          const pod = pods.find((p) => p.metadata?.name === name);
          if (!pod || pod.metadata?.deletionTimestamp) continue;
          const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
          if (expires <= now) continue;
          disrupted[name] = at;
          recheck = recheck === undefined ? expires : Math.min(recheck, expires);
        }
        try {
          const c = await counts(pdb, pods, disrupted, now);
          await writeStatus(pdb, {
            ...c,
            observedGeneration: generation,
            ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
            conditions: c.disruptionsAllowed > 0 ? condition(pdb.status?.conditions, "True", "SufficientPods", "", generation, now) : condition(pdb.status?.conditions, "False", "InsufficientPods", "", generation, now),
          });
        } catch (err) {
          if (!(err instanceof SyncFailure)) throw err;
          recorder.event(pdb, "Warning", err.eventReason, err.message);
          // failSafe: no disruptions while the budget cannot be computed.
          await writeStatus(pdb, {
            currentHealthy: pdb.status?.currentHealthy ?? 0,
            desiredHealthy: pdb.status?.desiredHealthy ?? 0,
            expectedPods: pdb.status?.expectedPods ?? 0,
            disruptionsAllowed: 0,
            observedGeneration: generation,
            ...(pdb.status?.disruptedPods ? { disruptedPods: pdb.status.disruptedPods } : {}),
            conditions: condition(pdb.status?.conditions, "False", "SyncFailed", err.message, generation, now),
          });
        }
        if (recheck !== undefined) return { requeueAfter: Math.max(0, recheck - now) };
        return undefined;
      },
    });
}
