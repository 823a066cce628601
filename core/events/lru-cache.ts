/**
 * A bounded map that evicts the least recently used entry. A Map keeps insertion order, so recency
 * is kept by deleting and re-inserting an entry when it is used, and the oldest entry is the
 * first live one in iteration order. Evictions read it with one iterator kept across them: every
 * entry before its position is gone (evicted, or moved to the end when used), and a Map iterator
 * skips deleted entries and visits ones added after it was made, so each eviction steps only
 * over entries deleted since the last one (a fresh iterator per eviction stepped over all of them).
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  /** Positioned after the last evicted entry; made at the first eviction. */
  private evictor: Iterator<K> | undefined;
  /** The most recently used key (using it again changes nothing), or undefined when not known. */
  private newest: K | undefined;

  constructor(private readonly capacity: number) {
    if (capacity < 1) throw new Error("LruCache capacity must be at least 1");
  }

  /** The value for `key`, made the most recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined || key === this.newest) return value;
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    return value;
  }

  /** Stores `value` under `key` as the most recently used; evicts the least recently used beyond capacity. */
  set(key: K, value: V): void {
    if (key === this.newest) {
      // Already last in order: replaced in place.
      this.map.set(key, value);
      return;
    }
    if (this.map.delete(key)) this.map.set(key, value);
    else this.add(key, value);
    this.newest = key;
  }

  /**
   * As {@link set} for a key known to be absent (a `get` just missed it): no lookup to remove it
   * first. The least recently used entry is evicted before the insert when the cache is full,
   * which is the entry `set` would evict after it.
   */
  add(key: K, value: V): void {
    if (this.map.size >= this.capacity) {
      this.evictor ??= this.map.keys();
      this.map.delete(this.evictor.next().value as K);
    }
    this.map.set(key, value);
    this.newest = key;
  }

  delete(key: K): boolean {
    if (key === this.newest) this.newest = undefined;
    return this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
