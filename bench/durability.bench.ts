/**
 * DurableStore figures (every write fsynced before it is acknowledged):
 * - creates/s through the raw store, 1 writer (one fsync per write) and 64 concurrent writers
 *   (group commit)
 * - creates/s through the API server (in-process client, admission, validation), 64 concurrent
 * - restart time with 150,000 ~2 KB pods stored (target ≤ 10 s), and what it read
 * - with `etcd` installed (Debian's etcd-server 3.4): a one-member etcd on the same disk, its put
 *   throughput with the same 64 concurrent clients (raw `/v3/kv/put`, fsync per commit as etcd
 *   does) and the EtcdStore's creates/s, with the durable store's ratio to etcd (target ≥ 1.0×)
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../core/api/object.js";
import { Cluster } from "../core/cluster/cluster.js";
import { DurableStore } from "../core/store/durable-store.js";
import { objectStorageKey } from "../core/store/keys.js";
import { podJson } from "./pod-json.js";
import { EtcdStore } from "../core/store/etcd-store.js";
import { b64 } from "../core/store/etcd/etcd-client.js";
import { missingReason, ETCD } from "../test/support/require-tool.js";
import { startEtcd } from "../test/support/etcd.js";

const PODS = 150_000;
const root = mkdtempSync(join(tmpdir(), "kubesim-durability-"));
const MB = 1024 * 1024;

/** Runs `writers` loops calling `write(n)` for `ms`; returns the writes per second. */
async function throughput(writers: number, ms: number, write: (n: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    while (performance.now() < end) await write(n++);
  }));
  return n / ((performance.now() - start) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

try {
  console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`);
  {
    const store = await DurableStore.open(join(root, "raw"));
    const one = await throughput(1, 2000, (n) => store.create(objectStorageKey("pods", "seq", `p${n}`), JSON.parse(podJson(n, "seq")) as KubeObject));
    const many = await throughput(64, 3000, (n) => store.create(objectStorageKey("pods", "par", `p${n}`), JSON.parse(podJson(n, "par")) as KubeObject));
    await store.close();
    console.log(`raw store creates/s (fsync per ack): 1 writer ${fmt(one)}, 64 writers ${fmt(many)} (group commit)`);
    const missing = missingReason(ETCD);
    if (missing) console.log(`etcd: not measured (${missing}; ${ETCD.install})`);
    else {
      const etcd = await startEtcd(1);
      try {
        const etcdStore = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: "/bench" });
        const puts = await throughput(64, 3000, (n) => etcdStore.client.call("/v3/kv/put", { key: b64(`/raw/pods/p${n}`), value: b64(podJson(n, "raw")) }));
        const creates = await throughput(64, 3000, (n) => etcdStore.create(objectStorageKey("pods", "etcd", `p${n}`), JSON.parse(podJson(n, "etcd")) as KubeObject));
        await etcdStore.close();
        console.log(`etcd 3.4 (1 member, same disk) puts/s, 64 clients: ${fmt(puts)}; EtcdStore creates/s, 64 writers: ${fmt(creates)}`);
        console.log(`durable store / etcd puts: ${(many / puts).toFixed(2)}x (target >= 1.0x)`);
      } finally {
        await etcd.stop();
      }
    }
  }
  {
    const cluster = new Cluster({ plugins: [], stateDir: join(root, "cluster"), logLevel: "silent" });
    await cluster.start();
    const pods = cluster.client.resource("Pod");
    const rate = await throughput(64, 3000, (n) => {
      const pod = JSON.parse(podJson(n, "default")) as KubeObject;
      delete pod.status;
      return pods.create(pod);
    });
    await cluster.stop();
    console.log(`API server creates/s (durable, 64 concurrent clients): ${fmt(rate)}`);
  }
  {
    const dir = join(root, "restart");
    const store = await DurableStore.open(dir);
    const t0 = performance.now();
    const BATCH = 2000;
    for (let i = 0; i < PODS; i += BATCH) {
      const writes: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(PODS, i + BATCH); j++) writes.push(store.create(objectStorageKey("pods", `ns-${j % 50}`, `p${j}`), JSON.parse(podJson(j, `ns-${j % 50}`)) as KubeObject));
      await Promise.all(writes);
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    await store.close();
    const files = readdirSync(dir).map((name) => `${name} ${(statSync(join(dir, name)).size / MB).toFixed(0)} MB`);
    // A real restart is a fresh process: drop the writer's garbage first (bench/run.ts passes --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const reopened = await DurableStore.open(dir);
    const restart = performance.now() - t1;
    const cpu = process.cpuUsage(cpu0);
    const first = performance.now();
    await reopened.list("/registry/pods/ns-7/");
    const firstList = performance.now() - first;
    const count = (await reopened.list("/registry/pods/", { limit: 1 })).remainingItemCount! + 1;
    await reopened.close();
    console.log(`stored ${fmt(PODS)} pods in ${loadSeconds.toFixed(1)} s (${fmt(PODS / loadSeconds)}/s, batches of ${BATCH}); files: ${files.join(", ")}`);
    console.log(`restart with ${fmt(count)} pods: ${(restart / 1000).toFixed(2)} s (${((cpu.user + cpu.system) / 1e6).toFixed(2)} s of CPU; target ≤ 10 s); objects are decoded on first use: the first list of one namespace (${fmt(count / 50)} pods) took ${(firstList / 1000).toFixed(2)} s`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
