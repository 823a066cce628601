/** The event recorder against the in-process stack: Event shape, deduplication, aggregation, spam filter. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Event, Namespace } from "kubernetes-types/core/v1.js";
import { EventBroadcaster } from "../../core/events/event-broadcaster.js";
import { formatMessage } from "../../core/events/format-message.js";
import { createLogger, type LogRecord } from "../../core/log/logger.js";
import { testControlPlane } from "../support/control-plane.js";

async function setup() {
  const cp = await testControlPlane();
  const records: LogRecord[] = [];
  const log = createLogger("events", { level: "debug", sink: (r) => void records.push(r) });
  const broadcaster = new EventBroadcaster({ client: cp.client, clock: cp.clock, log });
  const recorder = broadcaster.newRecorder({ component: "my-controller", host: "node-1" });
  const cm = await cp.client.resource<ConfigMap>("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "default" } });
  const events = async (name = "x"): Promise<Event[]> => (await cp.client.resource<Event>("Event").list({ namespace: "default", fieldSelector: `involvedObject.name=${name}` })).items;
  return { ...cp, broadcaster, recorder, cm, events, records };
}

test("records a core/v1 Event about the object, found by involvedObject.name", async () => {
  const h = await setup();
  h.recorder.event(h.cm, "Normal", "Synced", "ConfigMap synced successfully");
  await h.broadcaster.flush();
  const [ev, ...rest] = await h.events();
  assert.is(rest.length, 0);
  assert.equal(ev!.involvedObject, { kind: "ConfigMap", namespace: "default", name: "x", uid: h.cm.metadata!.uid, apiVersion: "v1", resourceVersion: h.cm.metadata!.resourceVersion });
  assert.is(ev!.metadata!.name, `x.${(BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n).toString(16)}`);
  assert.is(ev!.type, "Normal");
  assert.is(ev!.reason, "Synced");
  assert.is(ev!.message, "ConfigMap synced successfully");
  assert.equal(ev!.source, { component: "my-controller", host: "node-1" });
  assert.is(ev!.reportingComponent, "my-controller");
  assert.is(ev!.count, 1);
  assert.is(ev!.firstTimestamp, "2026-01-01T00:00:00Z");
  assert.is(ev!.lastTimestamp, "2026-01-01T00:00:00Z");
  // A Go recorder's zero eventTime, stored as null (the recorder sends none: the server adds it back).
  assert.is(ev!.eventTime, null);
  assert.equal(Object.keys(ev!), ["apiVersion", "kind", "metadata", "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type", "reportingComponent", "reportingInstance", "eventTime"]);
  await h.broadcaster.shutdown();
});

test("given an ObjectReference (a part of an object, with fieldPath), the Event is about that reference as it is", async () => {
  const h = await setup();
  const ref = { kind: "Pod", namespace: "default", name: "web", uid: "u-1", apiVersion: "v1", resourceVersion: "7", fieldPath: "spec.containers{nginx}" };
  h.recorder.event(ref, "Normal", "Started", "Started container nginx");
  h.recorder.event({ ...ref, fieldPath: "spec.initContainers{setup}" }, "Normal", "Started", "Started container setup");
  await h.broadcaster.flush();
  const events = await h.events("web");
  assert.equal(events.map((e) => e.involvedObject), [ref, { ...ref, fieldPath: "spec.initContainers{setup}" }]);
  assert.equal(Object.keys(events[0]!.involvedObject), ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"]);
  assert.ok(events[0]!.metadata!.name!.startsWith("web."));
  assert.is(events[0]!.metadata!.namespace, "default");
  await h.broadcaster.shutdown();
});

test("two components on one cluster clock recording about the same object at the same instant both land", async () => {
  const h = await setup();
  const other = new EventBroadcaster({ client: h.client, clock: h.clock, log: createLogger("events", { level: "error", sink: () => {} }) });
  other.newRecorder({ component: "kubelet", host: "node-2" }).event(h.cm, "Warning", "NetworkNotReady", "network is not ready");
  h.recorder.event(h.cm, "Normal", "Scheduled", "assigned");
  await Promise.all([other.flush(), h.broadcaster.flush()]);
  const reasons = (await h.events()).map((e) => e.reason).sort();
  assert.equal(reasons, ["NetworkNotReady", "Scheduled"]);
  assert.not.ok(h.records.some((r) => r.msg.includes("rejected")), "no event refused as a duplicate name");
  await other.shutdown();
  await h.broadcaster.shutdown();
});

test("a repeat increments count and lastTimestamp on the same Event; another reason or message is a new Event", async () => {
  const h = await setup();
  h.recorder.event(h.cm, "Warning", "Failed", "boom");
  await h.broadcaster.flush();
  await h.clock.advance(5_000);
  h.recorder.event(h.cm, "Warning", "Failed", "boom");
  await h.clock.advance(5_000);
  h.recorder.eventf(h.cm, "Warning", "Failed", "%s", "boom");
  h.recorder.event(h.cm, "Normal", "Other", "boom");
  await h.broadcaster.flush();
  const evs = await h.events();
  assert.is(evs.length, 2);
  const failed = evs.find((e) => e.reason === "Failed")!;
  assert.is(failed.count, 3);
  assert.is(failed.firstTimestamp, "2026-01-01T00:00:00Z");
  assert.is(failed.lastTimestamp, "2026-01-01T00:00:10Z");
  await h.broadcaster.shutdown();
});

test("a repeat of an Event deleted meanwhile creates it again", async () => {
  const h = await setup();
  h.recorder.event(h.cm, "Normal", "Synced", "ok");
  await h.broadcaster.flush();
  const [ev] = await h.events();
  await h.client.resource("Event").delete(ev!.metadata!.name!, { namespace: "default" });
  h.recorder.event(h.cm, "Normal", "Synced", "ok");
  await h.broadcaster.flush();
  const again = await h.events();
  assert.is(again.length, 1);
  assert.is(again[0]!.count, 2, "the count carries on, as client-go's");
});

test("10 similar events (same reason, different messages) within 10 minutes are combined into one Event", async () => {
  const h = await setup();
  for (let i = 0; i < 9; i++) h.recorder.eventf(h.cm, "Warning", "BackOff", "attempt %d failed", i);
  await h.broadcaster.flush();
  assert.is((await h.events()).length, 9);
  for (let i = 9; i < 14; i++) h.recorder.eventf(h.cm, "Warning", "BackOff", "attempt %d failed", i);
  await h.broadcaster.flush();
  const evs = await h.events();
  assert.is(evs.length, 10);
  const combined = evs.find((e) => e.message!.startsWith("(combined from similar events): "))!;
  assert.ok(combined, evs.map((e) => e.message).join("; "));
  assert.is(combined.count, 5);
  assert.is(combined.message, "(combined from similar events): attempt 13 failed");
  await h.broadcaster.shutdown();
});

test("cluster-scoped objects get Events in the default namespace; the spam filter caps one object's events at 25", async () => {
  const h = await setup();
  const ns = await h.client.resource<Namespace>("Namespace").create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
  for (let i = 0; i < 30; i++) h.recorder.event(ns, "Normal", "Same", "same message");
  await h.broadcaster.flush();
  const evs = await h.events("team");
  assert.is(evs.length, 1);
  assert.is(evs[0]!.metadata!.namespace, "default");
  assert.is(evs[0]!.count, 25);
  await h.clock.advance(300_000);
  h.recorder.event(ns, "Normal", "Same", "same message");
  await h.broadcaster.flush();
  // count counts every occurrence, the 5 the filter did not write too (as client-go's cache does).
  assert.is((await h.events("team"))[0]!.count, 31, "the bucket refills one token per 5 minutes");
  h.recorder.event(ns, "Normal", "Same", "same message");
  await h.broadcaster.flush();
  assert.is((await h.events("team"))[0]!.count, 31, "and that token is spent");
  await h.broadcaster.shutdown();
});

test("errors are logged, not thrown; after shutdown events are dropped and no timer is left", async () => {
  const h = await setup();
  h.recorder.event({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "x", namespace: "gone-namespace" } }, "Normal", "R", "m");
  h.recorder.event({ kind: "ConfigMap" }, "Normal", "R", "m");
  h.recorder.event(h.cm, "Bogus" as "Normal", "R", "m");
  await h.broadcaster.flush();
  const messages = h.records.filter((r) => r.level === "error").map((r) => r.msg);
  assert.ok(messages.includes("Server rejected event (will not retry!)"), messages.join("; "));
  assert.ok(messages.includes("Unsupported event type: 'Bogus'"));
  assert.ok(messages.some((m) => m.startsWith("Could not construct reference")));
  await h.broadcaster.shutdown();
  h.recorder.event(h.cm, "Normal", "After", "m");
  await h.broadcaster.flush();
  assert.is((await h.events()).length, 0);
  assert.is(h.clock.pending, 0);
});

test("past the queue bound an event is dropped with client-go's error line, the others land", async () => {
  const cp = await testControlPlane();
  const records: LogRecord[] = [];
  const broadcaster = new EventBroadcaster({ client: cp.client, clock: cp.clock, log: createLogger("events", { level: "error", sink: (r) => void records.push(r) }), maxQueued: 2 });
  const recorder = broadcaster.newRecorder({ component: "burst" });
  const cm = await cp.client.resource<ConfigMap>("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "q", namespace: "default" } });
  for (let i = 0; i < 6; i++) recorder.event(cm, "Normal", `Step${i}`, `step ${i}`);
  await broadcaster.flush();
  const dropped = records.filter((r) => r.msg === "Unable to record event: too many queued events, dropped event");
  const landed = (await cp.client.resource<Event>("Event").list({ namespace: "default", fieldSelector: "involvedObject.name=q" })).items;
  assert.ok(dropped.length >= 3, `dropped ${dropped.length}`);
  assert.is(landed.length + dropped.length, 6);
  await broadcaster.shutdown();
});

test("formatMessage follows Go's fmt for the common verbs", () => {
  assert.is(formatMessage("%s has %d pods (%v%%) %q", ["web", 3.7, true, "a b"]), 'web has 3 pods (true%) "a b"');
  assert.is(formatMessage("%s and %s", ["one"]), "one and %!s(MISSING)");
  assert.is(formatMessage("x", [1]), "x%!(EXTRA 1)");
});

test.run();
