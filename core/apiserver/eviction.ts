import type { Pod } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from "kubernetes-types/policy/v1.js";
import type { KubeList, KubeObject } from "../api/object.js";
import type { RegisteredType, ResourceRegistry } from "../api/resource-registry.js";
import { labelSelectorFromObject } from "../api/selectors/label-selector.js";
import { forbidden, internalError, isStatusError, StatusError } from "../api/status.js";
import { rfc3339 } from "../api/time.js";
import type { DeleteOptions, ListOptions, WriteOptions } from "../client/client.js";
import type { RequestContext } from "./api-server-contract.js";

/** The API server operations eviction is made of (the pod registry's EvictionREST uses the same). */
export interface EvictionStorage {
  get(type: RegisteredType, namespace: string | undefined, name: string): Promise<KubeObject>;
  list(type: RegisteredType, namespace: string | undefined, options?: ListOptions): Promise<KubeList>;
  updateSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, body: KubeObject, options?: WriteOptions, ctx?: RequestContext): Promise<KubeObject>;
  delete(type: RegisteredType, namespace: string | undefined, name: string, options?: DeleteOptions, ctx?: RequestContext): Promise<unknown>;
}

/** Upstream's MaxDisruptedPodSize: more unconfirmed evictions than this are refused. */
const MAX_DISRUPTED_POD_SIZE = 2000;
const MAX_ATTEMPTS = 8;
export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

type Pdb = PodDisruptionBudget & KubeObject;

function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Terminal, pending and terminating pods are evicted without consulting a budget (canIgnorePDB). */
function canIgnorePdb(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed" || phase === "Pending" || !!pod.metadata?.deletionTimestamp;
}

function budgetRefusal(cause: string): StatusError {
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: EVICTION_REFUSED, reason: "TooManyRequests", code: 429, details: { causes: [{ reason: "DisruptionBudget", message: cause }] } });
}

/**
 * pods/eviction (EvictionREST.Create): deletes the pod unless the one PodDisruptionBudget
 * selecting it forbids a disruption now — 429 TooManyRequests "Cannot evict pod as it would
 * violate the pod's disruption budget." with a DisruptionBudget cause. An allowed eviction takes one
 * from `status.disruptionsAllowed` and records the pod in `status.disruptedPods` (the disruption
 * controller confirms it), sets the pod's DisruptionTarget condition and deletes it with the
 * Eviction's deleteOptions. Unready pods follow `unhealthyPodEvictionPolicy`; more than one budget
 * is an internal error, as upstream.
 */
export async function evictPod(storage: EvictionStorage, registry: ResourceRegistry, podType: RegisteredType, namespace: string, name: string, body: KubeObject, now: () => number, ctx: RequestContext): Promise<KubeObject> {
  const deleteOptions = ((body as { deleteOptions?: DeleteOptions }).deleteOptions ?? {}) as DeleteOptions;
  const dryRun = deleteOptions.dryRun?.includes("All") ?? false;
  const pod = (await storage.get(podType, namespace, name)) as Pod & KubeObject;
  const success = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 } as KubeObject;
  const deletePod = async (): Promise<KubeObject> => {
    if (!dryRun) await addDisruptionTarget(storage, podType, namespace, name, now, ctx);
    await storage.delete(podType, namespace, name, deleteOptions, ctx);
    return success;
  };
  if (canIgnorePdb(pod)) return deletePod();
  const pdbType = registry.byGroupVersionResource("policy", "v1", "poddisruptionbudgets");
  if (!pdbType) return deletePod();
  for (let attempt = 0; ; attempt++) {
    const pdbs = ((await storage.list(pdbType, namespace)).items as Pdb[]).filter((p) => p.spec?.selector && labelSelectorFromObject(p.spec.selector).matches(pod.metadata?.labels ?? {}));
    if (pdbs.length === 0) return deletePod();
    if (pdbs.length > 1) throw internalError("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    const pdb = pdbs[0]!;
    const status: Partial<PodDisruptionBudgetStatus> = pdb.status ?? {};
    if (!isPodReady(pod)) {
      const policy = pdb.spec?.unhealthyPodEvictionPolicy ?? "IfHealthyBudget";
      if (policy === "AlwaysAllow") return deletePod();
      if ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0) return deletePod();
    }
    if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) throw budgetRefusal(`The disruption budget ${pdb.metadata!.name} is still being processed by the server.`);
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbidden(pdbType.descriptor, pdb.metadata!.name!, "pdb disruptions allowed is negative");
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) throw forbidden(pdbType.descriptor, pdb.metadata!.name!, "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
    if (allowed === 0) throw budgetRefusal(`The disruption budget ${pdb.metadata!.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    if (dryRun) return deletePod();
    const conditions = (status.conditions ?? []).filter((c) => c.type !== "DisruptionAllowed");
    const previous = status.conditions?.find((c) => c.type === "DisruptionAllowed");
    const stamp = rfc3339(now());
    if (allowed - 1 === 0) conditions.push({ type: "DisruptionAllowed", status: "False", reason: "InsufficientPods", message: "", observedGeneration: previous?.observedGeneration ?? status.observedGeneration ?? 0, lastTransitionTime: previous?.status === "False" ? previous.lastTransitionTime : stamp } as never);
    else if (previous) conditions.push(previous);
    const updated: Pdb = { ...pdb, status: { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...(status.disruptedPods ?? {}), [name]: stamp }, conditions } as PodDisruptionBudgetStatus };
    try {
      await storage.updateSubresource(pdbType, namespace, pdb.metadata!.name!, "status", updated, {}, ctx);
    } catch (err) {
      if (isStatusError(err, "Conflict") && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
    return deletePod();
  }
}

/** The DisruptionTarget condition upstream's addConditionAndDeletePod sets before deleting. */
async function addDisruptionTarget(storage: EvictionStorage, podType: RegisteredType, namespace: string, name: string, now: () => number, ctx: RequestContext): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const pod = (await storage.get(podType, namespace, name)) as Pod & KubeObject;
    if (pod.status?.conditions?.some((c) => c.type === "DisruptionTarget" && c.status === "True")) return;
    const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== "DisruptionTarget"), { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastTransitionTime: rfc3339(now()) }];
    try {
      await storage.updateSubresource(podType, namespace, name, "status", { ...pod, status: { ...pod.status, conditions } } as KubeObject, {}, ctx);
      return;
    } catch (err) {
      if (!isStatusError(err, "Conflict")) throw err;
    }
  }
}
