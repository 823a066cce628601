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
