/**
 * Property: for any interleaving of creates, updates and deletes over a few keys, and watches
 * started at any revision (including ones compacted away), every watch sees exactly the events
 * after its revision under its prefix, in order, none missing or doubled — as a simple model
 * (the full log of changes) predicts; watches from compacted revisions fail with Gone.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { MemoryStore } from "../../core/store/memory-store.js";
import { isStoreError, type StoreEvent } from "../../core/store/store.js";

const KEYS = ["/registry/pods/a/x", "/registry/pods/a/y", "/registry/pods/b/x", "/registry/podtemplates/a/x"];
const PREFIXES = ["/registry/", "/registry/pods/", "/registry/pods/a/", "/registry/pods/a/x", "/registry/podtemplates/"];

type Step =
  | { op: "write"; key: number; stamp: number }
  | { op: "delete"; key: number }
  | { op: "watch"; prefix: number; back: number }
  | { op: "stop"; which: number }
  | { op: "compact"; back: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("write" as const), key: fc.nat(KEYS.length - 1), stamp: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), key: fc.nat(KEYS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("watch" as const), prefix: fc.nat(PREFIXES.length - 1), back: fc.nat(12) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("stop" as const), which: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("compact" as const), back: fc.nat(6) }) },
);

interface ModelEvent {
  type: StoreEvent["type"];
  key: string;
  revision: number;
  stamp: number | undefined;
}

interface OpenWatch {
  prefix: string;
  from: number;
  got: ModelEvent[];
  /** Revision after which the watch was stopped (events up to it are expected). */
  stoppedAt?: number;
  stop: () => void;
}

test("watchers see exactly the model's events after their revision, in order, once", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 80, size: "max" }), fc.integer({ min: 2, max: 12 }), async (steps, historyLimit) => {
      const store = new MemoryStore({ historyLimit });
      const log: ModelEvent[] = [];
      const live = new Map<string, number>(); // key → stamp
      let compactedThrough = 0;
      const watches: OpenWatch[] = [];

      for (const s of steps) {
        if (s.op === "write") {
          const key = KEYS[s.key]!;
          const obj = { metadata: { name: key, annotations: { stamp: String(s.stamp) } } };
          const type = live.has(key) ? "MODIFIED" : "ADDED";
          const stored = type === "ADDED" ? await store.create(key, obj) : await store.update(key, obj);
          live.set(key, s.stamp);
          log.push({ type, key, revision: Number(stored.metadata!.resourceVersion), stamp: s.stamp });
        } else if (s.op === "delete") {
          const key = KEYS[s.key]!;
          if (!live.has(key)) continue;
          const stamp = live.get(key);
          await store.delete(key);
          live.delete(key);
          log.push({ type: "DELETED", key, revision: store.currentRevision(), stamp });
        } else if (s.op === "watch") {
          const prefix = PREFIXES[s.prefix]!;
          const from = Math.max(0, store.currentRevision() - s.back);
          const got: ModelEvent[] = [];
          try {
            const w = store.watch(prefix, { revision: from }, (e) =>
              got.push({ type: e.type, key: e.key, revision: e.revision, stamp: Number(e.object.metadata?.annotations?.stamp) }),
            );
            assert.ok(from >= compactedThrough, `watch from ${from} should have been Gone (compacted through ${compactedThrough})`);
            watches.push({ prefix, from, got, stop: () => w.stop() });
          } catch (err) {
            assert.ok(isStoreError(err, "Gone"), String(err));
            assert.ok(from < compactedThrough, `watch from ${from} refused though only ${compactedThrough} was compacted`);
            assert.is(err.message, `too old resource version: ${from} (${compactedThrough})`);
          }
        } else if (s.op === "stop") {
          const w = watches[s.which % Math.max(1, watches.length)];
          if (w && w.stoppedAt === undefined) {
            w.stop();
            w.stoppedAt = store.currentRevision();
          }
        } else {
          const target = Math.max(0, store.currentRevision() - s.back);
          store.compact(target);
          compactedThrough = Math.max(compactedThrough, target);
        }
        // The window is bounded by historyLimit as well as by explicit compaction.
        compactedThrough = Math.max(compactedThrough, store.currentRevision() - historyLimit);
        assert.is(store.oldestWatchableRevision(), compactedThrough);
      }

      for (const w of watches) {
        const until = w.stoppedAt ?? Infinity;
        const expected = log.filter((e) => e.revision > w.from && e.revision <= until && e.key.startsWith(w.prefix));
        assert.equal(w.got, expected, `watch ${w.prefix} from ${w.from}`);
      }
    }),
    { numRuns: 300 },
  );
});

test.run();
