/** The correlator's LRU cache: recency by re-insertion, evictions through one iterator kept across them. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LruCache } from "../../core/events/lru-cache.js";
import { SeededRandom } from "../../core/clock/random.js";

/** The keys held, oldest first (read without `get`, which would refresh them). */
const held = (c: LruCache<string, number>): string[] => [...(c as unknown as { map: Map<string, number> }).map.keys()];

test("evicts the least recently set entry beyond capacity", () => {
  const c = new LruCache<string, number>(3);
  for (const k of ["a", "b", "c", "d"]) c.set(k, 0);
  assert.is(c.size, 3);
  assert.equal(held(c), ["b", "c", "d"]);
});

test("get makes an entry the most recently used; a miss changes nothing", () => {
  const c = new LruCache<string, number>(3);
  for (const k of ["a", "b", "c"]) c.set(k, 0);
  assert.is(c.get("a"), 0);
  assert.is(c.get("x"), undefined);
  c.set("d", 0);
  assert.equal(held(c), ["c", "a", "d"]);
  c.get("c");
  c.set("e", 0);
  assert.equal(held(c), ["d", "c", "e"]);
});

test("set replaces the value under its key and refreshes it; delete forgets it", () => {
  const c = new LruCache<string, number>(2);
  c.set("a", 1);
  c.set("b", 0);
  c.set("a", 2);
  c.set("c", 0);
  assert.equal(held(c), ["a", "c"]);
  assert.is(c.get("a"), 2);
  assert.is(c.delete("a"), true);
  assert.is(c.delete("a"), false);
  c.set("d", 0);
  c.set("e", 0);
  assert.equal(held(c), ["d", "e"]);
  assert.throws(() => new LruCache<string, number>(0), /at least 1/);
});

test("add stores an absent key, evicting the least recently used first when full", () => {
  const c = new LruCache<string, number>(2);
  c.add("a", 1);
  c.add("b", 2);
  c.get("a");
  c.add("c", 3);
  assert.equal(held(c), ["a", "c"]);
  assert.is(c.get("b"), undefined);
  assert.is(c.get("c"), 3);
  const one = new LruCache<string, number>(1);
  one.add("a", 1);
  one.add("b", 2);
  one.set("b", 3);
  assert.equal(held(one), ["b"]);
  assert.is(one.get("b"), 3);
});

test("many interleaved sets, adds, gets and deletes evict as a list-ordered LRU does", () => {
  const random = new SeededRandom(11);
  for (const capacity of [1, 2, 7, 64]) {
    const c = new LruCache<string, number>(capacity);
    let model: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const key = `k${random.int(capacity * 3)}`;
      const op = random.int(10);
      if (op < 5) {
        // `add` when absent (as the correlator does after a missed `get`), `set` otherwise or at random.
        if (!model.includes(key) && op < 2) c.add(key, i);
        else c.set(key, i);
        model = [...model.filter((k) => k !== key), key];
        if (model.length > capacity) model.shift();
      } else if (op < 9) {
        const found = c.get(key) !== undefined;
        assert.is(found, model.includes(key));
        if (found) model = [...model.filter((k) => k !== key), key];
      } else {
        assert.is(c.delete(key), model.includes(key));
        model = model.filter((k) => k !== key);
      }
    }
    assert.equal(held(c), model, `capacity ${capacity}`);
  }
});

test.run();
