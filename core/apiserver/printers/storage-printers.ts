import type { CSIDriver, CSINode, CSIStorageCapacity, StorageClass, VolumeAttachment } from "kubernetes-types/storage/v1.js";
import { ageColumn, column, objectAge, objectName, nameColumn, type TablePrinter } from "./printer.js";

const STORAGE = "io.k8s.api.storage.v1";

function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a["storageclass.kubernetes.io/is-default-class"] === "true" || a["storageclass.beta.kubernetes.io/is-default-class"] === "true";
}

export const storageClassPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Provisioner", "string", `${STORAGE}.StorageClass#provisioner`),
    column("ReclaimPolicy", "string", `${STORAGE}.StorageClass#reclaimPolicy`),
    column("VolumeBindingMode", "string", `${STORAGE}.StorageClass#volumeBindingMode`),
    column("AllowVolumeExpansion", "string", `${STORAGE}.StorageClass#allowVolumeExpansion`),
    ageColumn(),
  ],
  row(obj, ctx) {
    const sc = obj as unknown as StorageClass;
    return {
      cells: [isDefaultClass(sc) ? `${objectName(obj)} (default)` : objectName(obj), sc.provisioner, sc.reclaimPolicy ?? "Delete", sc.volumeBindingMode ?? "Immediate", sc.allowVolumeExpansion ?? false, objectAge(obj, ctx)],
    };
  },
};

export const csiDriverPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("AttachRequired", "boolean", `${STORAGE}.CSIDriverSpec#attachRequired`),
    column("PodInfoOnMount", "boolean", `${STORAGE}.CSIDriverSpec#podInfoOnMount`),
    column("StorageCapacity", "boolean", `${STORAGE}.CSIDriverSpec#storageCapacity`),
    column("TokenRequests", "string", `${STORAGE}.CSIDriverSpec#tokenRequests`),
    column("RequiresRepublish", "boolean", `${STORAGE}.CSIDriverSpec#requiresRepublish`),
    column("Modes", "string", `${STORAGE}.CSIDriverSpec#volumeLifecycleModes`),
    ageColumn(),
  ],
  row(obj, ctx) {
    const spec = (obj as unknown as CSIDriver).spec ?? {};
    const tokenRequests = spec.tokenRequests ? spec.tokenRequests.map((t) => t.audience).join(",") : "<unset>";
    const modes = (spec.volumeLifecycleModes ?? []).join(",") || "<none>";
    return { cells: [objectName(obj), spec.attachRequired ?? true, spec.podInfoOnMount ?? false, spec.storageCapacity ?? false, tokenRequests, spec.requiresRepublish ?? false, modes, objectAge(obj, ctx)] };
  },
};

export const csiNodePrinter: TablePrinter = {
  columns: [nameColumn(), column("Drivers", "integer", "Drivers indicates the number of CSI drivers registered on the node"), ageColumn()],
  row: (obj, ctx) => ({ cells: [objectName(obj), (obj as unknown as CSINode).spec?.drivers?.length ?? 0, objectAge(obj, ctx)] }),
};

export const csiStorageCapacityPrinter: TablePrinter = {
  columns: [nameColumn(), column("StorageClassName", "string", `${STORAGE}.CSIStorageCapacity#storageClassName`), column("Capacity", "string", `${STORAGE}.CSIStorageCapacity#capacity`)],
  row: (obj) => ({ cells: [objectName(obj), (obj as unknown as CSIStorageCapacity).storageClassName, (obj as unknown as CSIStorageCapacity).capacity ?? "<unset>"] }),
};

export const volumeAttachmentPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Attacher", "string", `${STORAGE}.VolumeAttachmentSpec#attacher`, { format: "name" }),
    column("PV", "string", `${STORAGE}.VolumeAttachmentSource#persistentVolumeName`),
    column("Node", "string", `${STORAGE}.VolumeAttachmentSpec#nodeName`),
    column("Attached", "boolean", `${STORAGE}.VolumeAttachmentStatus#attached`),
    ageColumn(),
  ],
  row(obj, ctx) {
    const va = obj as unknown as VolumeAttachment;
    return { cells: [objectName(obj), va.spec?.attacher ?? "", va.spec?.source?.persistentVolumeName ?? "", va.spec?.nodeName ?? "", va.status?.attached ?? false, objectAge(obj, ctx)] };
  },
};
