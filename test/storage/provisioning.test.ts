import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import type { KubeObject } from "../../core/api/object.js";
import { FAKE_DRIVER, FakeController, fakeStorageCluster as storageCluster, TOPOLOGY_KEY } from "./fake-csi-driver.js";

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

test("expansion: allowVolumeExpansion gates growth; the resizer calls ControllerExpandVolume, grows the PV and leaves FileSystemResizePending for the kubelet", async () => {
  const driver = new FakeController();
  await storageCluster(driver, async (cluster) => {
    const scs = cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io");
    const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    await scs.create({ metadata: { name: "fixed" }, provisioner: FAKE_DRIVER });
    await scs.create({ metadata: { name: "growable" }, provisioner: FAKE_DRIVER, allowVolumeExpansion: true });
    await pvcs.create(claim("fixed", "1Gi", "fixed"));
    await pvcs.create(claim("grow", "1Gi", "growable"));
    await bound(cluster, "fixed");
    const c = await bound(cluster, "grow");
    try {
      await pvcs.patch("fixed", "merge", { spec: { resources: { requests: { storage: "2Gi" } } } }, { namespace: "default" });
      assert.unreachable("growth refused without allowVolumeExpansion");
    } catch (err) {
      assert.match((err as Error).message, 'persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    }
    await pvcs.patch("grow", "merge", { spec: { resources: { requests: { storage: "3Gi" } } } }, { namespace: "default" });
    const pending = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (x) => x.metadata?.name === "grow" && !!x.status?.conditions?.some((k) => k.type === "FileSystemResizePending"), { namespace: "default", timeout: 60_000 });
    assert.is(pending.status?.conditions?.find((k) => k.type === "FileSystemResizePending")?.message, "Waiting for user to (re-)start a pod to finish file system resize of volume on node.");
    assert.equal(pending.status?.capacity, { storage: "1Gi" }, "the claim's capacity changes once the filesystem grew");
    const pv = await cluster.client.resource<PersistentVolume>("PersistentVolume").get(c.spec!.volumeName!);
    assert.equal(pv.spec?.capacity, { storage: "3Gi" });
    assert.ok(driver.calls.includes(`ControllerExpandVolume ${pv.spec?.csi?.volumeHandle} ${3 * 2 ** 30}`));
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "FileSystemResizeRequired", { namespace: "default" });
    assert.is(ev.source?.component, `external-resizer ${FAKE_DRIVER}`);
  });
});

test("offline expansion: while a pod uses the claim the resizer refuses with upstream's event; once the pod is gone it expands", async () => {
  const driver = new FakeController({ expansion: "OFFLINE" });
  await storageCluster(driver, async (cluster) => {
    await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({ metadata: { name: "offline" }, provisioner: FAKE_DRIVER, allowVolumeExpansion: true });
    const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    await pvcs.create(claim("cold", "1Gi", "offline"));
    const c = await bound(cluster, "cold");
    await cluster.client.resource<Pod>("Pod").create({ metadata: { name: "user", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "cold" } }] } });
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "user" && !!p.spec?.nodeName, { namespace: "default", timeout: 60_000 });
    await pvcs.patch("cold", "merge", { spec: { resources: { requests: { storage: "2Gi" } } } }, { namespace: "default" });
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "VolumeResizeFailed" && e.involvedObject.name === "cold", { namespace: "default", timeout: 60_000 });
    assert.is(ev.message, `Unable to expand default/cold because CSI driver ${FAKE_DRIVER} only supports offline expansion and volume is currently in-use`);
    assert.not.ok(driver.calls.some((x) => x.startsWith("ControllerExpandVolume")));
    await cluster.client.resource<Pod>("Pod").delete("user", { namespace: "default", gracePeriodSeconds: 0 });
    const pending = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (x) => x.metadata?.name === "cold" && x.status?.allocatedResourceStatuses?.["storage"] === "NodeResizePending", { namespace: "default", timeout: 60_000 });
    assert.ok(driver.calls.includes(`ControllerExpandVolume ${(await cluster.client.resource<PersistentVolume>("PersistentVolume").get(c.spec!.volumeName!)).spec?.csi?.volumeHandle} ${2 * 2 ** 30}`));
    assert.equal(pending.status?.allocatedResources, { storage: "2Gi" });
  });
});

