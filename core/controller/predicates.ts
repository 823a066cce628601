import type { KubeObject, ObjectLike } from "../api/object.js";
import { sameStringMap } from "../collections/same-string-map.js";

/**
 * Filters the events a watch enqueues, as controller-runtime's `predicate.Predicate`. A method
 * left out lets its events through. Deletions seen only on relist pass the last known state.
 * Resyncs arrive as updates with `oldObj === newObj`.
 */
export interface Predicate<T extends ObjectLike = KubeObject> {
  create?(obj: T): boolean;
  update?(oldObj: T, newObj: T): boolean;
  delete?(obj: T): boolean;
  /** Events that are neither create, update nor delete (none from informers today; for custom sources). */
  generic?(obj: T): boolean;
}

/** Lets an update through only when `metadata.generation` changed (spec changes; status-only writes are filtered). */
export const generationChanged: Predicate = {
  update: (o, n) => o.metadata?.generation !== n.metadata?.generation,
};

/** Lets an update through only when the labels changed. */
export const labelChanged: Predicate = {
  update: (o, n) => !sameStringMap(o.metadata?.labels, n.metadata?.labels),
};

/** Lets an update through only when the annotations changed. */
export const annotationChanged: Predicate = {
  update: (o, n) => !sameStringMap(o.metadata?.annotations, n.metadata?.annotations),
};

/** Lets an update through only when `metadata.resourceVersion` changed: drops resyncs. */
export const resourceVersionChanged: Predicate = {
  update: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion,
};

/** Passes an event when every predicate does. */
export function and<T extends ObjectLike = KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return {
    create: (obj) => predicates.every((p) => p.create?.(obj) ?? true),
    update: (o, n) => predicates.every((p) => p.update?.(o, n) ?? true),
    delete: (obj) => predicates.every((p) => p.delete?.(obj) ?? true),
    generic: (obj) => predicates.every((p) => p.generic?.(obj) ?? true),
  };
}

/** Passes an event when any predicate does (as controller-runtime's `predicate.Or`). */
export function or<T extends ObjectLike = KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return {
    create: (obj) => predicates.some((p) => p.create?.(obj) ?? true),
    update: (o, n) => predicates.some((p) => p.update?.(o, n) ?? true),
    delete: (obj) => predicates.some((p) => p.delete?.(obj) ?? true),
    generic: (obj) => predicates.some((p) => p.generic?.(obj) ?? true),
  };
}

/** Passes an event when `predicate` does not. */
export function not<T extends ObjectLike = KubeObject>(predicate: Predicate<T>): Predicate<T> {
  return {
    create: (obj) => !(predicate.create?.(obj) ?? true),
    update: (o, n) => !(predicate.update?.(o, n) ?? true),
    delete: (obj) => !(predicate.delete?.(obj) ?? true),
    generic: (obj) => !(predicate.generic?.(obj) ?? true),
  };
}

/** The same test for every kind of event (controller-runtime's `predicate.NewPredicateFuncs`); updates test the new object. */
export function predicateFor<T extends ObjectLike = KubeObject>(filter: (obj: T) => boolean): Predicate<T> {
  return { create: filter, update: (_o, n) => filter(n), delete: filter, generic: filter };
}

