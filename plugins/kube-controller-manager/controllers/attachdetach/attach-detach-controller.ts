import type { AttachedVolume, Node, PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { CSIDriver, VolumeAttachment } from "kubernetes-types/storage/v1.js";
import { controllerFor, isStatusError, jsonEqual, type Manager, type Request } from "../../../../core/index.js";
import { csiUniqueName, volumeAttachmentName } from "../../../../core/csi/volume-names.js";

/** How long a volume still in the node's `volumesInUse` is kept attached after its pods are gone (`--attach-detach-reconcile-sync-period`'s maxWaitForUnmountDuration). */
export const MAX_WAIT_FOR_UNMOUNT_MS = 6 * 60_000;
const SOURCE = "attachdetach-controller";

interface WantedVolume {
  readonly pv: PersistentVolume;
  readonly driver: string;
  readonly handle: string;
  readonly pods: Pod[];
}

/** The pod informer index of pods with PVC or ephemeral volumes, by node name. */
const CLAIM_PODS_BY_NODE = "attachdetach/claim-pods-by-node";

const hasClaimVolume = (pod: Pod): boolean => (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim !== undefined || v.ephemeral !== undefined);

/** The pod no longer needs its volumes: finished, or deleted with every container stopped (IsPodTerminated). */
export function podTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return true;
  if (!pod.metadata?.deletionTimestamp) return false;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.every((s) => !s.state?.running && !s.state?.waiting);
}

/**
 * The attach/detach controller (pkg/controller/volume/attachdetach), per node: every PVC volume
 * of a pod scheduled there whose CSI driver needs attaching (CSIDriver `attachRequired`, true when
 * the CSIDriver object is missing) gets a VolumeAttachment for the external-attacher to act on;
 * a ReadWriteOnce volume attached elsewhere is refused with a Multi-Attach error. The node's
 * `status.volumesAttached` lists the attached ones. A volume no pod needs is detached (its
 * VolumeAttachment deleted) once the kubelet no longer reports it in `volumesInUse`, or after
 * {@link MAX_WAIT_FOR_UNMOUNT_MS}. Attach errors are reported on the pods as FailedAttachVolume.
 */