test("snapshots: VolumeSnapshot → content → CreateSnapshot → readyToUse; a claim restored from it and a clone are provisioned from their sources", async () => {
  const driver = new FakeController();
  await storageCluster(driver, async (cluster) => {
    await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({ metadata: { name: "std" }, provisioner: FAKE_DRIVER });
    const snapClasses = cluster.client.resource<KubeObject>("volumesnapshotclasses.snapshot.storage.k8s.io");
    await snapClasses.create({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshotClass", metadata: { name: "snaps", annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } }, driver: FAKE_DRIVER, deletionPolicy: "Delete" } as KubeObject);
    const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    await pvcs.create(claim("src", "1Gi", "std"));
    const src = await bound(cluster, "src");
    const snaps = cluster.client.resource<KubeObject>("volumesnapshots.snapshot.storage.k8s.io");
    const snap = await snaps.create({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", metadata: { name: "snap-1", namespace: "default" }, spec: { source: { persistentVolumeClaimName: "src" } } } as KubeObject);
    type Snap = KubeObject & { spec?: { volumeSnapshotClassName?: string }; status?: { readyToUse?: boolean; restoreSize?: string; boundVolumeSnapshotContentName?: string; creationTime?: string } };
    const ready = await cluster.waitFor<Snap>("volumesnapshots.snapshot.storage.k8s.io", (s) => s.metadata?.name === "snap-1" && s.status?.readyToUse === true, { namespace: "default", timeout: 60_000 });
    assert.is(ready.spec?.volumeSnapshotClassName, "snaps", "the driver's default class");
    assert.is(ready.status?.restoreSize, "1Gi");
    assert.is(ready.status?.boundVolumeSnapshotContentName, `snapcontent-${snap.metadata!.uid}`);
    assert.ok(ready.status?.creationTime);
    const content = (await cluster.client.resource<KubeObject>("volumesnapshotcontents.snapshot.storage.k8s.io").get(`snapcontent-${snap.metadata!.uid}`)) as KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
    const srcPv = await cluster.client.resource<PersistentVolume>("PersistentVolume").get(src.spec!.volumeName!);
    assert.equal(content.spec?.["source"], { volumeHandle: srcPv.spec?.csi?.volumeHandle });
    assert.is(content.spec?.["deletionPolicy"], "Delete");
    assert.is(content.status?.["restoreSize"], 1 << 30);
    assert.ok(driver.calls.includes(`CreateSnapshot snapshot-${snap.metadata!.uid}`));

    // Restore: a bigger claim from the snapshot.
    await pvcs.create(claim("restored", "2Gi", "std", { dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap-1" } }));
    const restored = await bound(cluster, "restored");
    const restoredVolume = [...driver.volumes.values()].find((v) => v.name === `pvc-${restored.metadata!.uid}`)!;
    assert.equal(restoredVolume.source, { snapshot: { snapshotId: [...driver.snapshots.keys()][0] } });
    // Too small for the snapshot: refused with upstream's message.
    await pvcs.create(claim("tiny", "100Mi", "std", { dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap-1" } }));
    const failed = await cluster.waitFor<Event>("Event", (e) => e.reason === "ProvisioningFailed" && e.involvedObject.name === "tiny", { namespace: "default", timeout: 60_000 });
    assert.match(failed.message ?? "", `requested volume size ${100 * 2 ** 20} is less than the size ${2 ** 30} for the source snapshot snap-1`);

    // Clone: a claim from the source claim.
    await pvcs.create(claim("clone", "1Gi", "std", { dataSource: { kind: "PersistentVolumeClaim", name: "src" } }));
    const clone = await bound(cluster, "clone");
    assert.equal([...driver.volumes.values()].find((v) => v.name === `pvc-${clone.metadata!.uid}`)!.source, { volume: { volumeId: srcPv.spec?.csi?.volumeHandle } });

    // Deleting the snapshot deletes its content and the driver's snapshot.
    await snaps.delete("snap-1", { namespace: "default" });
    for (let i = 0; i < 100 && driver.snapshots.size > 0; i++) await cluster.clock.sleep(100);
    assert.is(driver.snapshots.size, 0, "DeleteSnapshot called");
  }, ["n1", "n2"], ["snapshot-controller"]);
});

test.run();
