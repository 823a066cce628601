/**
 * Immutability of shared objects. Objects handed out by the store, the API server and informers
 * are shared by every reader, so nobody may change them; in tests they are deep-frozen so that
 * any accidental mutation throws (ESM modules run in strict mode) instead of silently corrupting
 * another component's view.
 */

/** A deeply read-only view of `T`. */
export type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/**
 * Freezes `obj` and everything reachable from it, in place, and returns it. Subtrees that are
 * already frozen are assumed deep-frozen and skipped, so re-freezing an object built from frozen
 * parts costs only the new parts.
 */
export function deepFreeze<T>(obj: T): T {
  if (obj === null || typeof obj !== "object" || Object.isFrozen(obj)) return obj;
  Object.freeze(obj);
  if (Array.isArray(obj)) {
    for (const item of obj) deepFreeze(item);
  } else {
    for (const key in obj) deepFreeze((obj as Record<string, unknown>)[key]);
  }
  return obj;
}

/** True when running under the test runner (`NODE_ENV=test`), where shared objects are frozen. */
export function freezingByDefault(): boolean {
  return process.env.NODE_ENV === "test";
}

/** Deep-freezes `obj` when running tests; otherwise returns it untouched (no cost in production). */
export function freezeInTests<T>(obj: T): T {
  return freezingByDefault() ? deepFreeze(obj) : obj;
}