export function attachDetachController(mgr: Manager, workers: number): void {
  const pods = mgr.informers.forResource<Pod>("Pod");
  const nodes = mgr.informers.forResource<Node>("Node");
  const pvcs = mgr.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim");
  const pvs = mgr.informers.forResource<PersistentVolume>("PersistentVolume");
  const drivers = mgr.informers.forResource<CSIDriver>("CSIDriver");
  const vas = mgr.informers.forResource<VolumeAttachment>("VolumeAttachment");
  const recorder = mgr.getEventRecorderFor(SOURCE);
  const client = mgr.client;
  /** Since when a volume no pod wants has been waiting for the kubelet to unmount it, per VA name. */
  const unneededSince = new Map<string, number>();
  /** The last attach error reported per VA (the events are not repeated for the same error). */
  const reported = new Map<string, string>();
  /** Multi-attach errors reported, per pod uid and PV. */
  const multiAttachReported = new Set<string>();

  // Only pods with claim volumes can need an attachment: indexed by node, the rest never looked at.
  if (!pods.indexer.indexNames().includes(CLAIM_PODS_BY_NODE)) pods.addIndexers({ [CLAIM_PODS_BY_NODE]: (p: Pod) => (p.spec?.nodeName && hasClaimVolume(p) ? [p.spec.nodeName] : []) });
  const podsOn = (node: string): Pod[] => pods.indexer.byIndex(CLAIM_PODS_BY_NODE, node);
  const nodesOfPodsUsing = (namespace: string | undefined, claim: string): Request[] =>
    pods
      .lister()
      .namespace(namespace ?? "default")
      .list()
      .filter((p) => p.spec?.nodeName && (p.spec.volumes ?? []).some((v) => (v.persistentVolumeClaim?.claimName ?? (v.ephemeral ? `${p.metadata?.name}-${v.name}` : undefined)) === claim))
      .map((p) => ({ name: p.spec!.nodeName! }));

  /** The attachable CSI volumes the node's running pods need, by PV name. */
  const wanted = (node: string): Map<string, WantedVolume> => {
    const out = new Map<string, WantedVolume>();
    for (const pod of podsOn(node)) {
      if (podTerminated(pod)) continue;
      for (const v of pod.spec?.volumes ?? []) {
        const claimName = v.persistentVolumeClaim?.claimName ?? (v.ephemeral ? `${pod.metadata?.name}-${v.name}` : undefined);
        if (!claimName) continue;
        const pvc = pvcs.lister().namespace(pod.metadata?.namespace ?? "default").get(claimName);
        const pvName = pvc?.spec?.volumeName;
        if (!pvName || pvc?.status?.phase !== "Bound") continue;
        const pv = pvs.lister().get(pvName);
        const csi = pv?.spec?.csi;
        if (!pv || !csi) continue;
        if (drivers.lister().get(csi.driver)?.spec?.attachRequired === false) continue;
        const entry = out.get(pvName) ?? { pv, driver: csi.driver, handle: csi.volumeHandle, pods: [] };
        entry.pods.push(pod);
        out.set(pvName, entry);
      }
    }
    return out;
  };

  controllerFor(mgr)
    .named("attachdetach")
    .for<Node>("Node")
    .watches<Pod>("Pod", (p) => (p.spec?.nodeName && hasClaimVolume(p) ? [{ name: p.spec.nodeName }] : []))
    .watches<VolumeAttachment>("VolumeAttachment", (va) => {
      // Its node, and the nodes of the volume's other pods (a Multi-Attach wait ends when it goes).
      const ref = pvs.lister().get(va.spec?.source?.persistentVolumeName ?? "")?.spec?.claimRef;
      return [...(va.spec?.nodeName ? [{ name: va.spec.nodeName }] : []), ...(ref?.name ? nodesOfPodsUsing(ref.namespace, ref.name) : [])];
    })
    .watches<PersistentVolumeClaim>("PersistentVolumeClaim", (pvc) => nodesOfPodsUsing(pvc.metadata?.namespace, pvc.metadata?.name ?? ""))
    .watches<PersistentVolume>("PersistentVolume", (pv) => {
      const ref = pv.spec?.claimRef;
      return ref?.name ? nodesOfPodsUsing(ref.namespace, ref.name) : [];
    })
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const node = nodes.lister().get(req.name);
        const mine = vas.lister().list().filter((va) => va.spec?.nodeName === req.name);
        const want = node ? wanted(req.name) : new Map<string, WantedVolume>();
        let requeueAfter: number | undefined;
        // Attach what is wanted.
        for (const [pvName, w] of want) {
          const name = volumeAttachmentName(w.handle, w.driver, req.name);
          if (mine.some((va) => va.metadata?.name === name)) continue;
          const exclusive = !(w.pv.spec?.accessModes ?? []).some((m) => m === "ReadWriteMany" || m === "ReadOnlyMany");
          const elsewhere = vas.lister().list().filter((va) => va.spec?.source?.persistentVolumeName === pvName && va.spec?.nodeName !== req.name);
          if (exclusive && elsewhere.length > 0) {
            for (const pod of w.pods) {
              const key = `${pod.metadata?.uid}/${pvName}`;
              if (multiAttachReported.has(key)) continue;
              multiAttachReported.add(key);
              const otherPods = pods
                .lister()
                .namespace(pod.metadata?.namespace ?? "default")
                .list()
                .filter((p) => p.spec?.nodeName && p.spec.nodeName !== req.name && !podTerminated(p) && elsewhere.some((va) => va.spec?.nodeName === p.spec?.nodeName) && (p.spec.volumes ?? []).some((v) => pvcs.lister().namespace(p.metadata?.namespace ?? "default").get(v.persistentVolumeClaim?.claimName ?? (v.ephemeral ? `${p.metadata?.name}-${v.name}` : ""))?.spec?.volumeName === pvName))
                .map((p) => p.metadata!.name!);
              const msg = otherPods.length > 0 ? `Multi-Attach error for volume "${pvName}" Volume is already used by pod(s) ${otherPods.join(", ")}` : `Multi-Attach error for volume "${pvName}" Volume is already exclusively attached to one node and can't be attached to another`;
              recorder.event(pod, "Warning", "FailedAttachVolume", msg);
            }
            continue;
          }
          for (const pod of w.pods) multiAttachReported.delete(`${pod.metadata?.uid}/${pvName}`);
          try {
            await client.resource<VolumeAttachment>("VolumeAttachment").create({ apiVersion: "storage.k8s.io/v1", kind: "VolumeAttachment", metadata: { name }, spec: { attacher: w.driver, nodeName: req.name, source: { persistentVolumeName: pvName } } });
          } catch (err) {
            if (!isStatusError(err, "AlreadyExists")) throw err;
          }
        }
        // Report attach errors on the pods that wait for them.
        for (const va of mine) {
          const pvName = va.spec?.source?.persistentVolumeName ?? "";
          const err = va.status?.attachError?.message;
          const w = want.get(pvName);
          if (!err || !w) {
            reported.delete(va.metadata!.name!);
            continue;
          }
          if (reported.get(va.metadata!.name!) === err) continue;
          reported.set(va.metadata!.name!, err);
          for (const pod of w.pods) recorder.event(pod, "Warning", "FailedAttachVolume", `AttachVolume.Attach failed for volume "${pvName}" : ${err}`);
        }
        // Detach what no pod wants, once the kubelet has unmounted it.
        const inUse = new Set(node?.status?.volumesInUse ?? []);
        const detaching = new Set<string>();
        for (const va of mine) {
          const name = va.metadata!.name!;
          const pvName = va.spec?.source?.persistentVolumeName ?? "";
          if (want.has(pvName)) {
            unneededSince.delete(name);
            continue;
          }
          detaching.add(name);
          if (va.metadata?.deletionTimestamp) continue;
          const pv = pvs.lister().get(pvName);
          const unique = pv?.spec?.csi ? csiUniqueName(pv.spec.csi.driver, pv.spec.csi.volumeHandle) : undefined;
          if (node && unique && inUse.has(unique)) {
            const since = unneededSince.get(name) ?? mgr.clock.now();
            unneededSince.set(name, since);
            const left = since + MAX_WAIT_FOR_UNMOUNT_MS - mgr.clock.now();
            if (left > 0) {
              requeueAfter = Math.min(requeueAfter ?? left, left);
              detaching.delete(name);
              continue;
            }
          }
          unneededSince.delete(name);
          try {
            await client.resource<VolumeAttachment>("VolumeAttachment").delete(name);
          } catch (err) {
            if (!isStatusError(err, "NotFound")) throw err;
          }
        }
        // The node's volumesAttached: attached VolumeAttachments not being detached.
        if (node) {
          const attached: AttachedVolume[] = [];
          for (const va of mine) {
            if (!va.status?.attached || detaching.has(va.metadata!.name!) || va.metadata?.deletionTimestamp) continue;
            const pv = pvs.lister().get(va.spec?.source?.persistentVolumeName ?? "");
            if (pv?.spec?.csi) attached.push({ name: csiUniqueName(pv.spec.csi.driver, pv.spec.csi.volumeHandle), devicePath: "" });
          }
          attached.sort((a, b) => a.name.localeCompare(b.name));
          if (!jsonEqual((node.status?.volumesAttached ?? []) as never, attached as never)) {
            try {
              await client.resource<Node>("Node").patch(req.name, "merge", { status: { volumesAttached: attached.length ? attached : null } }, { subresource: "status" });
            } catch (err) {
              if (!isStatusError(err, "NotFound")) throw err;
            }
          }
        }
        return requeueAfter !== undefined ? { requeueAfter } : undefined;
      },
    });
}
