import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ServiceAccount } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";

test("every namespace gets a default ServiceAccount, re-created when deleted", async () => {
  const cluster = new Cluster({ clock: "virtual", autoAdvance: false });
  await cluster.start();
  const clock = cluster.clock as VirtualClock;
  const sas = cluster.client.resource<ServiceAccount>("ServiceAccount");
  await clock.advance(100);
  // Only the controller's `default` accounts (the default distribution's add-ons bring their own).
  const initial = (await sas.list({ fieldSelector: "metadata.name=default" })).items.map((s) => `${s.metadata!.namespace}/${s.metadata!.name}`).sort();
  // One per namespace: the system ones and those the default distribution's add-ons create (flannel's kube-flannel).
  const namespaces = (await cluster.client.resource("Namespace").list()).items.map((n) => `${n.metadata!.name}/default`).sort();
  assert.ok(namespaces.includes("kube-system/default") && namespaces.includes("kube-flannel/default"));
  assert.equal(initial, namespaces);
  await cluster.client.resource("Namespace").create({ metadata: { name: "team" } });
  await clock.advance(100);
  assert.ok(await sas.get("default", { namespace: "team" }));
  await sas.delete("default", { namespace: "team" });
  await clock.advance(100);
  const again = await sas.get("default", { namespace: "team" });
  assert.ok(again.metadata!.uid);
  await cluster.stop();
});

test.run();
