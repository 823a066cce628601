import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { CSINode, StorageClass } from "kubernetes-types/storage/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { FAKE_DRIVER, FakeController, fakeDriverPlugin, TOPOLOGY_KEY } from "./fake-csi-driver.js";

/** A cluster with the controllers, the scheduler, the sidecars and the fake driver; nodes n1, n2 registered with the driver. */
export async function storageCluster(controller: FakeController, fn: (c: Cluster) => Promise<void>, nodeNames = ["n1", "n2"]): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, plugins: ["kube-controller-manager", "kube-scheduler", "csi-sidecars"] }).use(fakeDriverPlugin(controller));
  await cluster.start();
  try {
    for (const name of nodeNames) {
      await cluster.client.resource<Node>("Node").create({ metadata: { name, labels: { "kubernetes.io/hostname": name, [TOPOLOGY_KEY]: name } }, status: { conditions: [{ type: "Ready", status: "True" }], allocatable: { cpu: "4", memory: "8Gi", pods: "110" }, capacity: { cpu: "4", memory: "8Gi", pods: "110" } } });
      await cluster.client.resource<CSINode>("csinodes.storage.k8s.io").create({ metadata: { name }, spec: { drivers: [{ name: FAKE_DRIVER, nodeID: name, topologyKeys: [TOPOLOGY_KEY] }] } });
    }
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const claim = (name: string, size: string, className: string, extra: Partial<NonNullable<PersistentVolumeClaim["spec"]>> = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: "default" },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, storageClassName: className, ...extra },
});

const bound = (cluster: Cluster, name: string): Promise<PersistentVolumeClaim> =>
  cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === name && c.status?.phase === "Bound", { namespace: "default", timeout: 120_000 });

test("dynamic provisioning (Immediate): CreateVolume pvc-<uid>, a PV pre-bound with the class's policy, mountOptions and topology; the claim binds; deleting it deletes the volume", async () => {
  const driver = new FakeController({ topology: true });
  await storageCluster(driver, async (cluster) => {
    await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({
      metadata: { name: "fast" },
      provisioner: FAKE_DRIVER,
      parameters: { type: "ssd", "csi.storage.k8s.io/fstype": "xfs" },
      mountOptions: ["noatime"],
      allowedTopologies: [{ matchLabelExpressions: [{ key: TOPOLOGY_KEY, values: ["n2"] }] }],
    });
    const created = await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("data", "1Gi", "fast"));
    const c = await bound(cluster, "data");
    const pvName = `pvc-${created.metadata!.uid}`;
    assert.is(c.spec?.volumeName, pvName);
    assert.is(c.metadata?.annotations?.["volume.kubernetes.io/storage-provisioner"], FAKE_DRIVER);
    assert.equal(c.status?.capacity, { storage: "1Gi" });
    const pv = await cluster.client.resource<PersistentVolume>("PersistentVolume").get(pvName);
    assert.is(pv.metadata?.annotations?.["pv.kubernetes.io/provisioned-by"], FAKE_DRIVER);
    assert.equal([...(pv.metadata?.finalizers ?? [])].sort(), ["external-provisioner.volume.kubernetes.io/finalizer", "kubernetes.io/pv-protection"]);
    assert.is(pv.spec?.persistentVolumeReclaimPolicy, "Delete");
    assert.is(pv.spec?.storageClassName, "fast");
    assert.equal(pv.spec?.mountOptions, ["noatime"]);
    assert.is(pv.spec?.csi?.driver, FAKE_DRIVER);
    assert.is(pv.spec?.csi?.fsType, "xfs");
    assert.is(pv.spec?.csi?.volumeAttributes?.["fake"], "yes");
    assert.ok(pv.spec?.csi?.volumeAttributes?.["storage.kubernetes.io/csiProvisionerIdentity"]?.endsWith(FAKE_DRIVER));
    assert.equal(pv.spec?.nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: TOPOLOGY_KEY, operator: "In", values: ["n2"] }] }] } }, "allowedTopologies chose n2");
    assert.is(pv.spec?.claimRef?.uid, created.metadata!.uid);
    const [vol] = [...driver.volumes.values()];
    assert.is(vol!.name, pvName);
    assert.is(vol!.bytes, 1 << 30);
    const events = await cluster.waitFor<Event>("Event", (e) => e.reason === "ProvisioningSucceeded", { namespace: "default" });
    assert.is(events.message, `Successfully provisioned volume ${pvName}`);
    assert.match(events.source?.component ?? "", new RegExp(`^${FAKE_DRIVER}_csi-fakeplugin-0_`));
    const provisioning = await cluster.waitFor<Event>("Event", (e) => e.reason === "Provisioning", { namespace: "default" });
    assert.is(provisioning.message, 'External provisioner is provisioning volume for claim "default/data"');

    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").delete("data", { namespace: "default" });
    for (let i = 0; i < 100 && driver.volumes.size > 0; i++) await cluster.clock.sleep(100);
    assert.is(driver.volumes.size, 0, "DeleteVolume called");
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      try {
        await cluster.client.resource<PersistentVolume>("PersistentVolume").get(pvName);
        await cluster.clock.sleep(100);
      } catch {
        gone = true;
      }
    }
    assert.ok(gone, "the PV object is deleted");
  });
});

