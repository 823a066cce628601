import { parseApiVersion, type KubeObject, type ObjectLike } from "../api/object.js";
import type { Request } from "./reconciler.js";

/**
 * Turns a watched object into the requests to reconcile (controller-runtime's `handler.EventHandler`,
 * reduced to its mapping). On update both the old and the new object are mapped when
 * `mapOldOnUpdate` is set (an owner or a mapped target may have changed); duplicates collapse in
 * the work queue.
 */
export interface EnqueueHandler<T extends ObjectLike = KubeObject> {
  map(obj: T): readonly Request[];
  readonly mapOldOnUpdate: boolean;
}

/** Enqueues the object itself (`handler.EnqueueRequestForObject`, what `for()` uses). */
export function enqueueRequestForObject<T extends ObjectLike = KubeObject>(): EnqueueHandler<T> {
  return {
    map: (obj) => {
      const name = obj.metadata?.name;
      if (!name) return [];
      const namespace = obj.metadata?.namespace;
      return [namespace ? { namespace, name } : { name }];
    },
    mapOldOnUpdate: false,
  };
}

/** An API group and kind; the version is ignored when matching owners, as Kubernetes does. No group: any group. */
export interface GroupKind {
  group?: string;
  kind: string;
}

/**
 * Enqueues the owner of type `owner` named in the object's ownerReferences
 * (`handler.EnqueueRequestForOwner`): only the controlling owner (`controller: true`) unless
 * `onlyController` is false. Owners are in the object's namespace (cluster-scoped owners when the
 * object has none, or when `ownerNamespaced` is false).
 */
export function enqueueRequestForOwner<T extends ObjectLike = KubeObject>(
  owner: GroupKind,
  options: { onlyController?: boolean; ownerNamespaced?: boolean } = {},
): EnqueueHandler<T> {
  const onlyController = options.onlyController ?? true;
  const ownerNamespaced = options.ownerNamespaced ?? true;
  return {
    map: (obj) => {
      const refs = obj.metadata?.ownerReferences;
      if (!refs) return [];
      const out: Request[] = [];
      for (const ref of refs) {
        if (onlyController && ref.controller !== true) continue;
        if (ref.kind !== owner.kind) continue;
        if (owner.group !== undefined && parseApiVersion(ref.apiVersion).group !== owner.group) continue;
        const namespace = ownerNamespaced ? obj.metadata?.namespace : undefined;
        out.push(namespace ? { namespace, name: ref.name } : { name: ref.name });
      }
      return out;
    },
    mapOldOnUpdate: true,
  };
}

/** Enqueues whatever `fn` returns for the object (`handler.EnqueueRequestsFromMapFunc`). */
export function enqueueRequestsFromMapFunc<T extends ObjectLike = KubeObject>(fn: (obj: T) => readonly Request[]): EnqueueHandler<T> {
  return { map: fn, mapOldOnUpdate: true };
}
