/**
 * The correlator against a plain model of client-go's EventCorrelator (tools/record/events_cache.go):
 * three LRU caches keyed by the events' fields joined as text, no ids. Random events over a small
 * set of sources and objects (many sharing a uid, some without one, so ids are found by uid, along
 * a uid's chain, past its bound by text, and after their entries were evicted) with small caches,
 * a low aggregation bound and a small spam burst: every event must be skipped, patched (with the
 * same count, of the same Event) or created (combined or not) as the model decides.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { Event } from "kubernetes-types/core/v1.js";
import { EventCorrelator, COMBINED_MESSAGE_PREFIX, MAX_IDS_PER_UID } from "../../core/events/event-correlator.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";

/** A least-recently-used map as client-go's `lru.Cache`: Get and Add refresh, Add beyond the size evicts the oldest. */
class ModelLru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  add(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}

interface ModelOptions {
  size: number;
  maxEvents: number;
  maxIntervalMs: number;
  burst: number;
  qps: number;
}

type Outcome = { skip: boolean; patchOf?: string; count?: number; combined: boolean };

/** client-go's correlator, written plainly: aggregate, observe, spam filter, with the fields as keys. */
class Model {
  private readonly aggregates: ModelLru<{ localKeys: string[]; last: number }>;
  private readonly observed: ModelLru<{ count: number; name: string }>;
  private readonly spam: ModelLru<{ tokens: number; last: number }>;
  constructor(private readonly o: ModelOptions) {
    this.aggregates = new ModelLru(o.size);
    this.observed = new ModelLru(o.size);
    this.spam = new ModelLru(o.size);
  }

  /** Returns the outcome and the key to record the written Event under. */
  correlate(e: Event, now: number): { outcome: Outcome; key: string } {
    const o = e.involvedObject;
    const object = [e.source?.component ?? "", e.source?.host ?? "", o.kind ?? "", o.namespace ?? "", o.name ?? "", o.uid ?? "", o.apiVersion ?? ""];
    // Aggregation (EventAggregatorByReasonFunc; PopAny drops the oldest message, as the correlator does).
    const aggregateKey = [...object, e.type ?? "", e.reason ?? "", e.reportingComponent ?? "", e.reportingInstance ?? ""].join("\u0000");
    let record = this.aggregates.get(aggregateKey);
    if (!record || record.last < now - this.o.maxIntervalMs) record = { localKeys: [], last: now };
    if (!record.localKeys.includes(e.message ?? "")) record.localKeys.push(e.message ?? "");
    record.last = now;
    this.aggregates.add(aggregateKey, record);
    let combined = false;
    let key = [...object, o.fieldPath ?? "", e.type ?? "", e.reason ?? "", e.message ?? ""].join("\u0000");
    if (record.localKeys.length >= this.o.maxEvents) {
      record.localKeys.shift();
      combined = true;
      key = aggregateKey;
    }
    // Observation.
    const last = this.observed.get(key);
    const outcome: Outcome = { skip: false, combined };
    if (last) {
      outcome.patchOf = last.name;
      outcome.count = last.count + 1;
      last.count++;
    }
    // Spam filter: a token bucket per source, object and type.
    const spamKey = [...object, e.type ?? ""].join("\u0000");
    let bucket = this.spam.get(spamKey);
    if (!bucket) bucket = { tokens: this.o.burst, last: now };
    else bucket.tokens = Math.min(this.o.burst, bucket.tokens + ((now - bucket.last) / 1000) * this.o.qps);
    bucket.last = now;
    this.spam.add(spamKey, bucket);
    if (bucket.tokens < 1) outcome.skip = true;
    else bucket.tokens -= 1;
    return { outcome, key };
  }

  written(key: string, count: number, name: string): void {
    this.observed.add(key, { count, name });
  }
}

const FIELDS = {
  component: ["kubelet", "default-scheduler"],
  host: [undefined, "node-1"],
  kind: ["Pod", "Node"],
  name: ["a", "b", "c", "d", "e"],
  fieldPath: [undefined, undefined, "spec.containers{c}"],
  type: ["Normal", "Normal", "Warning"],
  reason: ["Started", "Started", "BackOff"],
  message: ["one", "one", "two", "three"],
} as const;

