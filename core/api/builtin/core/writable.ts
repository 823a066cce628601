/** kubernetes-types marks server-owned fields (status, deletionTimestamp...) readonly; strategies own their draft. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The same draft, typed so its readonly fields can be set. No copy. */
export function writable<T>(draft: T): Writable<T> {
  return draft as Writable<T>;
}
