import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { MemoryStore } from "../../core/store/memory-store.js";
import { storageCluster } from "./harness.js";

/** Where a cluster's virtual clock starts (VirtualClock's default). */
const CLOCK_START = Date.UTC(2026, 0, 1);

/**
 * csi-hostpath on a durable cluster keeps its volumes in its plugin state directory
 * (`<stateDir>/plugins/csi-hostpath/`): a file written into a claim before the cluster stops is
 * read back by the same pod after the cluster starts again on the same state dir.
 */
test("a durable cluster's hostpath volume keeps its data and records across a restart", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "kubesim-hostpath-"));
  const writerPod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "writer", namespace: "default" },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "360000"], volumeMounts: [{ name: "data", mountPath: "/data" }] }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] },
  };
  const ready = (p: Pod): boolean => p.metadata?.name === "writer" && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
  /** What a wait that timed out was waiting on: the pod, its claim, volumes, attachments (finalizers: whether the attacher saw them) and events. */
  const explained = async <T>(cluster: Cluster, wait: Promise<T>): Promise<T> => {
    try {
      return await wait;
    } catch (err) {
      const dump: Record<string, unknown> = {};
      for (const [kind, ns] of [["Pod", "default"], ["PersistentVolumeClaim", "default"], ["PersistentVolume", undefined], ["VolumeAttachment", undefined], ["CSINode", undefined], ["Event", "default"]] as const) {
        dump[kind] = (await cluster.client.resource(kind).list(ns ? { namespace: ns } : {}).catch((e: Error) => ({ items: [e.message] }))).items.map((o) => (typeof o === "string" ? o : { name: o.metadata?.name, finalizers: o.metadata?.finalizers, deletionTimestamp: o.metadata?.deletionTimestamp, spec: kind === "Event" ? undefined : (o as { spec?: unknown }).spec, status: (o as { status?: unknown }).status, ...(kind === "Event" ? { reason: (o as { reason?: string }).reason, message: (o as { message?: string }).message } : {}) }));
      }
      throw new Error(`${(err as Error).message}\n${JSON.stringify(dump, null, 1)}`);
    }
  };
  try {
    let node: string;
    let volumeHandle: string;
    {
      const k = await storageCluster({ stateDir, extra: ["kube-scheduler"] });
      const { cluster } = k;
      try {
        await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }, { namespace: "default" });
        await k.pods.create(writerPod, { namespace: "default" });
        const pod = await explained(cluster, cluster.waitFor<Pod>("Pod", ready, { namespace: "default", timeout: 600_000 }));
        assert.ok(cluster.clock.now() - CLOCK_START < 60_000, `Ready ${(cluster.clock.now() - CLOCK_START) / 1000} s of simulated time after the start: the disk's speed showed as simulated time`);
        node = pod.spec!.nodeName!;
        const kl = k.kubeletOf(node);
        const out = await kl.runtime.runtime.execSync(kl.worker("default", "writer")!.slots[0]!.id!, ["sh", "-c", "mkdir -p /data/sub && echo persisted > /data/sub/f && cat /data/sub/f"], 5);
        assert.is(out.stdout, "persisted\n");
        const pvName = (await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").get("data", { namespace: "default" })).spec!.volumeName!;
        volumeHandle = ((await cluster.client.resource("PersistentVolume").get(pvName)) as { spec: { csi: { volumeHandle: string } } }).spec.csi.volumeHandle;
      } finally {
        await cluster.stop();
      }
    }
    // On disk: the volume's directory under the node's data directory, and its record in state.json.
    const pluginDir = join(stateDir, "plugins", "csi-hostpath");
    assert.is(readFileSync(join(pluginDir, "nodes", node, volumeHandle, "sub", "f"), "utf8"), "persisted\n");
    const state = JSON.parse(readFileSync(join(pluginDir, "state.json"), "utf8")) as { volumes: { id: string; node: string }[] };
    assert.equal(state.volumes.map((v) => [v.id, v.node]), [[volumeHandle, node]]);

    {
      const k = await storageCluster({ stateDir, extra: ["kube-scheduler"] });
      const { cluster } = k;
      try {
        const pod = await explained(cluster, cluster.waitFor<Pod>("Pod", (p) => ready(p) && p.status?.containerStatuses?.[0]?.state?.running !== undefined, { namespace: "default", timeout: 600_000 }));
        assert.is(pod.spec?.nodeName, node);
        assert.ok(cluster.clock.now() - CLOCK_START < 60_000, `Ready again ${(cluster.clock.now() - CLOCK_START) / 1000} s of simulated time after the restart`);
        const kl = k.kubeletOf(node);
        const out = await kl.runtime.runtime.execSync(kl.worker("default", "writer")!.slots[0]!.id!, ["cat", "/data/sub/f"], 5);
        assert.is(out.stdout, "persisted\n", "the file written before the restart");
        // Deleting the claim after the pod deletes the volume and its data on disk.
        await k.pods.delete("writer", { namespace: "default", gracePeriodSeconds: 0 });
        await cluster.client.resource("PersistentVolumeClaim").delete("data", { namespace: "default" });
        for (let i = 0; i < 600 && existsSync(join(pluginDir, "nodes", node, volumeHandle)); i++) await cluster.clock.sleep(500);
        assert.not.ok(existsSync(join(pluginDir, "nodes", node, volumeHandle)), "DeleteVolume removed the directory");
        assert.equal((JSON.parse(readFileSync(join(pluginDir, "state.json"), "utf8")) as { volumes: unknown[] }).volumes, []);
      } finally {
        await cluster.stop();
      }
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test("plugins get <stateDir>/plugins/<name> on a durable cluster and no state directory in memory", async () => {
  const seen: (string | undefined)[] = [];
  const probe = () => definePlugin({ name: "probe", setup: (ctx) => void seen.push(ctx.stateDir) });
  const memory = new Cluster({ clock: "virtual", seed: 1, plugins: [probe()] });
  await memory.start();
  await memory.stop();
  const dir = mkdtempSync(join(tmpdir(), "kubesim-plugin-state-"));
  try {
    const durable = new Cluster({ clock: "virtual", seed: 1, stateDir: dir, plugins: [probe()] });
    await durable.start();
    await durable.stop();
    const inMemoryStore = new Cluster({ clock: "virtual", seed: 1, stateDir: dir, store: new MemoryStore(), plugins: [probe()] });
    await inMemoryStore.start();
    await inMemoryStore.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(seen, [undefined, join(dir, "plugins", "probe"), undefined]);
});

test.run();
