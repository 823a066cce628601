import type { Random } from "../../../core/clock/random.js";

/** CoreDNS's plugin/pkg/cache shard count. */
const SHARDS = 256;

/**
 * The store behind the `cache` plugin, as CoreDNS's plugin/pkg/cache: 256 shards of
 * `capacity / 256` items (at least 4); adding a new key to a full shard evicts one item of that
 * shard chosen at random (Go's map iteration order). Unlike FIFO or LRU eviction, a working set a
 * little over the capacity still mostly hits, as it does in CoreDNS. Shards are made on first use.
 */
export class CacheShards<V> {
  private readonly shards: (Map<string, V> | undefined)[] = new Array(SHARDS);
  private readonly shardSize: number;
  private count = 0;

  /** `onRemove` is told of every value leaving the store: deleted, evicted or replaced. */
  constructor(
    capacity: number,
    private readonly random: Random,
    private readonly onRemove?: (value: V) => void,
  ) {
    this.shardSize = Math.max(4, Math.floor(capacity / SHARDS));
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.shards[shardOf(key)]?.get(key);
  }

  /** Adds or replaces; returns true when another item was evicted to make room. */
  add(key: string, value: V): boolean {
    const i = shardOf(key);
    let shard = this.shards[i];
    if (!shard) shard = this.shards[i] = new Map();
    let evicted = false;
    const old = shard.get(key);
    if (old !== undefined) {
      if (old !== value) this.onRemove?.(old);
    } else if (!shard.has(key)) {
      if (shard.size >= this.shardSize) {
        let skip = this.random.int(shard.size);
        for (const [k, v] of shard) {
          if (skip-- > 0) continue;
          shard.delete(k);
          this.onRemove?.(v);
          this.count--;
          evicted = true;
          break;
        }
      }
      this.count++;
    }
    shard.set(key, value);
    return evicted;
  }

  delete(key: string): void {
    const shard = this.shards[shardOf(key)];
    if (!shard) return;
    const old = shard.get(key);
    if (shard.delete(key)) {
      this.count--;
      if (old !== undefined) this.onRemove?.(old);
    }
  }
}

/** FNV-1a of the key, low 8 bits: the shard (CoreDNS masks its FNV-64 question hash the same way). */
function shardOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h & (SHARDS - 1);
}
