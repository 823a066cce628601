import { objectKey, type KubeObject, type ObjectLike } from "../api/object.js";

/**
 * Computes the values an object is indexed under (e.g. `[spec.nodeName]`); may be empty. Must be
 * pure (a function of the object alone): the indexer remembers what it returned for the stored
 * object and does not ask again when that object is replaced or removed.
 */
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
 * date on every add, update and delete by looking only at the new object and the values the old
 * one was indexed under (remembered per key, so each change runs each index function once, and
 * not at all when the same object is stored again): no scan of the cache per event. Objects are
 * stored as given (shared, immutable), never copied. Index functions must be pure.
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
  /**
   * Key → the values its object is indexed under, by position in `indexList` (nothing for an index
   * derived from the key); kept only while some index is not (`tracked` > 0).
   */
  private readonly indexedValues = new Map<string, (readonly string[])[]>();
  private tracked = 0;

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
    if (old === obj) return old;
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
    this.indexedValues.clear();
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
      const byKey = fn === namespaceIndexFunc;
      const position = this.indexList.push({ fn, index, byKey }) - 1;
      if (!byKey) this.tracked++;
      for (const [key, obj] of this.items) {
        const values = fn(obj);
        if (!byKey) this.valuesOf(key)[position] = values.length === 0 ? NO_VALUES : values;
        for (const v of values) addToIndex(index, v, key);
      }
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

  /** The remembered index values of `key` (created with none when absent: a packed array, one slot per index). */
  private valuesOf(key: string): (readonly string[])[] {
    let values = this.indexedValues.get(key);
    if (values === undefined) {
      values = [];
      for (let i = 0; i < this.indexList.length; i++) values.push(NO_VALUES);
      this.indexedValues.set(key, values);
    }
    return values;
  }

  /**
   * Moves `key` from the values the old object was indexed under to the new object's, per index
   * (a key-derived index only when the key comes or goes), and remembers the new values.
   */
  private updateIndices(key: string, oldObj: T | undefined, newObj: T | undefined): void {
    const list = this.indexList;
    const saved = this.tracked === 0 ? undefined : newObj ? this.valuesOf(key) : this.indexedValues.get(key);
    for (let i = 0; i < list.length; i++) {
      const { fn, index, byKey } = list[i]!;
      let oldValues: readonly string[];
      let newValues: readonly string[];
      if (byKey) {
        if (oldObj && newObj) continue;
        oldValues = oldObj ? fn(oldObj) : NO_VALUES;
        newValues = newObj ? fn(newObj) : NO_VALUES;
      } else {
        oldValues = oldObj ? saved![i]! : NO_VALUES;
        newValues = newObj ? fn(newObj) : NO_VALUES;
      }
      // Unchanged (the usual update): nothing moves, and the values already remembered stay.
      if (oldValues.length === newValues.length && (newValues.length === 0 || (newValues.length === 1 && oldValues[0] === newValues[0]))) continue;
      for (const v of oldValues) if (!newValues.includes(v)) removeFromIndex(index, v, key);
      for (const v of newValues) addToIndex(index, v, key);
      if (!byKey && newObj) saved![i] = newValues.length === 0 ? NO_VALUES : newValues;
    }
    if (!newObj && saved) this.indexedValues.delete(key);
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
