import type { Status } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../api/object.js";
import type { RegisteredType } from "../api/resource-registry.js";
import { conflict, fieldError, type FieldError } from "../api/status.js";
import type { DeleteOptions } from "../client/client.js";
import { shallowDraft } from "./draft.js";
import { rfc3339 } from "../api/time.js";

/** Finalizers the garbage collector honours (`metav1.FinalizerOrphanDependents`, `FinalizerDeleteDependents`). */
export const FINALIZER_ORPHAN = "orphan";
export const FINALIZER_FOREGROUND = "foregroundDeletion";

const isCore = (type: RegisteredType, plural: string): boolean => type.descriptor.group === "" && type.descriptor.plural === plural;

function namespaceSpecFinalizers(type: RegisteredType, obj: KubeObject): readonly string[] {
  return isCore(type, "namespaces") ? ((obj as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? []) : [];
}

/** Pods only: the grace period a delete gets (0 for unscheduled or finished pods). */
export function gracePeriod(type: RegisteredType, current: KubeObject, options: DeleteOptions): number {
  if (!isCore(type, "pods")) return 0;
  const pod = current as { spec?: { nodeName?: string; terminationGracePeriodSeconds?: number }; status?: { phase?: string } };
  if (!pod.spec?.nodeName) return 0;
  if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return 0;
  return Math.max(0, options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
}

/**
 * What a delete turns the object into: undefined to remove it now, the same object when it is
 * already being deleted and nothing changes, or a copy marked with deletionTimestamp (finalizers
 * pending — including the garbage collector's for Foreground/Orphan propagation —, a pod's grace
 * period, a namespace waiting for its spec finalizers).
 */
export function markForDeletion(type: RegisteredType, current: KubeObject, options: DeleteOptions, now: number): KubeObject | undefined {
  const meta = current.metadata ?? {};
  const finalizers = new Set(meta.finalizers ?? []);
  const policy = options.propagationPolicy;
  if (!meta.deletionTimestamp) {
    if (policy === "Foreground") {
      finalizers.add(FINALIZER_FOREGROUND);
      finalizers.delete(FINALIZER_ORPHAN);
    } else if (policy === "Orphan") {
      finalizers.add(FINALIZER_ORPHAN);
      finalizers.delete(FINALIZER_FOREGROUND);
    } else if (policy === "Background") {
      finalizers.delete(FINALIZER_ORPHAN);
      finalizers.delete(FINALIZER_FOREGROUND);
    }
  }
  const grace = gracePeriod(type, current, options);
  const pendingNamespace = namespaceSpecFinalizers(type, current).length > 0;
  if (finalizers.size === 0 && grace === 0 && !pendingNamespace) return undefined;
  if (meta.deletionTimestamp) {
    // Already terminating: only a shorter grace period changes anything.
    if (grace >= (meta.deletionGracePeriodSeconds ?? 0)) return current;
    if (grace === 0 && finalizers.size === 0 && !pendingNamespace) return undefined;
  }
  const draft = shallowDraft(current);
  draft.metadata.deletionTimestamp = rfc3339(now + grace * 1000);
  draft.metadata.deletionGracePeriodSeconds = grace;
  if (finalizers.size > 0) draft.metadata.finalizers = [...finalizers];
  else delete draft.metadata.finalizers;
  if (isCore(type, "namespaces")) {
    (draft as { status?: { phase?: string } }).status = { ...((draft as { status?: object }).status ?? {}), phase: "Terminating" };
  }
  return draft;
}

/** An object being deleted whose last finalizer is gone (and, for pods, whose grace was cut to 0) leaves the store. */
export function deletionComplete(type: RegisteredType, obj: KubeObject): boolean {
  const meta = obj.metadata;
  if (!meta?.deletionTimestamp || (meta.finalizers?.length ?? 0) > 0) return false;
  if (isCore(type, "namespaces")) return namespaceSpecFinalizers(type, obj).length === 0;
  if (isCore(type, "pods")) return (meta.deletionGracePeriodSeconds ?? 0) === 0;
  return true;
}

/** Once an object is being deleted, finalizers may only be removed. */
export function validateFinalizerChange(draft: KubeObject, current: KubeObject): FieldError[] {
  if (!current.metadata?.deletionTimestamp) return [];
  const before = new Set(current.metadata.finalizers ?? []);
  const added = (draft.metadata?.finalizers ?? []).filter((f) => !before.has(f));
  return added.length ? [fieldError.forbidden("metadata.finalizers", `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`)] : [];
}

/**
 * What a delete that removed `removed` answers (generic registry's finalizeDelete): the object for
 * types that return it, else a `Status` naming it — with the resource (plural) as `kind`, as upstream.
 */
export function deletedResult(type: RegisteredType, removed: KubeObject): KubeObject | Status {
  if (type.strategy.returnDeletedObject) return removed;
  const d = type.descriptor;
  const details: NonNullable<Status["details"]> = { name: removed.metadata?.name ?? "", ...(d.group ? { group: d.group } : {}), kind: d.plural, ...(removed.metadata?.uid ? { uid: removed.metadata.uid } : {}) };
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}

/** A write's uid / resourceVersion preconditions — a delete's options, an update body's uid (409 with kube-apiserver's wording). */
export function checkPreconditions(type: RegisteredType, current: KubeObject, pre: DeleteOptions["preconditions"]): void {
  if (!pre) return;
  const name = current.metadata?.name ?? "";
  if (pre.uid && pre.uid !== current.metadata?.uid) {
    throw conflict(type.descriptor, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata?.uid ?? ""}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== current.metadata?.resourceVersion) {
    throw conflict(type.descriptor, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata?.resourceVersion ?? ""}`);
  }
}
