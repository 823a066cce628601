import type { CSIDriver, CSIDriverSpec } from "kubernetes-types/storage/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateEnum } from "../field-checks.js";
import { csiDriverNameProblems, STORAGE_V1 } from "./storage-common.js";

type CSIDriverObject = CSIDriver & KubeObject;

/**
 * SetDefaults_CSIDriver: attachRequired true, podInfoOnMount false, storageCapacity false,
 * fsGroupPolicy ReadWriteOnceWithFSType, volumeLifecycleModes [Persistent], requiresRepublish
 * false, seLinuxMount false.
 */
export function defaultCSIDriver(driver: CSIDriver): void {
  const spec = ((driver as { spec?: CSIDriverSpec }).spec ??= {});
  spec.attachRequired ??= true;
  spec.podInfoOnMount ??= false;
  spec.storageCapacity ??= false;
  spec.fsGroupPolicy ||= "ReadWriteOnceWithFSType";
  if (!spec.volumeLifecycleModes?.length) spec.volumeLifecycleModes = ["Persistent"];
  spec.requiresRepublish ??= false;
  spec.seLinuxMount ??= false;
}

function validateSpec(spec: CSIDriverSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  if (s.attachRequired === undefined) errs.push(fieldError.required("spec.attachRequired"));
  if (s.podInfoOnMount === undefined) errs.push(fieldError.required("spec.podInfoOnMount"));
  if (s.storageCapacity === undefined) errs.push(fieldError.required("spec.storageCapacity"));
  errs.push(...validateEnum(s.fsGroupPolicy, ["ReadWriteOnceWithFSType", "File", "None"], "spec.fsGroupPolicy"));
  (s.volumeLifecycleModes ?? []).forEach((m, i) => errs.push(...validateEnum(m, ["Persistent", "Ephemeral"], `spec.volumeLifecycleModes[${i}]`)));
  (s.tokenRequests ?? []).forEach((t, i) => {
    if (t.expirationSeconds !== undefined && t.expirationSeconds < 600) errs.push(fieldError.invalid(`spec.tokenRequests[${i}].expirationSeconds`, t.expirationSeconds, "may not specify a duration less than 10 minutes"));
  });
  return errs;
}

/** storage.k8s.io/v1 CSIDriver (cluster-scoped, named after the driver). */
export const CSI_DRIVER: ApiTypeRegistration<CSIDriverObject> = {
  descriptor: { ...STORAGE_V1, kind: "CSIDriver", plural: "csidrivers", singular: "csidriver", listKind: "CSIDriverList", namespaced: false, shortNames: [], categories: [], subresources: [] },
  strategy: {
    defaults: (d) => defaultCSIDriver(d),
    validate: (d) => [
      ...validateObjectMeta(d.metadata, { namespaced: false, nameValidator: csiDriverNameProblems }),
      ...validateSpec(d.spec),
    ],
    validateUpdate: (d, old) => [
      ...validateObjectMetaUpdate(d.metadata, old.metadata),
      ...validateSpec(d.spec),
      ...validateImmutableField(d.spec?.attachRequired, old.spec?.attachRequired, "spec.attachRequired"),
      ...validateImmutableField(d.spec?.fsGroupPolicy, old.spec?.fsGroupPolicy, "spec.fsGroupPolicy"),
      ...validateImmutableField(d.spec?.volumeLifecycleModes, old.spec?.volumeLifecycleModes, "spec.volumeLifecycleModes"),
    ],
  },
};
