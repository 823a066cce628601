/** Manager lifecycle: caches before runnables, leader-elected vs. not, late additions, clean stop. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { controllerFor } from "../../core/controller/builder.js";
import type { Runnable } from "../../core/controller/runnable.js";
import { Controllers } from "../../core/controller/extension-point.js";
import { ExtensionRegistry } from "../../core/plugins/extension-point.js";
import { managerHarness, settle } from "./harness.js";

/** A runnable that records its lifecycle and runs until aborted. */
function probe(events: string[], name: string, needLeaderElection?: boolean): Runnable {
  return {
    needLeaderElection,
    start: (signal) =>
      new Promise<void>((resolve) => {
        events.push(`${name} start`);
        signal.addEventListener("abort", () => {
          events.push(`${name} stop`);
          resolve();
        });
      }),
  };
}

test("start syncs caches before starting runnables; stop stops everything and leaves no timer", async () => {
  const h = await managerHarness();
  const events: string[] = [];
  const informer = h.informers.forResource("ConfigMap");
  let syncedAtStart = false;
  h.mgr.add({ start: () => void (syncedAtStart = informer.hasSynced()) });
  h.mgr.add(probe(events, "p"));
  await h.mgr.start();
  assert.ok(syncedAtStart);
  assert.equal(events, ["p start"]);
  assert.ok(h.mgr.isLeader(), "without leader election every manager runs everything");
  await h.mgr.elected();
  await h.mgr.stop();
  assert.equal(events, ["p start", "p stop"]);
  assert.ok(informer.isStopped(), "the informers the manager started are stopped");
  assert.is(h.clock.pending, 0);
  await h.mgr.stop();
  assert.throws(() => h.mgr.add(probe(events, "late")), /stopping or stopped/);
  await h.mgr.stop(); // idempotent
});

test("a controller added after start gets its informer started and synced", async () => {
  const h = await managerHarness();
  await h.mgr.start();
  await h.client.resource<ConfigMap>("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late", namespace: "default" } });
  const seen: string[] = [];
  controllerFor(h.mgr).for("ConfigMap").complete({ reconcile: (r) => void seen.push(r.name) });
  await settle();
  assert.equal(seen, ["late"]);
  await h.mgr.stop();
  assert.is(h.clock.pending, 0);
});

test("with leader election, runnables that do not need it start at once; the others once elected", async () => {
  const h = await managerHarness({ leaderElection: { id: "lease", identity: "me" } });
  const events: string[] = [];
  h.mgr.add(probe(events, "everywhere", false));
  h.mgr.add(probe(events, "leader-only"));
  const start = h.mgr.start();
  await start;
  assert.ok(events.includes("everywhere start"));
  await h.mgr.elected();
  assert.ok(h.mgr.isLeader());
  assert.equal(events.sort(), ["everywhere start", "leader-only start"]);
  await h.mgr.stop();
  assert.equal(events.slice(2), ["leader-only stop", "everywhere stop"], "leader-elected runnables stop first");
  assert.is(h.clock.pending, 0);
});

test("stop aborts a running reconcile's signal and waits for it", async () => {
  const h = await managerHarness();
  let aborted = false;
  let finished = false;
  controllerFor(h.mgr).for("ConfigMap").complete({
    reconcile: async (_r, ctx) => {
      try {
        await h.clock.sleep(60_000, ctx.signal);
      } catch {
        aborted = ctx.signal.aborted;
      }
      finished = true;
    },
  });
  await h.client.resource<ConfigMap>("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "slow", namespace: "default" } });
  await h.mgr.start();
  await settle();
  await h.mgr.stop();
  assert.ok(aborted && finished);
  assert.is(h.clock.pending, 0);
});

test("the Controllers extension point takes registrations whose setup builds controllers", async () => {
  const h = await managerHarness();
  const points = new ExtensionRegistry();
  const seen: string[] = [];
  points.point(Controllers).contribute("cm-watcher", { name: "cm-watcher", setup: (mgr) => void controllerFor(mgr).named("cm-watcher").for("ConfigMap").complete({ reconcile: (r) => void seen.push(r.name) }) });
  for (const reg of points.point(Controllers).all()) await reg.setup(h.mgr);
  await h.client.resource<ConfigMap>("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "default" } });
  await h.mgr.start();
  await settle();
  assert.equal(seen, ["x"]);
  await h.mgr.stop();
});

test.run();
