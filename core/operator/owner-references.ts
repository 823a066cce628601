import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import type { ObjectLike } from "../api/object.js";

/** The object already has a controller other than the one being set (`controllerutil.AlreadyOwnedError`). */
export class AlreadyOwnedError extends Error {
  override readonly name = "AlreadyOwnedError";
  constructor(readonly object: string, readonly owner: OwnerReference) {
    super(`Object ${object} is already owned by another ${owner.kind} controller ${owner.name}`);
  }
}

/**
 * A copy of `obj` whose ownerReferences name `owner` as its controller (`controller: true`,
 * `blockOwnerDeletion: true`) — what `owns()` watches and the garbage collector deletes by
 * (`controllerutil.SetControllerReference`). An existing reference to the same owner is replaced.
 * Throws {@link AlreadyOwnedError} when another object controls it, and an Error when the owner
 * has no uid, or is namespaced in another namespace (owners must be in the object's namespace or
 * cluster-scoped).
 */
export function setControllerReference<T extends ObjectLike>(owner: ObjectLike, obj: T): T {
  const ref = ownerReference(owner, obj, true);
  const existing = obj.metadata?.ownerReferences ?? [];
  const other = existing.find((r) => r.controller === true && r.uid !== ref.uid);
  if (other) throw new AlreadyOwnedError(`${obj.metadata?.namespace ? obj.metadata.namespace + "/" : ""}${obj.metadata?.name ?? ""}`, other);
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...existing.filter((r) => r.uid !== ref.uid), ref] } };
}

/** A copy of `obj` with a non-controller reference to `owner` added or updated (`controllerutil.SetOwnerReference`). */
export function setOwnerReference<T extends ObjectLike>(owner: ObjectLike, obj: T): T {
  const ref = ownerReference(owner, obj, false);
  const existing = obj.metadata?.ownerReferences ?? [];
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...existing.filter((r) => r.uid !== ref.uid), ref] } };
}

/** True when `owner` is `obj`'s controller (by uid). */
export function isControlledBy(obj: ObjectLike, owner: ObjectLike): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === owner.metadata?.uid);
}

function ownerReference(owner: ObjectLike, obj: ObjectLike, controller: boolean): OwnerReference {
  const m = owner.metadata;
  if (!owner.apiVersion || !owner.kind || !m?.name || !m.uid) throw new Error(`owner ${owner.kind ?? "?"} ${m?.name ?? "?"} needs apiVersion, kind, name and uid (read it from the API, not a manifest)`);
  if (m.namespace && m.namespace !== obj.metadata?.namespace) {
    throw new Error(`cross-namespace owner references are disallowed, owner's namespace ${m.namespace}, obj's namespace ${obj.metadata?.namespace ?? ""}`);
  }
  return controller
    ? { apiVersion: owner.apiVersion, kind: owner.kind, name: m.name, uid: m.uid, controller: true, blockOwnerDeletion: true }
    : { apiVersion: owner.apiVersion, kind: owner.kind, name: m.name, uid: m.uid };
}
