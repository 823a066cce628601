/**
 * Storage figures (issue 18): 1,000 PersistentVolumeClaims of an Immediate StorageClass, created
 * at once, until every one is provisioned (CreateVolume, PV created) and Bound — through the
 * PV controller, the external-provisioner role (csi-sidecars) and a CSI driver that answers at
 * once (the tests' fake driver, so the figure is the Kubernetes machinery's). On the virtual
 * clock: the wall time is what the run costs, the virtual time what a cluster would take.
 */
import type { PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { Cluster } from "../core/cluster/cluster.js";
import { FAKE_DRIVER, FakeController, fakeDriverPlugin } from "../test/storage/fake-csi-driver.js";

const CLAIMS = Number(process.env["BENCH_CLAIMS"] ?? 1000);
const MB = 1024 * 1024;

const driver = new FakeController();
const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, logLevel: "error", plugins: ["kube-controller-manager", "csi-sidecars"] }).use(fakeDriverPlugin(driver));
await cluster.start();
const claims = cluster.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim");
cluster.informers.start();
await cluster.informers.waitForCacheSync();
await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({ metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: FAKE_DRIVER });
const baseRss = process.memoryUsage().rss / MB;

const wall0 = performance.now();
const cpu0 = process.cpuUsage();
const virtual0 = cluster.clock.now();
const done = new Promise<void>((resolve) => {
  let bound = 0;
  const seen = new Set<string>();
  const reg = claims.addEventHandler({
    onUpdate: (_o, c) => {
      if (c.status?.phase !== "Bound" || seen.has(c.metadata!.name!)) return;
      seen.add(c.metadata!.name!);
      if (++bound === CLAIMS) {
        reg.remove();
        resolve();
      }
    },
  });
});
const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
await Promise.all(Array.from({ length: CLAIMS }, (_, i) => pvcs.create({ metadata: { name: `data-${i}`, namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } })));
await done;
const wall = performance.now() - wall0;
const cpu = process.cpuUsage(cpu0);
const virtual = cluster.clock.now() - virtual0;
console.log(`${CLAIMS} PVCs provisioned and bound: ${wall.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU, ${(virtual / 1000).toFixed(1)} s virtual (${driver.volumes.size} CreateVolume), +${(process.memoryUsage().rss / MB - baseRss).toFixed(0)} MB RSS`);
await cluster.stop();
