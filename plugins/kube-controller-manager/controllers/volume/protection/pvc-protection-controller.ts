import type { PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, podClaimNames, PVC_PROTECTION_FINALIZER, type Manager, type Request, type SharedInformer } from "../../../../../core/index.js";
import { withFinalizer, isDeletionCandidate, needsFinalizer } from "./finalizers.js";

/** Pods by the claims they use (`<namespace>/<claim>`), generic ephemeral volumes' `<pod>-<volume>` claims included. */
export const POD_CLAIM_INDEX = "pvc-protection:claim";


function ensurePodClaimIndex(informer: SharedInformer<Pod>): void {
  if (informer.indexer.indexNames().includes(POD_CLAIM_INDEX)) return;
  informer.addIndexers({
    [POD_CLAIM_INDEX]: (pod) => {
      const names = podClaimNames(pod);
      return names.length === 0 ? names : names.map((c) => `${pod.metadata?.namespace ?? ""}/${c}`);
    },
  });
}

/** A scheduled pod that has not finished holds its claims (podUsesPVC; the kubelet never starts a pod whose claim is being deleted). */
function podHoldsClaims(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec?.nodeName && phase !== "Succeeded" && phase !== "Failed";
}

/**
 * The PVC protection controller (pkg/controller/volume/pvcprotection,
 * `persistentvolumeclaim-protection-controller`): keeps `kubernetes.io/pvc-protection` on every
 * live claim and removes it from a deleted claim once no scheduled, unfinished pod uses it — the
 * informer's pods first, then a live list from the API server to be sure.
 */
export function pvcProtectionController(mgr: Manager, workers: number): void {
  const podInformer = mgr.informers.forResource<Pod>("Pod");
  ensurePodClaimIndex(podInformer);
  const claims = mgr.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim").lister();
  const pvcClient = mgr.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const podClient = mgr.client.resource<Pod>("Pod");

  async function inUse(claim: PersistentVolumeClaim): Promise<boolean> {
    const ns = claim.metadata!.namespace!;
    const name = claim.metadata!.name!;
    if (podInformer.indexer.byIndex(POD_CLAIM_INDEX, `${ns}/${name}`).some(podHoldsClaims)) return true;
    const live = (await podClient.list({ namespace: ns })).items as Pod[];
    return live.some((p) => podHoldsClaims(p) && podClaimNames(p).includes(name));
  }

  async function reconcile(req: Request): Promise<void> {
    const claim = claims.namespace(req.namespace ?? "").get(req.name);
    if (!claim) return;
    const meta = claim.metadata;
    try {
      if (isDeletionCandidate(meta, PVC_PROTECTION_FINALIZER)) {
        if (await inUse(claim)) return;
        await pvcClient.update(withFinalizer(claim, PVC_PROTECTION_FINALIZER, false));
      } else if (needsFinalizer(meta, PVC_PROTECTION_FINALIZER)) {
        await pvcClient.update(withFinalizer(claim, PVC_PROTECTION_FINALIZER, true));
      }
    } catch (err) {
      if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
    }
  }

  controllerFor(mgr)
    .named("persistentvolumeclaim-protection")
    .for<PersistentVolumeClaim>("PersistentVolumeClaim")
    .watches<Pod>("Pod", (pod) => {
      // Most pods use no claim: no requests to build and look up.
      const names = podClaimNames(pod);
      if (names.length === 0) return [];
      return names.map((name) => ({ namespace: pod.metadata!.namespace!, name })).filter((r) => claims.namespace(r.namespace).get(r.name)?.metadata?.deletionTimestamp);
    })
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({ reconcile: async (req) => void (await reconcile(req)) });
}
