/**
 * Property: a paged list interleaved with random writes returns, page after page, exactly the
 * state at the first page's revision (in key order, `limit` at a time, nothing skipped or
 * repeated), or — once that revision has left the history — a 410 whose token continues at the
 * latest state.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { ContinueExpiredError } from "../../core/store/continue-token.js";
import { MemoryStore } from "../../core/store/memory-store.js";

const KEYS = Array.from({ length: 8 }, (_, i) => `/registry/pods/ns${i % 2}/p${i}`);
const PREFIX = "/registry/pods/";

type Step = { op: "write"; key: number; stamp: number } | { op: "delete"; key: number } | { op: "page" } | { op: "restart"; limit: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant("write" as const), key: fc.nat(KEYS.length - 1), stamp: fc.nat(99) }),
  fc.record({ op: fc.constant("delete" as const), key: fc.nat(KEYS.length - 1) }),
  fc.record({ op: fc.constant("page" as const) }),
  fc.record({ op: fc.constant("restart" as const), limit: fc.integer({ min: 1, max: 4 }) }),
);

test("every page shows the first page's snapshot", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 60, size: "max" }), fc.integer({ min: 2, max: 30 }), async (steps, historyLimit) => {
      const store = new MemoryStore({ historyLimit });
      const live = new Map<string, number>();
      const states: Map<string, number>[] = [new Map()]; // state after each revision
      let paging: { limit: number; token?: string; revision?: number; seen: string[] } | undefined;

      for (const s of steps) {
        if (s.op === "write" || s.op === "delete") {
          const key = KEYS[s.key]!;
          if (s.op === "delete") {
            if (!live.has(key)) continue;
            await store.delete(key);
            live.delete(key);
          } else {
            const obj = { metadata: { name: key, annotations: { stamp: String(s.stamp) } } };
            if (live.has(key)) await store.update(key, obj);
            else await store.create(key, obj);
            live.set(key, s.stamp);
          }
          states.push(new Map(live));
          continue;
        }
        if (s.op === "restart" || !paging) {
          paging = { limit: s.op === "restart" ? s.limit : 2, seen: [] };
          if (s.op === "restart") continue;
        }
        const p = paging;
        try {
          const r = await store.list(PREFIX, { limit: p.limit, continue: p.token });
          if (p.revision === undefined) p.revision = r.revision;
          assert.is(r.revision, p.revision, "all pages are at the first page's revision");
          const state = states[p.revision]!;
          const expectedAll = [...state.keys()].sort();
          const after = p.seen.length ? expectedAll.filter((k) => k > p.seen[p.seen.length - 1]!) : expectedAll;
          const page = r.items.map((o) => o.metadata!.name!);
          assert.equal(page, after.slice(0, p.limit));
          assert.equal(r.items.map((o) => Number(o.metadata!.annotations!.stamp)), page.map((k) => state.get(k)!));
          const rest = after.length - page.length;
          if (rest > 0) {
            assert.ok(r.continue, "more items → a continue token");
            assert.is(r.remainingItemCount, rest);
          } else {
            assert.is(r.continue, undefined);
          }
          p.seen.push(...page);
          if (r.continue) p.token = r.continue;
          else paging = undefined;
        } catch (err) {
          assert.instance(err, ContinueExpiredError);
          assert.ok(p.revision !== undefined && p.revision < store.oldestWatchableRevision(), "410 only once the revision left the history");
          const rest = await store.list(PREFIX, { continue: (err as ContinueExpiredError).continueToken });
          const lastSeen = p.seen[p.seen.length - 1]!;
          assert.equal(rest.items.map((o) => o.metadata!.name!), [...live.keys()].sort().filter((k) => k > lastSeen), "the 410 token continues at the latest state");
          paging = undefined;
        }
      }
    }),
    { numRuns: 300 },
  );
});

test.run();
