/**
 * A set of entries kept in key order, for range scans over a prefix without re-sorting.
 *
 * Layout (as Python's sortedcontainers): a list of chunks, each a sorted array of at most
 * `2 * CHUNK` entries, plus the last key of every chunk. Insert and delete are a binary search
 * over the chunk maxima, a binary search in one chunk and a short splice — O(log n + CHUNK) —
 * instead of moving half of a 150,000-element array. Scans walk chunks in order.
 *
 * Chunks are small (64 to 128 entries): every create shifts on average half a chunk of an array
 * that lives in the old generation, each move a barriered store, and keys arrive in random order
 * (generated names). At 512 (up to 1,024 per chunk) an insert cost ~2.6 µs against ~1.5 µs at 64
 * (20,000 pod keys into 20,000 event keys); counting a range adds up chunk lengths, one per 64
 * to 128 keys, still a few µs at 150,000 keys.
 */

const CHUNK = 64;

export interface KeyedEntry {
  readonly key: string;
}

export class SortedEntries<E extends KeyedEntry> {
  private chunks: E[][] = [];
  private maxes: string[] = [];
  private total = 0;

  get size(): number {
    return this.total;
  }

  /** Inserts `entry`; its key must not be present. */
  insert(entry: E): void {
    const key = entry.key;
    this.total++;
    if (this.chunks.length === 0) {
      this.chunks.push([entry]);
      this.maxes.push(key);
      return;
    }
    let c = this.chunkFor(key);
    if (c === this.chunks.length) c--; // beyond every key: append to the last chunk
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk, key);
    // Open a slot at i by shifting the tail right (cheaper than splice, which allocates).
    chunk.push(entry);
    for (let j = chunk.length - 1; j > i; j--) chunk[j] = chunk[j - 1]!;
    chunk[i] = entry;
    if (i === chunk.length - 1) this.maxes[c] = key;
    if (chunk.length > 2 * CHUNK) {
      const tail = chunk.splice(CHUNK);
      this.chunks.splice(c + 1, 0, tail);
      this.maxes.splice(c, 0, chunk[chunk.length - 1]!.key);
    }
  }

  /** Removes the entry with `key`; returns whether it was there. */
  remove(key: string): boolean {
    const c = this.chunkFor(key);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk, key);
    if (i === chunk.length || chunk[i]!.key !== key) return false;
    chunk.splice(i, 1);
    this.total--;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.maxes.splice(c, 1);
    } else if (i === chunk.length) {
      this.maxes[c] = chunk[chunk.length - 1]!.key;
    }
    return true;
  }

  /**
   * Calls `visit` for each entry with `from <= key < to`, in key order, until it returns false.
   */
  scan(from: string, to: string, visit: (entry: E) => boolean): void {
    this.scanRuns(from, to, (run, start, end) => {
      for (let i = start; i < end; i++) if (!visit(run[i]!)) return false;
      return true;
    });
  }

  /**
   * The entries with `from <= key < to` as runs `run[start..end)` over the internal chunks, in key
   * order, until `visit` returns false: hot loops iterate a plain array instead of paying a call
   * per entry. The runs must not be modified or kept.
   */
  scanRuns(from: string, to: string, visit: (run: readonly E[], start: number, end: number) => boolean): void {
    const chunks = this.chunks;
    for (let c = this.chunkFor(from), first = true; c < chunks.length; c++, first = false) {
      const chunk = chunks[c]!;
      const start = first ? lowerBound(chunk, from) : 0;
      // Whole chunk inside the range: no per-entry comparison with `to`.
      const end = this.maxes[c]! < to ? chunk.length : lowerBound(chunk, to);
      if (start < end && !visit(chunk, start, end)) return;
      if (end < chunk.length) return;
    }
  }

  /** How many keys `k` satisfy `from <= k < to`. O(log n + chunks). */
  countRange(from: string, to: string): number {
    return from < to ? this.rank(to) - this.rank(from) : 0;
  }

  /** How many keys are smaller than `key`. */
  private rank(key: string): number {
    const c = this.chunkFor(key);
    let n = 0;
    for (let i = 0; i < c; i++) n += this.chunks[i]!.length;
    return c === this.chunks.length ? n : n + lowerBound(this.chunks[c]!, key);
  }

  /** Index of the first chunk whose largest key is >= `key` (chunks.length if none). */
  private chunkFor(key: string): number {
    const maxes = this.maxes;
    let lo = 0;
    let hi = maxes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (maxes[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Index of the first entry whose key is >= `key`. */
function lowerBound(chunk: readonly KeyedEntry[], key: string): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunk[mid]!.key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
