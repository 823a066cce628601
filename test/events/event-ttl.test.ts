/** --event-ttl: Events are deleted an hour (plus the lease's reuse window) after their last write, on the cluster clock. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "kubernetes-types/core/v1.js";
import { testControlPlane } from "../support/control-plane.js";

const HOUR = 3_600_000;
const REUSE = 60_000;

const event = (name: string): Event => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name, namespace: "default" },
  involvedObject: { kind: "Pod", namespace: "default", name: "web", uid: "uid-web", apiVersion: "v1" },
  reason: "Started",
  message: "Started container nginx",
  type: "Normal",
  count: 1,
});

async function setup(eventTtlMs?: number) {
  const cp = await testControlPlane(eventTtlMs === undefined ? {} : { eventTtlMs });
  const events = cp.client.resource<Event>("Event");
  const names = async (): Promise<string[]> => (await events.list({ namespace: "default" })).items.map((e) => e.metadata!.name!).sort();
  return { ...cp, events, names };
}

test("an Event is deleted ttl + 60 s after it was written, and watchers see it go", async () => {
  const h = await setup();
  await h.events.create(event("a"));
  const seen: string[] = [];
  const watch = await h.events.watch({ namespace: "default", resourceVersion: String(h.store.currentRevision()) }, (e) => void seen.push(`${e.type} ${e.object.metadata?.name}`));
  await h.clock.advance(HOUR + REUSE - 1);
  assert.equal(await h.names(), ["a"]);
  await h.clock.advance(1);
  assert.equal(await h.names(), []);
  assert.equal(seen, ["DELETED a"]);
  watch.stop();
  h.stop();
});

test("writes within 60 s share a lease; a later write gets its own; a repeat (patch) starts the hour again", async () => {
  const h = await setup();
  await h.events.create(event("first"));
  await h.clock.advance(30_000);
  await h.events.create(event("shares-the-lease"));
  await h.clock.advance(30_000);
  await h.events.create(event("new-lease"));
  await h.events.create(event("repeated"));
  await h.clock.advance(50 * 60_000);
  await h.events.patch("repeated", "strategic", { count: 2 }, { namespace: "default" });
  // The first lease ends at +1 h 1 min: both of its Events go together.
  await h.clock.advance(HOUR + REUSE - 60_000 - 50 * 60_000);
  assert.equal(await h.names(), ["new-lease", "repeated"]);
  // The second lease (granted at +1 min) ends at +2 min past the hour.
  await h.clock.advance(60_000);
  assert.equal(await h.names(), ["repeated"]);
  // The repeat at +51 min: gone at +2 h 52 min.
  await h.clock.advance(50 * 60_000 - 1);
  assert.equal(await h.names(), ["repeated"]);
  await h.clock.advance(1);
  assert.equal(await h.names(), []);
  h.stop();
});

test("an Event deleted before its lease ends, or created again under its name, is left alone", async () => {
  const h = await setup();
  await h.events.create(event("deleted"));
  await h.events.create(event("recreated"));
  await h.clock.advance(10 * 60_000);
  await h.events.delete("deleted", { namespace: "default" });
  await h.events.delete("recreated", { namespace: "default" });
  await h.events.create(event("recreated"));
  await h.clock.advance(HOUR + REUSE - 10 * 60_000);
  assert.equal(await h.names(), ["recreated"]);
  await h.clock.advance(10 * 60_000);
  assert.equal(await h.names(), []);
  h.stop();
});

test("a ttl of 0 keeps Events; a stopped control plane deletes nothing", async () => {
  const kept = await setup(0);
  await kept.events.create(event("a"));
  await kept.clock.advance(24 * HOUR);
  assert.equal(await kept.names(), ["a"]);
  kept.stop();
  const stopped = await setup();
  await stopped.events.create(event("a"));
  stopped.stop();
  assert.is(stopped.clock.pending, 0, "no timer left behind");
  await stopped.clock.advance(2 * HOUR);
  assert.equal(await stopped.names(), ["a"]);
});

test.run();
