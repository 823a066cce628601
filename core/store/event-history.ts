import type { StoreEvent } from "./store.js";

/**
 * The bounded window of recent store events that watches replay from, in increasing revision
 * order. In a store of its own every revision produces exactly one event, so the retained events
 * carry consecutive revisions and the event for revision `r` sits at a computable position; over a
 * shared etcd (revisions spent on keys outside the store's prefix) there are gaps, and the start of
 * a replay is found by binary search. Replay is O(events replayed).
 *
 * `compactedThrough` is the highest revision no longer retained (0 while nothing was dropped); a
 * watch may start from any revision >= it.
 */
export class EventHistory {
  private readonly ring: (StoreEvent | undefined)[];
  /** Ring index of the oldest retained event. */
  private head = 0;
  private count = 0;
  private dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array(capacity);
  }

  /** Highest revision whose event is gone (compacted or pushed out of the window); 0 if none. */
  get compactedThrough(): number {
    return this.dropped;
  }

  get size(): number {
    return this.count;
  }

  /** Appends the event of the next revision, dropping the oldest when full. */
  append(event: StoreEvent): void {
    if (this.count === this.capacity) this.dropOldest();
    this.ring[(this.head + this.count) % this.capacity] = event;
    this.count++;
  }

  /** Drops every event with revision <= `revision`; afterwards `compactedThrough >= revision`. */
  compact(revision: number): void {
    while (this.count > 0 && this.ring[this.head]!.revision <= revision) this.dropOldest();
    if (revision > this.dropped) this.dropped = revision;
  }

  /** Whether every event after `revision` is still retained. */
  covers(revision: number): boolean {
    return revision >= this.dropped;
  }

  /** Calls `visit` for each retained event with revision > `revision`, oldest first. */
  forEachAfter(revision: number, visit: (event: StoreEvent) => void): void {
    if (this.count === 0) return;
    const oldest = this.ring[this.head]!.revision;
    let skip = Math.max(0, revision + 1 - oldest);
    if (skip >= this.count || this.at(skip).revision !== revision + 1) skip = this.firstAfter(revision);
    for (let i = skip; i < this.count; i++) visit(this.ring[(this.head + i) % this.capacity]!);
  }

  private at(i: number): StoreEvent {
    return this.ring[(this.head + i) % this.capacity]!;
  }

  /** Index of the first retained event with revision > `revision` (count when none). */
  private firstAfter(revision: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private dropOldest(): void {
    const event = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.dropped = event.revision;
  }
}
