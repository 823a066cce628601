import { objectKey, type KubeObject, type ObjectLike } from "../api/object.js";

/** Computes the values an object is indexed under (e.g. `[spec.nodeName]`); may be empty. */
export type IndexFunc<T extends ObjectLike = KubeObject> = (obj: T) => readonly string[];

/** Index functions by index name. */
export type Indexers<T extends ObjectLike = KubeObject> = Readonly<Record<string, IndexFunc<T>>>;

/** The built-in index: objects by `metadata.namespace` ("" for cluster-scoped objects). */
export const NAMESPACE_INDEX = "namespace";

export function namespaceIndexFunc(obj: ObjectLike): readonly string[] {
  return [obj.metadata?.namespace ?? ""];
}

const NO_VALUES: readonly string[] = Object.freeze([]);

/** The object {@link keyOf} keyed last, and its key. */
let lastKeyed: ObjectLike | undefined;
let lastKey = "";

/**
 * `objectKey(obj)`, remembered for the last object asked about: one change reaches every informer
 * of its resource in turn with the same (immutable) object, so they share one key string instead
 * of building, flattening and hashing one each. Holds on to that one object until the next.
 */
function keyOf(obj: ObjectLike): string {
  if (obj !== lastKeyed) {
    lastKey = objectKey(obj);
    lastKeyed = obj;
  }
  return lastKey;
}

/**
 * The informer cache, as client-go's `threadSafeMap` + `Indexer`: objects keyed by
 * `namespace/name` (`objectKey`), plus named indices (value → set of keys) that are kept up to
 * date on every add, update and delete by looking only at the old and new object: no scan of the
 * cache per event. Objects are stored as given (shared, immutable), never copied.
 */
export class Indexer<T extends ObjectLike = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /**
   * The same indices as an array walked on every change (no map lookups, no iterator entries);
   * `byKey` marks one whose values follow from the key (the namespace index), so a replacement
   * under the same key leaves it as it is.
   */
  private readonly indexList: { fn: IndexFunc<T>; index: Map<string, Set<string>>; byKey: boolean }[] = [];

  /** Starts with the namespace index plus `indexers`. */
  constructor(indexers: Indexers<T> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: namespaceIndexFunc, ...indexers });
  }

  get size(): number {
    return this.items.size;
  }

  /** Adds or replaces the object under its key; returns what was stored before. */
  add(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.updateIndices(key, old, obj);
    return old;
  }

  /** Same as {@link add}. */
  update(obj: T): void {
    this.add(obj);
  }

  /** Removes the object with `obj`'s key (or the key itself); returns what was stored. */
  delete(objOrKey: T | string): T | undefined {
    const key = typeof objOrKey === "string" ? objOrKey : keyOf(objOrKey);
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.items.delete(key);
    this.updateIndices(key, old, undefined);
    return old;
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  /** The stored object with the same key as `obj`. */
  get(obj: ObjectLike): T | undefined {
    return this.items.get(objectKey(obj));
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  /** Iterates over the stored objects without building an array. */
  values(): IterableIterator<T> {
    return this.items.values();
  }

  /** Iterates over `[key, object]` pairs. */
  entries(): IterableIterator<[string, T]> {
    return this.items.entries();
  }

  /** Replaces the whole content with `objects` and rebuilds the indices. */
  replace(objects: readonly T[]): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of objects) this.add(obj);
  }

  /**
   * Objects indexed under `value` in index `indexName`, in index order; with `keep`, only those it
   * accepts (one pass and one array, not a filter over a copy).
   */
  byIndex(indexName: string, value: string, keep?: (obj: T) => boolean): T[] {
    const keys = this.indexSet(indexName).get(value);
    if (!keys) return [];
    const out: T[] = [];
    if (keep) {
      for (const key of keys) {
        const obj = this.items.get(key)!;
        if (keep(obj)) out.push(obj);
      }
    } else {
      for (const key of keys) out.push(this.items.get(key)!);
    }
    return out;
  }

  /** How many objects are indexed under `value` in index `indexName` (no array is built). */
  countByIndex(indexName: string, value: string): number {
    return this.indexSet(indexName).get(value)?.size ?? 0;
  }

  /** Keys indexed under `value` in index `indexName`. */
  indexKeys(indexName: string, value: string): string[] {
    const keys = this.indexSet(indexName).get(value);
    return keys ? [...keys] : [];
  }

  /** Every value index `indexName` currently holds. */
  listIndexFuncValues(indexName: string): string[] {
    return [...this.indexSet(indexName).keys()];
  }

  /** Objects sharing at least one value of index `indexName` with `obj`. */
  index(indexName: string, obj: T): T[] {
    const fn = this.indexFunc(indexName);
    const values = fn(obj);
    if (values.length === 1) return this.byIndex(indexName, values[0]!);
    const keys = new Set<string>();
    for (const v of values) for (const k of this.indexSet(indexName).get(v) ?? []) keys.add(k);
    return [...keys].map((k) => this.items.get(k)!);
  }

  /** Index names in use. */
  indexNames(): string[] {
    return [...this.indexers.keys()];
  }

  /**
   * Adds indices, building them over the objects already stored. Refuses a name already in use
   * (client-go: "indexer conflict").
   */
  addIndexers(indexers: Indexers<T>): void {
    const names = Object.keys(indexers);
    const conflicts = names.filter((n) => this.indexers.has(n));
    if (conflicts.length > 0) throw new Error(`indexer conflict: ${conflicts.join(", ")}`);
    for (const name of names) {
      const fn = indexers[name]!;
      const index = new Map<string, Set<string>>();
      this.indexers.set(name, fn);
      this.indices.set(name, index);
      this.indexList.push({ fn, index, byKey: fn === namespaceIndexFunc });
      for (const [key, obj] of this.items) for (const v of fn(obj)) addToIndex(index, v, key);
    }
  }

  private indexFunc(indexName: string): IndexFunc<T> {
    const fn = this.indexers.get(indexName);
    if (!fn) throw new Error(`Index with name ${indexName} does not exist`);
    return fn;
  }

  private indexSet(indexName: string): Map<string, Set<string>> {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`Index with name ${indexName} does not exist`);
    return index;
  }

  /** Moves `key` from the old object's index values to the new object's, per index. */
  private updateIndices(key: string, oldObj: T | undefined, newObj: T | undefined): void {
    for (const { fn, index, byKey } of this.indexList) {
      if (byKey && oldObj && newObj) continue;
      const oldValues = oldObj ? fn(oldObj) : NO_VALUES;
      const newValues = newObj ? fn(newObj) : NO_VALUES;
      if (oldValues.length === 1 && newValues.length === 1 && oldValues[0] === newValues[0]) continue;
      for (const v of oldValues) if (!newValues.includes(v)) removeFromIndex(index, v, key);
      for (const v of newValues) addToIndex(index, v, key);
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

function removeFromIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(value);
}