test("WaitForFirstConsumer: the scheduler picks the node, writes selected-node, the volume is made there and the pod binds to it", async () => {
  const driver = new FakeController({ topology: true });
  await storageCluster(driver, async (cluster) => {
    await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({ metadata: { name: "local" }, provisioner: FAKE_DRIVER, volumeBindingMode: "WaitForFirstConsumer" });
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("wffc", "2Gi", "local"));
    await cluster.waitFor<Event>("Event", (e) => e.reason === "WaitForFirstConsumer" && e.involvedObject.name === "wffc", { namespace: "default" });
    assert.is(driver.volumes.size, 0, "nothing provisioned before a pod uses it");
    // The pod can only go to n1.
    await cluster.client.resource<Pod>("Pod").create({
      metadata: { name: "app", namespace: "default" },
      spec: { nodeSelector: { "kubernetes.io/hostname": "n1" }, containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "wffc" } }] },
    });
    const c = await bound(cluster, "wffc");
    assert.is(c.metadata?.annotations?.["volume.kubernetes.io/selected-node"], "n1");
    const pod = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "app" && !!p.spec?.nodeName, { namespace: "default", timeout: 120_000 });
    assert.is(pod.spec?.nodeName, "n1");
    assert.is([...driver.volumes.values()][0]!.node, "n1");
    const pv = await cluster.client.resource<PersistentVolume>("PersistentVolume").get(c.spec!.volumeName!);
    assert.equal(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: TOPOLOGY_KEY, operator: "In", values: ["n1"] }] }]);
  });
});

test("WaitForFirstConsumer with static local PVs: the scheduler binds the PV whose node affinity fits; unbound Immediate claims keep pods Pending", async () => {
  const driver = new FakeController({ topology: true });
  await storageCluster(driver, async (cluster) => {
    await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({ metadata: { name: "local-storage" }, provisioner: "kubernetes.io/no-provisioner", volumeBindingMode: "WaitForFirstConsumer" });
    const local = (name: string, node: string): PersistentVolume => ({
      metadata: { name },
      spec: { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"], storageClassName: "local-storage", local: { path: `/mnt/${name}` }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } } },
    });
    await cluster.client.resource<PersistentVolume>("PersistentVolume").create(local("local-n1", "n1"));
    await cluster.client.resource<PersistentVolume>("PersistentVolume").create(local("local-n2", "n2"));
    await cluster.waitFor<PersistentVolume>("PersistentVolume", (v) => v.metadata?.name === "local-n2" && v.status?.phase === "Available");
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("lc", "1Gi", "local-storage"));
    await cluster.client.resource<Pod>("Pod").create({
      metadata: { name: "db", namespace: "default" },
      spec: { nodeSelector: { "kubernetes.io/hostname": "n2" }, containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "lc" } }] },
    });
    const c = await bound(cluster, "lc");
    assert.is(c.spec?.volumeName, "local-n2");
    const pod = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "db" && !!p.spec?.nodeName, { namespace: "default", timeout: 120_000 });
    assert.is(pod.spec?.nodeName, "n2");

    // An Immediate claim that cannot bind keeps its pod Pending with upstream's reason.
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("nowhere", "1Gi", ""));
    await cluster.client.resource<Pod>("Pod").create({ metadata: { name: "stuck", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "nowhere" } }] } });
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "FailedScheduling" && e.involvedObject.name === "stuck", { namespace: "default", timeout: 60_000 });
    assert.match(ev.message ?? "", "pod has unbound immediate PersistentVolumeClaims");
  });
});

test("ReadWriteOncePod: a second pod using the same claim is not scheduled", async () => {
  const driver = new FakeController({ topology: false });
  await storageCluster(driver, async (cluster) => {
    await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({ metadata: { name: "shared" }, provisioner: FAKE_DRIVER });
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("solo", "1Gi", "shared", { accessModes: ["ReadWriteOncePod"] }));
    await bound(cluster, "solo");
    const podWith = (name: string): Pod => ({ metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "solo" } }] } });
    await cluster.client.resource<Pod>("Pod").create(podWith("first"));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "first" && !!p.spec?.nodeName, { namespace: "default", timeout: 60_000 });
    await cluster.client.resource<Pod>("Pod").create(podWith("second"));
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "FailedScheduling" && e.involvedObject.name === "second", { namespace: "default", timeout: 60_000 });
    assert.match(ev.message ?? "", "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode");
  });
});

test.run();
