/** The event correlator's caches at their 4096-entry bound: a repeat patches until 4096 other objects' events have pushed it out, as in client-go. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "kubernetes-types/core/v1.js";
import { EventCorrelator, MAX_LRU_CACHE_ENTRIES } from "../../core/events/event-correlator.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";

const event = (name: string, message = "Started container"): Event => ({
  metadata: { name: `${name}.1`, namespace: "default" },
  involvedObject: { kind: "Pod", namespace: "default", name, uid: `uid-${name}`, apiVersion: "v1" },
  reason: "Started",
  message,
  type: "Normal",
  source: { component: "kubelet", host: "node-1" },
});

/** Correlates and "writes" one event; returns whether it became a patch of an earlier one. */
function record(c: EventCorrelator, e: Event): boolean {
  const r = c.correlate(e);
  c.updateState(r.key, { ...r.event, count: r.patch?.count ?? 1 });
  return r.patch !== undefined;
}

for (const [others, patched] of [
  [MAX_LRU_CACHE_ENTRIES - 1, true],
  [MAX_LRU_CACHE_ENTRIES, false],
] as const) {
  test(`a repeat after ${others} other objects' events ${patched ? "patches the Event" : "is a new Event (evicted)"}`, () => {
    const c = new EventCorrelator({ clock: new VirtualClock(), spamBurst: 1e9 });
    assert.is(record(c, event("a")), false);
    for (let i = 0; i < others; i++) record(c, event(`p${i}`));
    assert.is(record(c, event("a")), patched);
    // Another message about the same object is its own Event either way; the same one again patches.
    assert.is(record(c, event("a", "Killing container")), false);
    assert.is(record(c, event("a")), true);
  });
}

test("the same name and namespace with another uid, kind or source is another object", () => {
  const c = new EventCorrelator({ clock: new VirtualClock() });
  assert.is(record(c, event("a")), false);
  assert.is(record(c, { ...event("a"), involvedObject: { ...event("a").involvedObject, uid: "other" } }), false);
  assert.is(record(c, { ...event("a"), involvedObject: { ...event("a").involvedObject, kind: "Node" } }), false);
  assert.is(record(c, { ...event("a"), source: { component: "kubelet", host: "node-2" } }), false);
  assert.is(record(c, { ...event("a"), involvedObject: { ...event("a").involvedObject, fieldPath: "spec.containers{nginx}" } }), false);
  assert.is(record(c, event("a")), true);
});

test("an event right after one about another object differing in any one source or object field is about another object", () => {
  const c = new EventCorrelator({ clock: new VirtualClock() });
  const base = event("a");
  const changes: Event[] = [
    { ...base, source: { component: "other", host: "node-1" } },
    { ...base, source: { component: "kubelet" } },
    ...(["kind", "namespace", "name", "uid", "apiVersion"] as const).map((field) => ({ ...base, involvedObject: { ...base.involvedObject, [field]: "changed" } })),
  ];
  for (const changed of changes) {
    assert.is(record(c, base), changes.indexOf(changed) > 0, JSON.stringify(changed.involvedObject));
    assert.is(record(c, changed), false, JSON.stringify(changed));
    // Equal fields in new objects (new strings too) are the same object.
    assert.is(record(c, JSON.parse(JSON.stringify(changed)) as Event), true);
  }
});

test("similar events are combined within 10 minutes of the last one; past that they start over (a correlator made at a late hour)", async () => {
  const clock = new VirtualClock({ start: Date.UTC(2026, 10, 27, 23, 0, 0) });
  await clock.advance(1234);
  const c = new EventCorrelator({ clock, maxEvents: 3 });
  const combined = (message: string): boolean => c.correlate(event("a", message)).event.message!.startsWith("(combined from similar events): ");
  assert.is(combined("one"), false);
  assert.is(combined("two"), false);
  await clock.advance(600_000);
  // The last one was 10 minutes ago exactly: still within the interval.
  assert.is(combined("three"), true);
  await clock.advance(600_001);
  assert.is(combined("four"), false);
  assert.is(combined("five"), false);
  assert.is(combined("six"), true);
});

test("similar events are combined per reporting component and instance too", () => {
  const c = new EventCorrelator({ clock: new VirtualClock(), maxEvents: 2 });
  const reported = (message: string, reportingInstance: string): Event => ({ ...event("a", message), reportingComponent: "kubelet", reportingInstance });
  const combined = (e: Event): boolean => c.correlate(e).event.message!.startsWith("(combined from similar events): ");
  assert.is(combined(reported("one", "node-1")), false);
  // Another reporting instance: its own aggregate, so a second message there is its first.
  assert.is(combined(reported("two", "elsewhere")), false);
  assert.is(combined(reported("three", "node-1")), true);
  assert.is(combined(reported("four", "elsewhere")), true);
});

test.run();
