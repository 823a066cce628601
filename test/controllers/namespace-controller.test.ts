import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Namespace } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { isStatusError } from "../../core/api/status.js";

async function gone(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return false;
  } catch (err) {
    if (isStatusError(err, "NotFound")) return true;
    throw err;
  }
}

test("deleting a namespace deletes its content, then the namespace; lingering content delays it", async () => {
  const cluster = new Cluster({ clock: "virtual", autoAdvance: false });
  await cluster.start();
  const clock = cluster.clock as VirtualClock;
  const client = cluster.client;
  await client.resource("Namespace").create({ metadata: { name: "shop" } });
  await client.resource<ConfigMap>("ConfigMap").create({ metadata: { name: "a", namespace: "shop" } });
  await client.resource<ConfigMap>("ConfigMap").create({ metadata: { name: "held", namespace: "shop", finalizers: ["example.com/hold"] } });
  await client.resource("Service").create({ metadata: { name: "svc", namespace: "shop" }, spec: { ports: [{ port: 80 }] } });
  await client.resource("Namespace").delete("shop");
  await clock.advance(1_000);
  assert.ok(await gone(() => client.resource("ConfigMap").get("a", { namespace: "shop" })), "content deleted");
  assert.ok(await gone(() => client.resource("Service").get("svc", { namespace: "shop" })));
  const terminating = (await client.resource<Namespace>("Namespace").get("shop")) as Namespace;
  assert.is(terminating.status!.phase, "Terminating");
  assert.equal(terminating.spec!.finalizers, ["kubernetes"]);
  // The held ConfigMap is marked for deletion but stays until its finalizer goes.
  const held = (await client.resource<ConfigMap>("ConfigMap").get("held", { namespace: "shop" })) as ConfigMap;
  assert.ok(held.metadata!.deletionTimestamp);
  await client.resource("ConfigMap").update({ ...held, metadata: { ...held.metadata!, finalizers: [] } });
  await clock.advance(6_000);
  assert.ok(await gone(() => client.resource("Namespace").get("shop")), "namespace removed after its content");
  // Its cluster IP went back to the pool, other namespaces are untouched.
  assert.ok(await client.resource("Namespace").get("default"));
  await cluster.stop();
});

test("namespaces/finalize only changes spec.finalizers", async () => {
  const cluster = new Cluster({ clock: "virtual", autoAdvance: false });
  await cluster.start();
  const ns = (await cluster.client.resource<Namespace>("Namespace").create({ metadata: { name: "x", labels: { a: "b" } } })) as Namespace;
  const out = (await cluster.client.resource<Namespace>("Namespace").updateSubresource("x", "finalize", { ...ns, metadata: { ...ns.metadata!, labels: { changed: "yes" } }, spec: { finalizers: ["example.com/custom"] } })) as Namespace;
  assert.equal(out.spec!.finalizers, ["example.com/custom"]);
  assert.is(out.metadata!.labels!["a"], "b");
  await cluster.stop();
});

test.run();
