/**
 * A set of entries kept in key order, for range scans over a prefix without re-sorting.
 *
 * Layout (as Python's sortedcontainers): a list of chunks, each a sorted array of at most
 * `2 * CHUNK` entries, plus the last key of every chunk. Placing one key is a binary search over
 * the chunk maxima, a binary search in one chunk and a short shift — O(log n + CHUNK) — instead of
 * moving half of a 150,000-element array. Scans walk chunks in order.
 *
 * Inserts are not placed at once: `insert` appends to an unsorted pending list of the key's group
 * (the key up to its third `/`: `/registry/<resource>/`, one group per resource), O(1). A group's
 * pending entries are sorted and merged into the chunks only when something needs their order: a
 * scan or count whose range meets the group's key range, or a remove of a key not yet placed. The
 * store's writes vastly outnumber its range reads (informers list once, then watch), and some
 * resources are hardly ever listed (Events: ~5 per pod), so most keys are placed in large sorted
 * batches, or not until a list needs them, instead of one binary search over long shared-prefix
 * keys and one shift of an old-generation array each. Reads see exactly the set's current
 * contents: a read merges every group it could see first.
 *
 * Chunks are small (64 to 128 entries): placing a key in a chunk shifts on average half of it,
 * each move a barriered store into an array in the old generation. A sorted batch is merged into
 * a chunk by moving each of its entries once (a fresh array when the batch is large).
 */
import { prefixRangeEnd } from "./keys.js";

const CHUNK = 64;
/** Up to this many pending entries for one chunk are placed one by one (binary search, shift); more are merged into a fresh array. */
const SMALL_BATCH = 8;

export interface KeyedEntry {
  readonly key: string;
}

/** The pending (not yet placed) entries of the keys starting with `prefix`. */
interface Group<E> {
  readonly prefix: string;
  /** prefixRangeEnd(prefix): every key of the group is in [prefix, end). */
  readonly end: string;
  pending: E[];
}

export class SortedEntries<E extends KeyedEntry> {
  private chunks: E[][] = [];
  private maxes: string[] = [];
  private total = 0;
  private readonly groups = new Map<string, Group<E>>();
  /** The groups with pending entries. */
  private unplaced: Group<E>[] = [];
  /** The group of the last insert (consecutive inserts are mostly of one resource). */
  private last: Group<E> | undefined;

  get size(): number {
    return this.total;
  }

  /** Inserts `entry`; its key must not be present. */
  insert(entry: E): void {
    const key = entry.key;
    let group = this.last;
    // A key with the group's prefix (three `/`, the last one ending it) is of that group.
    if (group === undefined || group.prefix === "" || !key.startsWith(group.prefix)) group = this.last = this.groupOf(key);
    if (group.pending.length === 0) this.unplaced.push(group);
    group.pending.push(entry);
    this.total++;
  }

  /** Removes the entry with `key`; returns whether it was there. */
  remove(key: string): boolean {
    if (this.removePlaced(key)) return true;
    const group = this.groups.get(groupPrefix(key));
    if (group === undefined || group.pending.length === 0) return false;
    this.place(group);
    return this.removePlaced(key);
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
    this.placeWithin(from, to);
    const chunks = this.chunks;
    for (let c = this.chunkFor(from), first = true; c < chunks.length; c++, first = false) {
      const chunk = chunks[c]!;
      const start = first ? lowerBound(chunk, from, chunk.length) : 0;
      // Whole chunk inside the range: no per-entry comparison with `to`.
      const end = this.maxes[c]! < to ? chunk.length : lowerBound(chunk, to, chunk.length);
      if (start < end && !visit(chunk, start, end)) return;
      if (end < chunk.length) return;
    }
  }

  /** How many keys `k` satisfy `from <= k < to`. O(log n + chunks). */
  countRange(from: string, to: string): number {
    if (!(from < to)) return 0;
    // Keys still pending outside [from, to) are in neither rank: the difference counts the range.
    this.placeWithin(from, to);
    return this.rank(to) - this.rank(from);
  }

  /** The group of `key`, created if new. */
  private groupOf(key: string): Group<E> {
    const prefix = groupPrefix(key);
    let group = this.groups.get(prefix);
    if (group === undefined) {
      group = { prefix, end: prefix === "" ? "\uffff\uffff" : prefixRangeEnd(prefix), pending: [] };
      this.groups.set(prefix, group);
    }
    return group;
  }

  /** Places the pending entries of every group whose key range meets [from, to). */
  private placeWithin(from: string, to: string): void {
    const unplaced = this.unplaced;
    if (unplaced.length === 0 || !(from < to)) return;
    let kept = 0;
    for (let i = 0; i < unplaced.length; i++) {
      const group = unplaced[i]!;
      if (group.prefix < to && group.end > from) this.placeEntries(group);
      else unplaced[kept++] = group;
    }
    unplaced.length = kept;
  }

  /** Places the pending entries of `group` (which has some). */
  private place(group: Group<E>): void {
    this.placeEntries(group);
    const i = this.unplaced.indexOf(group);
    this.unplaced.splice(i, 1);
  }

