import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { IndexedHeap } from "../../core/collections/indexed-heap.js";

interface E { key: number; id: number; heapIndex: number }

test("property: random pushes, removals and key decreases pop in (key, id) order, without the removed", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom("push", "remove", "decrease")), { maxLength: 200 }), (ops) => {
      const heap = new IndexedHeap<E>((a, b) => a.key < b.key || (a.key === b.key && a.id < b.id));
      const live = new Map<number, E>();
      let id = 0;
      for (const [n, op] of ops) {
        if (op === "push") {
          const e = { key: n, id: id++, heapIndex: -1 };
          live.set(e.id, e);
          heap.push(e);
        } else if (live.size > 0) {
          const target = [...live.values()][n % live.size]!;
          if (op === "remove") {
            assert.ok(heap.remove(target));
            assert.not.ok(heap.remove(target));
            live.delete(target.id);
          } else {
            target.key = Math.max(0, target.key - n);
            heap.update(target);
          }
        }
      }
      const expected = [...live.values()].sort((a, b) => a.key - b.key || a.id - b.id).map((e) => e.id);
      const popped: number[] = [];
      for (let e = heap.pop(); e; e = heap.pop()) popped.push(e.id);
      assert.equal(popped, expected);
      assert.is(heap.size, 0);
    }),
    { numRuns: 300 },
  );
});

test.run();
