/**
 * A first-in first-out buffer with O(1) push and shift (a growable ring), used where an array's
 * `shift()` would be O(n): work queue items, per-listener notification buffers.
 */
export class Fifo<T> {
  private slots: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity <<= 1;
    this.slots = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(value: T): void {
    if (this.size === this.slots.length) this.grow();
    this.slots[(this.head + this.size) & (this.slots.length - 1)] = value;
    this.size++;
  }

  /** Removes and returns the oldest value; undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const value = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.size--;
    return value;
  }

  /** Drops every value. */
  clear(): void {
    this.slots = new Array<T | undefined>(16);
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const old = this.slots;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.slots = next;
    this.head = 0;
  }
}
