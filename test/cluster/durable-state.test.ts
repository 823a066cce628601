import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Event as CoreEvent, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import kcm from "../../plugins/kube-controller-manager/index.js";
import { kubeletCluster, pod } from "../kubelet/harness.js";

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

/** Makes every `fdatasync` of this process take `ms` more of real time (a loaded machine's disk) until the returned function is called. */
async function slowDisk(ms: number): Promise<() => void> {
  const probe = await open(join(dir, "slow-disk-probe"), "w");
  const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const datasync = proto.datasync;
  proto.datasync = async function (this: unknown) {
    await new Promise((r) => setTimeout(r, ms));
    return datasync.call(this);
  };
  return () => void (proto.datasync = datasync);
}

test("on a virtual clock a slow disk takes no simulated time: nodes stay Ready and a pod starts in simulated seconds", async () => {
  const restore = await slowDisk(10);
  const stateDir = mkdtempSync(join(tmpdir(), "kubesim-slow-disk-"));
  try {
    const { cluster, pods } = await kubeletCluster({ stateDir, nodes: [{ name: "node-1" }, { name: "node-2" }], extra: [kcm] });
    const start = Date.UTC(2026, 0, 1);
    try {
      await pods.create(pod("web", { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"] }] }));
      await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web" && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true, { namespace: "default", timeout: 600_000 });
      // Upstream's node-monitor grace period is 40 s: unheld, the writes' fsyncs added minutes.
      assert.ok(cluster.clock.now() - start < 10_000, `Ready after ${(cluster.clock.now() - start) / 1000} s of simulated time`);
      await cluster.clock.sleep(60_000);
      const events = (await cluster.client.resource<CoreEvent>("Event").list({ namespace: "default" })).items;
      assert.equal(events.filter((e) => e.reason === "NodeNotReady").map((e) => e.message), []);
    } finally {
      await cluster.stop();
    }
  } finally {
    restore();
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test.run();
