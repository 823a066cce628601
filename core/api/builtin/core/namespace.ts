import type { Namespace } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { isQualifiedName, validateNamespaceName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { writable } from "./writable.js";

export const NAMESPACE_DESCRIPTOR = coreDescriptor({ kind: "Namespace", plural: "namespaces", namespaced: false, shortNames: ["ns"], subresources: ["status", "finalize"] });

/** The label every namespace carries with its own name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

/** spec.finalizers entries: a standard name or a fully qualified `domain/name`. */
function validateNamespaceFinalizers(finalizers: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) {
    const msgs = isQualifiedName(f);
    if (msgs.length) for (const m of msgs) errs.push(fieldError.invalid(path, f, m));
    else if (!f.includes("/") && !STANDARD_FINALIZERS.has(f)) errs.push(fieldError.invalid(path, f, "name is neither a standard finalizer name nor is it fully qualified"));
  }
  return errs;
}

/** Namespaces: SetDefaults_Namespace and namespaceStrategy of pkg/registry/core/namespace. */
export const NAMESPACE_TYPE = typeRegistration<Namespace>(NAMESPACE_DESCRIPTOR, {
  returnDeletedObject: true,
  defaults(ns) {
    const meta = (ns.metadata ??= {});
    // The name may still be generated; the label is set again once the name is known (prepareForCreate).
    if (meta.name) (meta.labels ??= {})[NAMESPACE_NAME_LABEL] = meta.name;
  },
  prepareForCreate(ns) {
    const spec = (ns.spec ??= {});
    if (!spec.finalizers?.includes("kubernetes")) spec.finalizers = [...(spec.finalizers ?? []), "kubernetes"];
    writable(ns).status = { phase: "Active" };
    const meta = (ns.metadata ??= {});
    if (meta.name) (meta.labels ??= {})[NAMESPACE_NAME_LABEL] = meta.name;
  },
  prepareForUpdate(ns, old) {
    ns.spec = old.spec;
    writable(ns).status = old.status;
    const meta = (ns.metadata ??= {});
    if (meta.name) (meta.labels ??= {})[NAMESPACE_NAME_LABEL] = meta.name;
  },
  prepareForStatusUpdate(ns, old) {
    ns.spec = old.spec;
  },
  validate(ns) {
    const errs = validateObjectMeta(ns.metadata, { namespaced: false, nameValidator: validateNamespaceName });
    errs.push(...validateNamespaceFinalizers(ns.spec?.finalizers, "spec.finalizers"));
    return errs;
  },
  validateUpdate(ns, old) {
    return validateObjectMetaUpdate(ns.metadata, old.metadata);
  },
  validateStatusUpdate(ns, old) {
    const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
    if (!old.metadata?.deletionTimestamp && ns.status?.phase !== "Active") {
      errs.push(fieldError.invalid("status.Phase", ns.status?.phase ?? "", "may only be 'Active' if `deletionTimestamp` is empty"));
    } else if (old.metadata?.deletionTimestamp && ns.status?.phase !== "Terminating") {
      errs.push(fieldError.invalid("status.Phase", ns.status?.phase ?? "", "may only be 'Terminating' if `deletionTimestamp` is not empty"));
    }
    return errs;
  },
  fieldSelectors: {
    "status.phase": (ns) => ns.status?.phase ?? "",
  },
});

/** The `finalize` subresource's checks: only spec.finalizers may change, each a valid finalizer name. */
export function validateNamespaceFinalizeUpdate(ns: Namespace, old: Namespace): FieldError[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
  errs.push(...validateNamespaceFinalizers(ns.spec?.finalizers, "spec.finalizers"));
  return errs;
}