  /** Sorts the group's pending entries and merges them into the chunks; leaves `unplaced` to the caller. */
  private placeEntries(group: Group<E>): void {
    const batch = group.pending;
    group.pending = [];
    batch.sort(byKey);
    let p = 0;
    while (p < batch.length) {
      // Re-read each time: replacing a chunk by several replaces these arrays.
      const chunks = this.chunks;
      if (chunks.length === 0) {
        this.replaceChunk(0, 0, batch, p, batch.length);
        return;
      }
      let c = this.chunkFor(batch[p]!.key);
      let q = p + 1;
      if (c >= chunks.length - 1) {
        // The last chunk (or beyond every key): it takes the rest.
        c = chunks.length - 1;
        q = batch.length;
      } else {
        const max = this.maxes[c]!;
        while (q < batch.length && batch[q]!.key < max) q++;
      }
      const chunk = chunks[c]!;
      const n = q - p;
      if (n <= SMALL_BATCH && chunk.length + n <= 2 * CHUNK) {
        // A few entries: shift each into place, from the largest down (each old entry moves once).
        let hi = chunk.length;
        for (let j = p; j < q; j++) chunk.push(batch[j]!); // grow (push keeps the array packed)
        for (let j = q - 1, w = chunk.length - 1; j >= p; j--) {
          const entry = batch[j]!;
          const i = lowerBound(chunk, entry.key, hi);
          while (hi > i) chunk[w--] = chunk[--hi]!;
          chunk[w--] = entry;
        }
        this.maxes[c] = chunk[chunk.length - 1]!.key;
      } else {
        const merged = mergeSorted(chunk, batch, p, q);
        this.replaceChunk(c, 1, merged, 0, merged.length);
      }
      p = q;
    }
  }

  /**
   * Replaces `count` chunks at `c` by `sorted[from..to)` cut into chunks of at most 1.5 * CHUNK
   * entries (at least 0.75 * CHUNK when there are more).
   */
  private replaceChunk(c: number, count: number, sorted: E[], from: number, to: number): void {
    const n = to - from;
    const pieces = Math.max(1, Math.ceil(n / (CHUNK * 1.5)));
    if (pieces === 1 && count === 1 && from === 0 && to === sorted.length) {
      this.chunks[c] = sorted;
      this.maxes[c] = sorted[to - 1]!.key;
      return;
    }
    const newChunks: E[][] = [];
    const newMaxes: string[] = [];
    for (let k = 0; k < pieces; k++) {
      const piece = sorted.slice(from + Math.floor((n * k) / pieces), from + Math.floor((n * (k + 1)) / pieces));
      newChunks.push(piece);
      newMaxes.push(piece[piece.length - 1]!.key);
    }
    if (pieces === 1) {
      this.chunks.splice(c, count, newChunks[0]!);
      this.maxes.splice(c, count, newMaxes[0]!);
    } else {
      this.chunks = this.chunks.slice(0, c).concat(newChunks, this.chunks.slice(c + count));
      this.maxes = this.maxes.slice(0, c).concat(newMaxes, this.maxes.slice(c + count));
    }
  }

  /** Removes `key` if it is in the chunks. */
  private removePlaced(key: string): boolean {
    const c = this.chunkFor(key);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk, key, chunk.length);
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

  /** How many placed keys are smaller than `key`. */
  private rank(key: string): number {
    const c = this.chunkFor(key);
    let n = 0;
    for (let i = 0; i < c; i++) n += this.chunks[i]!.length;
    return c === this.chunks.length ? n : n + lowerBound(this.chunks[c]!, key, this.chunks[c]!.length);
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

/**
 * The group of a key: up to and including its third `/` (`/registry/pods/` for
 * `/registry/pods/ns/name`), or "" (a group spanning every key) for a key without three.
 */
function groupPrefix(key: string): string {
  if (key.charCodeAt(0) !== 47 /* / */) return "";
  const a = key.indexOf("/", 1);
  const b = a < 0 ? -1 : key.indexOf("/", a + 1);
  return b < 0 ? "" : key.slice(0, b + 1);
}

/** Orders entries of distinct keys (one comparison: no two entries of a batch have the same key). */
function byKey(a: KeyedEntry, b: KeyedEntry): number {
  return a.key < b.key ? -1 : 1;
}

/** `chunk` and `batch[from..to)` (both sorted, disjoint keys) merged into a new array. */
function mergeSorted<E extends KeyedEntry>(chunk: readonly E[], batch: readonly E[], from: number, to: number): E[] {
  const out: E[] = []; // filled by push: packed, as the chunks are
  let i = 0;
  let j = from;
  while (i < chunk.length && j < to) out.push(chunk[i]!.key < batch[j]!.key ? chunk[i++]! : batch[j++]!);
  while (i < chunk.length) out.push(chunk[i++]!);
  while (j < to) out.push(batch[j++]!);
  return out;
}

/** Index of the first of `chunk[0..hi)` whose key is >= `key` (hi if none). */
function lowerBound(chunk: readonly KeyedEntry[], key: string, hi: number): number {
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunk[mid]!.key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
