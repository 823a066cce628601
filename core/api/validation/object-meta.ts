import type { ObjectMeta, OwnerReference } from "kubernetes-types/meta/v1.js";
import { fieldError, type FieldError } from "../status.js";
import { validateImmutableField } from "./immutable.js";
import { validateAnnotations, validateLabels } from "./labels.js";
import { isQualifiedName, validateNamespaceName, type NameValidator } from "./names.js";

export interface ObjectMetaValidationOptions {
  /** Namespaced kinds require metadata.namespace; cluster-scoped kinds forbid it. */
  namespaced: boolean;
  /** The kind's name format (e.g. nameIsDNSSubdomain). */
  nameValidator: NameValidator;
}

const FINALIZER_ORPHAN = "orphan";
const FINALIZER_DELETE_DEPENDENTS = "foregroundDeletion";

/** ValidateObjectMeta of apimachinery/pkg/api/validation/objectmeta.go for a new object. */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaValidationOptions, path = "metadata"): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of opts.nameValidator(m.generateName, true)) errs.push(fieldError.invalid(`${path}.generateName`, m.generateName, msg));
  }
  if (!m.name) {
    errs.push(fieldError.required(`${path}.name`, "name or generateName is required"));
  } else {
    for (const msg of opts.nameValidator(m.name, false)) errs.push(fieldError.invalid(`${path}.name`, m.name, msg));
  }
  if (opts.namespaced) {
    if (!m.namespace) errs.push(fieldError.required(`${path}.namespace`));
    else for (const msg of validateNamespaceName(m.namespace, false)) errs.push(fieldError.invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(fieldError.forbidden(`${path}.namespace`, "not allowed on this type"));
  }
  if (m.generation !== undefined && m.generation < 0) errs.push(fieldError.invalid(`${path}.generation`, m.generation, "must be greater than or equal to 0"));
  pushCommon(errs, m, path);
  return errs;
}

/** Labels, annotations, owner references and finalizers: checked on create and on update. */
function pushCommon(errs: FieldError[], m: ObjectMeta, path: string): void {
  if (m.labels) errs.push(...validateLabels(m.labels, `${path}.labels`));
  if (m.annotations) errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  if (m.ownerReferences) errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  if (m.finalizers) errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
}

/**
 * ValidateObjectMetaUpdate: name, namespace, uid, creationTimestamp, deletionTimestamp and
 * deletionGracePeriodSeconds are immutable; generation may not go down; no new finalizers once
 * deletion started. (resourceVersion preconditions are the API server's business, not checked here.)
 */
export function validateObjectMetaUpdate(newMeta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, path = "metadata"): FieldError[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  const errs: FieldError[] = [];
  if (n.finalizers) errs.push(...validateFinalizers(n.finalizers, `${path}.finalizers`));
  if (o.deletionTimestamp) errs.push(...validateNoNewFinalizers(n.finalizers, o.finalizers, `${path}.finalizers`));
  if ((n.generation ?? 0) < (o.generation ?? 0)) errs.push(fieldError.invalid(`${path}.generation`, n.generation ?? 0, "must not be decremented"));
  if (n.name !== o.name) errs.push(...validateImmutableField(n.name, o.name, `${path}.name`));
  if (n.namespace !== o.namespace) errs.push(...validateImmutableField(n.namespace, o.namespace, `${path}.namespace`));
  if (n.uid !== o.uid) errs.push(...validateImmutableField(n.uid, o.uid, `${path}.uid`));
  if (n.creationTimestamp !== o.creationTimestamp) errs.push(...validateImmutableField(n.creationTimestamp, o.creationTimestamp, `${path}.creationTimestamp`));
  if (n.deletionTimestamp !== o.deletionTimestamp) errs.push(...validateImmutableField(n.deletionTimestamp, o.deletionTimestamp, `${path}.deletionTimestamp`));
  if (n.deletionGracePeriodSeconds !== o.deletionGracePeriodSeconds) {
    errs.push(...validateImmutableField(n.deletionGracePeriodSeconds, o.deletionGracePeriodSeconds, `${path}.deletionGracePeriodSeconds`));
  }
  if (n.labels) errs.push(...validateLabels(n.labels, `${path}.labels`));
  if (n.annotations) errs.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  if (n.ownerReferences) errs.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  return errs;
}

/** Each finalizer is a qualified name; `orphan` and `foregroundDeletion` may not both be set. */
export function validateFinalizers(finalizers: readonly string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  let orphan = false;
  let deleteDependents = false;
  for (const f of finalizers) {
    for (const msg of isQualifiedName(f)) errs.push(fieldError.invalid(path, f, msg));
    if (f === FINALIZER_ORPHAN) orphan = true;
    if (f === FINALIZER_DELETE_DEPENDENTS) deleteDependents = true;
  }
  if (orphan && deleteDependents) {
    errs.push(fieldError.invalid(path, finalizers, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`));
  }
  return errs;
}

function validateNoNewFinalizers(newFinalizers: readonly string[] | undefined, oldFinalizers: readonly string[] | undefined, path: string): FieldError[] {
  if (!newFinalizers?.length) return [];
  const old = new Set(oldFinalizers ?? []);
  const extra = [...new Set(newFinalizers.filter((f) => !old.has(f)))].sort();
  if (extra.length === 0) return [];
  return [fieldError.forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((e) => JSON.stringify(e)).join(", ")}}`)];
}

/** apiVersion, kind, name and uid required (per index); at most one controller reference. */
export function validateOwnerReferences(refs: readonly OwnerReference[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  // Paths and names are spelled only for an error: a valid list (nearly every write) builds no string.
  let firstController: OwnerReference | undefined;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    if (!ref.apiVersion) errs.push(fieldError.required(`${indexPath(path, i)}.apiVersion`, "must not be empty"));
    else if (!isGroupVersion(ref.apiVersion)) errs.push(fieldError.invalid(`${indexPath(path, i)}.apiVersion`, ref.apiVersion, "must be <group>/<version> or <version>"));
    if (!ref.kind) errs.push(fieldError.required(`${indexPath(path, i)}.kind`, "must not be empty"));
    if (!ref.name) errs.push(fieldError.required(`${indexPath(path, i)}.name`, "must not be empty"));
    if (!ref.uid) errs.push(fieldError.required(`${indexPath(path, i)}.uid`, "must not be empty"));
    if (ref.apiVersion === "v1" && ref.kind === "Event") errs.push(fieldError.invalid(indexPath(path, i), ref, "/v1, Kind=Event is disallowed from being an owner"));
    if (ref.controller) {
      if (firstController) {
        errs.push(fieldError.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController.kind}/${firstController.name} and ${ref.kind}/${ref.name}`));
      } else {
        firstController = ref;
      }
    }
  }
  return errs;
}

function indexPath(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** `v1` or `group/v1`: one slash at most, non-empty version. */
function isGroupVersion(apiVersion: string): boolean {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return apiVersion !== "";
  return slash < apiVersion.length - 1 && apiVersion.indexOf("/", slash + 1) < 0;
}
