import { test } from "uvu";
import * as assert from "uvu/assert";
import { SeededRandom } from "../../core/clock/random.js";
import { CacheShards } from "../../plugins/coredns/dns-plugins/cache-shards.js";

test("never holds more than 256 shards of capacity/256 items, and reports each eviction", () => {
  const c = new CacheShards<number>(9984, new SeededRandom(1));
  let evictions = 0;
  for (let i = 0; i < 30_000; i++) if (c.add(`A|svc-${i}.default.svc.cluster.local.|0`, i)) evictions++;
  assert.ok(c.size <= 9984, `size ${c.size}`);
  assert.is(c.size + evictions, 30_000);
  // Replacing a present key evicts nothing and keeps the size.
  const before = c.size;
  const present = Array.from({ length: 30_000 }, (_, i) => `A|svc-${i}.default.svc.cluster.local.|0`).find((k) => c.get(k) !== undefined)!;
  assert.is(c.add(present, -1), false);
  assert.is(c.size, before);
  assert.is(c.get(present), -1);
  c.delete(present);
  assert.is(c.get(present), undefined);
  assert.is(c.size, before - 1);
});

test("onRemove is told of exactly the values that left: evicted, replaced, deleted", () => {
  const gone = new Set<number>();
  const c = new CacheShards<number>(9984, new SeededRandom(3), (v) => {
    assert.not.ok(gone.has(v), `${v} removed twice`);
    gone.add(v);
  });
  for (let i = 0; i < 20_000; i++) c.add(`k${i}`, i);
  // Every value is either still held or was reported gone, never both.
  for (let i = 0; i < 20_000; i++) assert.is(c.get(`k${i}`) === i, !gone.has(i), `k${i}`);
  assert.is(gone.size, 20_000 - c.size);
  const held = Array.from({ length: 20_000 }, (_, i) => i).find((i) => !gone.has(i))!;
  c.add(`k${held}`, held);
  assert.not.ok(gone.has(held), "storing the same value again removes nothing");
  c.add(`k${held}`, -5);
  assert.ok(gone.has(held), "a replaced value is reported");
  c.delete(`k${held}`);
  assert.ok(gone.has(-5), "a deleted value is reported");
  c.delete(`k${held}`);
  assert.is(gone.size, 20_000 - c.size + 1);
});

test("small capacities get at least 4 items per shard, as CoreDNS's cache.New", () => {
  const c = new CacheShards<number>(10, new SeededRandom(1));
  for (let i = 0; i < 5000; i++) c.add(`k${i}`, i);
  assert.ok(c.size > 10 && c.size <= 1024, `size ${c.size}`);
});

test("a cyclic working set just over capacity still mostly hits (random eviction, unlike FIFO/LRU)", () => {
  const c = new CacheShards<number>(9984, new SeededRandom(7));
  const keys = Array.from({ length: 10_000 }, (_, i) => `A|svc-${i}.default.svc.cluster.local.|0`);
  let hits = 0;
  let lookups = 0;
  for (let round = 0; round < 5; round++) {
    for (const k of keys) {
      lookups++;
      if (c.get(k) !== undefined) hits++;
      else c.add(k, 1);
    }
  }
  // FIFO would miss every lookup here; the first round is all misses (cold).
  assert.ok(hits / lookups > 0.6, `hit ratio ${(hits / lookups).toFixed(2)}`);
});

test.run();
