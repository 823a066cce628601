/**
 * Operator figures (issue 17), printed (no timed assertions):
 * - the WebApp operator in an API-only cluster (no pods run): wall time from creating N WebApps to
 *   all their Deployments, Services and statuses written, and objects written per second;
 * - the etcd operator on the whole distribution (with coredns) on the virtual clock: cluster time
 *   and wall/CPU time for a 3-member EtcdCluster to run, for 3 → 5, and the wall/CPU cost of one
 *   minute of cluster time of an idle 3-member cluster (its heartbeats).
 */
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../core/cluster/default-distribution.js";
import { EtcdClusterResource, type EtcdCluster } from "../plugins/operator-etcd/index.js";
import { WebAppResource, type WebApp } from "../plugins/operator-webapp/index.js";

const N = Number(process.env["BENCH_WEBAPPS"] ?? 300);
const cpuMs = (): number => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;

async function webapps(): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: ["operator-webapp"] });
  await cluster.start();
  try {
    const started = performance.now();
    const apps = WebAppResource.client(cluster.client);
    for (let i = 0; i < N; i++) await apps.create({ apiVersion: WebAppResource.apiVersion, kind: "WebApp", metadata: { name: `app-${i}`, namespace: "default" }, spec: { image: "nginx:1.25", host: `app-${i}.example.com` } }, { namespace: "default" });
    const created = performance.now();
    const served = new Set<string>();
    await cluster.waitFor<WebApp>(WebAppResource.ref, (w) => (w.status?.url !== undefined && served.add(w.metadata!.name!).size >= N), { namespace: "default", timeout: 600_000 });
    const deployments = (await cluster.client.resource<Deployment>("Deployment").list({ namespace: "default" })).items.length;
    const done = performance.now();
    console.log(`webapp operator: ${N} WebApps created in ${(created - started).toFixed(0)} ms; ${deployments} Deployments + Services + Ingresses and ${N} statuses written ${(done - started).toFixed(0)} ms after the first create (${((N * 4) / ((done - started) / 1000)).toFixed(0)} objects/s)`);
  } finally {
    await cluster.stop();
  }
}

async function etcd(): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 3, plugins: [...DEFAULT_PLUGINS, "coredns", "operator-etcd"] });
  await cluster.start();
  const ecs = EtcdClusterResource.client(cluster.client);
  const running = (size: number) => (e: EtcdCluster) => e.status?.phase === "Running" && e.status.readyMembers === size && e.status.observedGeneration === e.metadata?.generation;
  const phase = async (label: string, fn: () => Promise<unknown>): Promise<void> => {
    const [w, c, v] = [performance.now(), cpuMs(), cluster.clock.now()];
    await fn();
    console.log(`etcd operator: ${label}: ${((cluster.clock.now() - v) / 1000).toFixed(1)} s of cluster time in ${(performance.now() - w).toFixed(0)} ms wall, ${(cpuMs() - c).toFixed(0)} ms CPU`);
  };
  try {
    await phase("3 members from create to Running", async () => {
      await ecs.create({ apiVersion: EtcdClusterResource.apiVersion, kind: "EtcdCluster", metadata: { name: "bench", namespace: "default" }, spec: { size: 3 } }, { namespace: "default" });
      await cluster.waitFor<EtcdCluster>(EtcdClusterResource.ref, running(3), { namespace: "default", timeout: 600_000 });
    });
    await phase("one idle minute of 3 members (heartbeats every 100 ms)", () => cluster.clock.sleep(60_000));
    await phase("3 → 5 members", async () => {
      await ecs.patch("bench", "merge", { spec: { size: 5 } }, { namespace: "default" });
      await cluster.waitFor<EtcdCluster>(EtcdClusterResource.ref, (e) => e.spec?.size === 5 && running(5)(e), { namespace: "default", timeout: 600_000 });
    });
  } finally {
    await cluster.stop();
  }
}

await webapps();
await etcd();
