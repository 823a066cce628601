import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { isStatusError } from "../../core/api/status.js";
import type { Event } from "kubernetes-types/core/v1.js";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { AdmissionPlugins } from "../../core/plugins/extension-points.js";
import type { AdmissionPlugin } from "../../core/apiserver/admission.js";

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


type Cms = ReturnType<Cluster["client"]["resource"]>;

async function started(cluster = new Cluster({ clock: "virtual", autoAdvance: false })): Promise<{ cluster: Cluster; clock: VirtualClock; cms: Cms }> {
  await cluster.start();
  return { cluster, clock: cluster.clock as VirtualClock, cms: cluster.client.resource("ConfigMap") };
}

async function refTo(cms: Cms, name: string, extra: Partial<OwnerReference> = {}, namespace = "default"): Promise<OwnerReference> {
  const owner = await cms.get(name, { namespace });
  return { apiVersion: "v1", kind: "ConfigMap", name, uid: owner.metadata!.uid!, ...extra };
}

const ownerNames = async (cms: Cms, name: string): Promise<string[]> => ((await cms.get(name, { namespace: "default" })).metadata!.ownerReferences ?? []).map((r) => r.name);

for (const policy of ["Foreground", "Background"] as const) {
  test(`${policy}: a dependent with another live owner stays, losing only the reference to the deleted owner`, async () => {
    const { cluster, clock, cms } = await started();
    await cms.create({ metadata: { name: "a", namespace: "default" } });
    await cms.create({ metadata: { name: "b", namespace: "default" } });
    const block = { blockOwnerDeletion: true };
    await cms.create({ metadata: { name: "dep", namespace: "default", ownerReferences: [await refTo(cms, "a", { ...block, controller: true }), await refTo(cms, "b", block)] } });
    await clock.advance(100);
    await cms.delete("a", { namespace: "default", propagationPolicy: policy });
    await clock.advance(5_000);
    assert.not.ok(await exists(cms.get("a", { namespace: "default" })), "the owner is gone");
    assert.equal(await ownerNames(cms, "dep"), ["b"]);
    await cluster.stop();
  });
}

