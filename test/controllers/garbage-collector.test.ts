import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { isStatusError } from "../../core/api/status.js";

async function setup(): Promise<{ cluster: Cluster; clock: VirtualClock; cms: ReturnType<Cluster["client"]["resource"]>; owner: ConfigMap }> {
  const cluster = new Cluster({ clock: "virtual", autoAdvance: false });
  await cluster.start();
  const clock = cluster.clock as VirtualClock;
  const cms = cluster.client.resource("ConfigMap");
  const owner = (await cms.create({ metadata: { name: "owner", namespace: "default" } })) as ConfigMap;
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
  await cms.create({ metadata: { name: "dep-1", namespace: "default", ownerReferences: [ref] } });
  await cms.create({ metadata: { name: "dep-2", namespace: "default", ownerReferences: [ref] } });
  await clock.advance(100);
  return { cluster, clock, cms, owner };
}

async function exists(get: Promise<unknown>): Promise<boolean> {
  try {
    await get;
    return true;
  } catch (err) {
    if (isStatusError(err, "NotFound")) return false;
    throw err;
  }
}

test("background (default): dependents of a deleted owner are deleted", async () => {
  const { cluster, clock, cms } = await setup();
  await cms.delete("owner", { namespace: "default" });
  await clock.advance(1_000);
  assert.not.ok(await exists(cms.get("dep-1", { namespace: "default" })));
  assert.not.ok(await exists(cms.get("dep-2", { namespace: "default" })));
  await cluster.stop();
});

test("orphan: dependents lose the owner reference and stay; the owner goes", async () => {
  const { cluster, clock, cms } = await setup();
  await cms.delete("owner", { namespace: "default", propagationPolicy: "Orphan" });
  await clock.advance(1_000);
  assert.not.ok(await exists(cms.get("owner", { namespace: "default" })));
  const dep = await cms.get("dep-1", { namespace: "default" });
  assert.is(dep.metadata!.ownerReferences, undefined);
  await cluster.stop();
});

test("foreground: dependents go first, then the owner", async () => {
  const { cluster, clock, cms } = await setup();
  const held = await cms.get("dep-2", { namespace: "default" });
  await cms.update({ ...held, metadata: { ...held.metadata!, finalizers: ["example.com/hold"] } });
  await cms.delete("owner", { namespace: "default", propagationPolicy: "Foreground" });
  await clock.advance(1_000);
  assert.not.ok(await exists(cms.get("dep-1", { namespace: "default" })));
  // dep-2 is held by its finalizer, so the owner waits with its foregroundDeletion finalizer.
  const waiting = await cms.get("owner", { namespace: "default" });
  assert.equal(waiting.metadata!.finalizers, ["foregroundDeletion"]);
  const dep2 = await cms.get("dep-2", { namespace: "default" });
  await cms.update({ ...dep2, metadata: { ...dep2.metadata!, finalizers: [] } });
  await clock.advance(5_000);
  assert.not.ok(await exists(cms.get("owner", { namespace: "default" })));
  await cluster.stop();
});

test("a dependent whose owner never existed is collected; one with a live owner is not", async () => {
  const cluster = new Cluster({ clock: "virtual", autoAdvance: false });
  await cluster.start();
  const clock = cluster.clock as VirtualClock;
  const cms = cluster.client.resource("ConfigMap");
  const alive = await cms.create({ metadata: { name: "alive", namespace: "default" } });
  await cms.create({ metadata: { name: "kept", namespace: "default", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "alive", uid: alive.metadata!.uid! }] } });
  await cms.create({ metadata: { name: "dangling", namespace: "default", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "ghost", uid: "00000000-0000-4000-8000-000000000000" }] } });
  await cms.create({ metadata: { name: "foreign", namespace: "default", ownerReferences: [{ apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "11111111-0000-4000-8000-000000000000" }] } });
  await clock.advance(1_000);
  assert.ok(await exists(cms.get("kept", { namespace: "default" })));
  assert.not.ok(await exists(cms.get("dangling", { namespace: "default" })));
  assert.ok(await exists(cms.get("foreign", { namespace: "default" })), "owners of unserved kinds are left alone");
  await cluster.stop();
});

test.run();