const pick = <T>(values: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

const anEvent = fc.record({
  component: pick(FIELDS.component),
  host: pick(FIELDS.host),
  kind: pick(FIELDS.kind),
  name: pick(FIELDS.name),
  // Mostly one uid: its chain fills up and overflows.
  uid: fc.constantFrom("u1", "u1", "u1", "u2", ""),
  fieldPath: pick(FIELDS.fieldPath),
  type: pick(FIELDS.type),
  reason: pick(FIELDS.reason),
  message: pick(FIELDS.message),
  reporting: fc.boolean(),
  /** Fresh strings (not the same instances) for the involved object's fields. */
  copied: fc.boolean(),
  advanceMs: fc.constantFrom(0, 0, 1, 1000, 300_000),
});

type Generated = typeof anEvent extends fc.Arbitrary<infer T> ? T : never;

function build(g: Generated, i: number): Event {
  const s = (v: string): string => (g.copied ? [...v].join("") : v);
  return {
    metadata: { name: `e${i}`, namespace: "default" },
    involvedObject: { kind: s(g.kind), namespace: "default", name: s(g.name), ...(g.uid ? { uid: s(g.uid) } : {}), apiVersion: "v1", ...(g.fieldPath ? { fieldPath: g.fieldPath } : {}) },
    reason: g.reason,
    message: g.message,
    type: g.type,
    source: g.host ? { component: g.component, host: g.host } : { component: g.component },
    // Mostly the source's (as recorded); sometimes another reporter.
    reportingComponent: g.reporting ? "other" : g.component,
    reportingInstance: g.reporting ? "" : (g.host ?? ""),
    count: 1,
  };
}

test("decides every event as client-go's correlator with text keys does (small caches, random sources and objects)", async () => {
  // More sources and objects share a uid than a uid's chain holds: some are found by text.
  assert.ok(FIELDS.component.length * FIELDS.host.length * FIELDS.kind.length * FIELDS.name.length > MAX_IDS_PER_UID);
  await fc.assert(
    fc.asyncProperty(fc.array(anEvent, { minLength: 100, maxLength: 300 }), fc.integer({ min: 1, max: 40 }), async (events, size) => {
      const options = { size, maxEvents: 3, maxIntervalMs: 600_000, burst: 6, qps: 1 / 300 };
      const clock = new VirtualClock({ start: Date.UTC(2026, 0, 1) });
      const model = new Model(options);
      const c = new EventCorrelator({ clock, cacheSize: size, maxEvents: options.maxEvents, maxIntervalMs: options.maxIntervalMs, spamBurst: options.burst, spamQps: options.qps });
      for (let i = 0; i < events.length; i++) {
        const g = events[i]!;
        if (g.advanceMs) await clock.advance(g.advanceMs);
        const e = build(g, i);
        const expected = model.correlate(e, clock.now());
        const r = c.correlate(e);
        const got: Outcome = { skip: r.skip, combined: r.event.message!.startsWith(COMBINED_MESSAGE_PREFIX) };
        if (r.patch) {
          got.patchOf = r.event.metadata!.name!;
          got.count = r.patch.count;
        }
        assert.equal(got, expected.outcome, `event ${i}: ${JSON.stringify(e)}`);
        if (!r.skip) {
          const count = r.patch?.count ?? 1;
          c.updateState(r.key, { ...r.event, count, metadata: { ...r.event.metadata, resourceVersion: String(i + 1) } });
          model.written(expected.key, count, r.event.metadata!.name!);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test("a uid's sources and objects past its chain's bound keep their ids: their repeats patch, their spam buckets drain", () => {
  const c = new EventCorrelator({ clock: new VirtualClock(), spamBurst: 3 });
  const about = (name: string, message = "m"): Event => ({
    metadata: { name: `${name}.1`, namespace: "default" },
    involvedObject: { kind: "Pod", namespace: "default", name, uid: "shared", apiVersion: "v1" },
    reason: "Started",
    message,
    type: "Normal",
    source: { component: "kubelet", host: "node-1" },
  });
  const names = Array.from({ length: MAX_IDS_PER_UID + 3 }, (_, i) => `p${i}`);
  const record = (e: Event): "skip" | "patch" | "create" => {
    const r = c.correlate(e);
    if (r.skip) return "skip";
    c.updateState(r.key, { ...r.event, count: r.patch?.count ?? 1 });
    return r.patch ? "patch" : "create";
  };
  for (const n of names) assert.is(record(about(n)), "create");
  for (const n of names) assert.is(record(about(n)), "patch", n);
  for (const n of names) assert.is(record(about(n, "other")), "create", n);
  // The burst of 3 is spent for each of them.
  for (const n of names) assert.is(record(about(n, "third")), "skip", n);
});

test.run();