test("a namespaced owner that exists only in another namespace counts as absent: the dependent is collected with an OwnerRefInvalidNamespace event", async () => {
  const { cluster, clock, cms } = await started();
  await cluster.client.resource("Namespace").create({ metadata: { name: "other" } });
  await cms.create({ metadata: { name: "elsewhere", namespace: "other" } });
  const ref = await refTo(cms, "elsewhere", {}, "other");
  const dep = await cms.create({ metadata: { name: "cross", namespace: "default", ownerReferences: [ref] } });
  await clock.advance(2_000);
  assert.not.ok(await exists(cms.get("cross", { namespace: "default" })), "collected");
  assert.ok(await exists(cms.get("elsewhere", { namespace: "other" })), "the other namespace's object is untouched");
  const events = (await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items.filter((e) => e.reason === "OwnerRefInvalidNamespace");
  assert.is(events.length, 1);
  const e = events[0]!;
  assert.is(e.type, "Warning");
  assert.is(e.message, `ownerRef [v1/ConfigMap, namespace: default, name: elsewhere, uid: ${ref.uid}] does not exist in namespace "default"`);
  assert.equal([e.involvedObject.kind, e.involvedObject.name, e.involvedObject.uid], ["ConfigMap", "cross", dep.metadata!.uid]);
  assert.is(e.source?.component, "garbage-collector-controller");
  await cluster.stop();
});

test("removing an owner reference is a precise patch: a reference added concurrently survives", async () => {
  // An admission plugin adds a third owner while the collector's write is in flight, so the
  // collector's write lands on a newer object than the one it read.
  let raced = false;
  const racer: AdmissionPlugin = {
    name: "Racer",
    operations: ["UPDATE"],
    async admit(req, ctx) {
      const refs = req.object?.metadata?.ownerReferences ?? [];
      if (raced || req.name !== "dep" || refs.some((r) => r.name === "a")) return;
      raced = true;
      const cms = ctx.client.resource("ConfigMap");
      const current = await cms.get("dep", { namespace: "default" });
      const c = await cms.get("c", { namespace: "default" });
      await cms.update({ ...current, metadata: { ...current.metadata!, ownerReferences: [...current.metadata!.ownerReferences!, { apiVersion: "v1", kind: "ConfigMap", name: "c", uid: c.metadata!.uid! }] } });
    },
  };
  const cluster = new Cluster({ clock: "virtual", autoAdvance: false }).use(definePlugin({ name: "racer", setup: (ctx) => ctx.contribute(AdmissionPlugins, "Racer", racer) }));
  const { clock, cms } = await started(cluster);
  for (const name of ["a", "b", "c"]) await cms.create({ metadata: { name, namespace: "default" } });
  await cms.create({ metadata: { name: "dep", namespace: "default", ownerReferences: [await refTo(cms, "a"), await refTo(cms, "b")] } });
  await clock.advance(100);
  await cms.delete("a", { namespace: "default", propagationPolicy: "Orphan" });
  await clock.advance(5_000);
  assert.ok(raced, "the concurrent write happened");
  assert.equal(await ownerNames(cms, "dep"), ["b", "c"]);
  await cluster.stop();
});

test("a collected dependent keeps its own orphan finalizer: its dependents are orphaned, not deleted", async () => {
  const { cluster, clock, cms } = await started();
  await cms.create({ metadata: { name: "top", namespace: "default" } });
  await cms.create({ metadata: { name: "mid", namespace: "default", finalizers: ["orphan"], ownerReferences: [await refTo(cms, "top")] } });
  await cms.create({ metadata: { name: "leaf", namespace: "default", ownerReferences: [await refTo(cms, "mid")] } });
  await clock.advance(100);
  await cms.delete("top", { namespace: "default" });
  await clock.advance(5_000);
  assert.not.ok(await exists(cms.get("mid", { namespace: "default" })), "mid collected (after orphaning)");
  assert.ok(await exists(cms.get("leaf", { namespace: "default" })), "leaf orphaned");
  assert.equal(await ownerNames(cms, "leaf"), []);
  await cluster.stop();
});

test("foreground: the owner waits only for dependents with blockOwnerDeletion", async () => {
  const { cluster, clock, cms } = await started();
  await cms.create({ metadata: { name: "owner", namespace: "default" } });
  const hold = ["example.com/hold"];
  await cms.create({ metadata: { name: "blocking", namespace: "default", finalizers: hold, ownerReferences: [await refTo(cms, "owner", { blockOwnerDeletion: true })] } });
  await cms.create({ metadata: { name: "free", namespace: "default", finalizers: hold, ownerReferences: [await refTo(cms, "owner")] } });
  await clock.advance(100);
  await cms.delete("owner", { namespace: "default", propagationPolicy: "Foreground" });
  await clock.advance(2_000);
  for (const name of ["blocking", "free"]) assert.ok((await cms.get(name, { namespace: "default" })).metadata!.deletionTimestamp, `${name} is being deleted`);
  assert.equal((await cms.get("owner", { namespace: "default" })).metadata!.finalizers, ["foregroundDeletion"], "held by the blocking dependent");
  const blocking = await cms.get("blocking", { namespace: "default" });
  await cms.update({ ...blocking, metadata: { ...blocking.metadata!, finalizers: [] } });
  await clock.advance(2_000);
  assert.not.ok(await exists(cms.get("owner", { namespace: "default" })), "gone while the non-blocking dependent still terminates");
  assert.ok(await exists(cms.get("free", { namespace: "default" })));
  await cluster.stop();
});

test("foreground deletion through an ownership cycle completes: the collector unblocks the cycle's references", async () => {
  const { cluster, clock, cms } = await started();
  await cms.create({ metadata: { name: "x", namespace: "default" } });
  await cms.create({ metadata: { name: "y", namespace: "default", ownerReferences: [await refTo(cms, "x", { blockOwnerDeletion: true })] } });
  const x = await cms.get("x", { namespace: "default" });
  await cms.update({ ...x, metadata: { ...x.metadata!, ownerReferences: [await refTo(cms, "y", { blockOwnerDeletion: true })] } });
  await clock.advance(100);
  await cms.delete("x", { namespace: "default", propagationPolicy: "Foreground" });
  await clock.advance(10_000);
  assert.not.ok(await exists(cms.get("x", { namespace: "default" })), "x gone");
  assert.not.ok(await exists(cms.get("y", { namespace: "default" })), "y gone");
  await cluster.stop();
});

test.run();
