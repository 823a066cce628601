import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Cluster } from "../../core/cluster/cluster.js";

const dir = mkdtempSync(join(tmpdir(), "kubesim-cluster-state-"));

test("a cluster started again on its state dir has every object; nodes re-register as the same Node objects", async () => {
  const first = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: [], stateDir: dir });
  await first.start();
  await first.client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kept", namespace: "default" }, data: { a: "1" } });
  const nodesBefore = (await first.client.resource("Node").list()).items;
  const kept = await first.client.resource("ConfigMap").get("kept", { namespace: "default" });
  await first.stop();

  const second = new Cluster({ clock: "virtual", seed: 2, nodes: 2, plugins: [], stateDir: dir });
  await second.start();
  try {
    const again = await second.client.resource("ConfigMap").get("kept", { namespace: "default" });
    assert.equal(again.data, { a: "1" });
    assert.is(again.metadata?.uid, kept.metadata?.uid);
    assert.is(again.metadata?.resourceVersion, kept.metadata?.resourceVersion);
    const nodesAfter = (await second.client.resource("Node").list()).items;
    assert.equal(nodesAfter.map((n) => [n.metadata?.name, n.metadata?.uid, (n.spec as { podCIDR?: string }).podCIDR]), nodesBefore.map((n) => [n.metadata?.name, n.metadata?.uid, (n.spec as { podCIDR?: string }).podCIDR]));
    assert.is((await second.client.resource("Service").list({ namespace: "default" })).items.length, 1, "the kubernetes Service is not duplicated");
  } finally {
    await second.stop();
  }
  // Without a state dir nothing is kept.
  const memory = new Cluster({ clock: "virtual", seed: 3, plugins: [] });
  await memory.start();
  try {
    assert.is((await memory.client.resource("ConfigMap").list({ namespace: "default" })).items.length, 0);
  } finally {
    await memory.stop();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
