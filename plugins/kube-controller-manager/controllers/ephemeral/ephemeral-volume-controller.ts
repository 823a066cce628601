import type { PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, type Manager } from "../../../../core/index.js";

const SOURCE = "ephemeral_volume";

/** A pod this controller acts on: not being deleted, with at least one ephemeral volume. */
const wantsClaims = (pod: Pod): boolean => !pod.metadata?.deletionTimestamp && !!pod.spec?.volumes?.some((v) => v.ephemeral);

/**
 * The ephemeral volume controller (pkg/controller/volume/ephemeral): for every generic ephemeral
 * volume of a pod it creates the PVC `<pod>-<volume>` from the volume's `volumeClaimTemplate`,
 * owned (controller, blockOwnerDeletion) by the pod, so the claim is provisioned like any other
 * and garbage-collected with the pod. A PVC of that name not owned by the pod is left alone and
 * reported (the kubelet refuses to use it).
 */
export function ephemeralVolumeController(mgr: Manager, workers: number): void {
  const pods = mgr.informers.forResource<Pod>("Pod");
  const pvcs = mgr.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const recorder = mgr.getEventRecorderFor(SOURCE);
  controllerFor(mgr)
    .named("ephemeral-volume")
    // Only pods with an ephemeral volume, not being deleted, and not on deletion (upstream's
    // enqueuePod): the other pods' events never reach the queue.
    .for<Pod>("Pod", { predicates: [{ create: wantsClaims, update: (_old, pod) => wantsClaims(pod), delete: () => false }] })
    .watches<PersistentVolumeClaim>("PersistentVolumeClaim", (pvc) => {
      const owner = pvc.metadata?.ownerReferences?.find((o) => o.controller && o.kind === "Pod");
      return owner ? [{ namespace: pvc.metadata?.namespace, name: owner.name }] : [];
    })
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const pod = pods.lister().namespace(req.namespace ?? "default").get(req.name);
        if (!pod || pod.metadata?.deletionTimestamp) return undefined;
        for (const v of pod.spec?.volumes ?? []) {
          if (!v.ephemeral?.volumeClaimTemplate) continue;
          const name = `${pod.metadata!.name}-${v.name}`;
          const existing = pvcs.lister().namespace(req.namespace ?? "default").get(name);
          if (existing) {
            if (!existing.metadata?.ownerReferences?.some((o) => o.controller && o.uid === pod.metadata?.uid)) recorder.event(pod, "Warning", "FailedBinding", `PVC ${req.namespace}/${name} was not created for the pod`);
            continue;
          }
          const template = v.ephemeral.volumeClaimTemplate;
          const claim: PersistentVolumeClaim = {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: {
              name,
              namespace: req.namespace!,
              ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
              ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
              ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: pod.metadata!.name!, uid: pod.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
            },
            spec: template.spec,
          };
          try {
            await mgr.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim, { namespace: req.namespace! });
          } catch (err) {
            if (!isStatusError(err, "AlreadyExists")) throw err;
          }
        }
        return undefined;
      },
    });
}
