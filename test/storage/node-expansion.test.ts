import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { HOSTPATH_DRIVER_NAME } from "../../plugins/csi-hostpath/index.js";
import { claimPod, storageCluster } from "./harness.js";

type StorageCluster = Awaited<ReturnType<typeof storageCluster>>["cluster"];

/** An Immediate, expandable class placing volumes on node-1, and a bound 1Gi claim `data` of it. */
async function expandableClaim(cluster: StorageCluster): Promise<PersistentVolumeClaim> {
  await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({
    metadata: { name: "expandable" },
    provisioner: HOSTPATH_DRIVER_NAME,
    allowVolumeExpansion: true,
    allowedTopologies: [{ matchLabelExpressions: [{ key: "topology.hostpath.csi/node", values: ["node-1"] }] }],
  });
  await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create({ metadata: { name: "data", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "expandable", resources: { requests: { storage: "1Gi" } } } }, { namespace: "default" });
  return cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "data" && c.status?.phase === "Bound", { namespace: "default", timeout: 60_000 });
}

async function grow(cluster: StorageCluster, size: string): Promise<void> {
  await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").patch("data", "merge", { spec: { resources: { requests: { storage: size } } } }, { namespace: "default" });
}

async function eventsOf(cluster: StorageCluster, kind: string, name: string): Promise<string[]> {
  const list = await cluster.client.resource<Event>("Event").list({ namespace: "default" });
  return list.items.filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name).map((e) => `${e.type} ${e.reason} ${e.source?.component ?? ""}: ${e.message}`);
}

test("online expansion: the resizer leaves FileSystemResizePending / NodeResizePending; the kubelet of the pod's node calls NodeExpandVolume and the claim reaches its new capacity", async () => {
  const { cluster, pods } = await storageCluster();
  try {
    const bound = await expandableClaim(cluster);
    assert.equal(bound.status?.capacity, { storage: "1Gi" });
    await pods.create(claimPod("app", "data", "node-1"));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "app" && p.status?.phase === "Running", { namespace: "default", timeout: 60_000 });

    await grow(cluster, "2Gi");
    const pending = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "data" && !!c.status?.conditions?.some((x) => x.type === "FileSystemResizePending"), { namespace: "default", timeout: 60_000 });
    assert.equal(pending.status?.capacity, { storage: "1Gi" }, "not grown before the node did its part");
    assert.equal(pending.status?.allocatedResources, { storage: "2Gi" });
    assert.equal(pending.status?.allocatedResourceStatuses, { storage: "NodeResizePending" });
    const condition = pending.status!.conditions!.find((x) => x.type === "FileSystemResizePending")!;
    assert.is(condition.message, "Waiting for user to (re-)start a pod to finish file system resize of volume on node.");
    const pv = await cluster.client.resource<PersistentVolume>("PersistentVolume").get(pending.spec!.volumeName!);
    assert.equal(pv.spec?.capacity, { storage: "2Gi" });

    // The kubelet's periodic sync of the running pod finishes it.
    const done = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "data" && c.status?.capacity?.["storage"] === "2Gi", { namespace: "default", timeout: 180_000 });
    assert.is(done.status?.conditions, undefined);
    assert.is(done.status?.allocatedResourceStatuses, undefined);
    assert.equal(done.status?.allocatedResources, { storage: "2Gi" });
    const message = `MountVolume.NodeExpandVolume succeeded for volume "${pv.metadata!.name}" node-1`;
    await cluster.clock.sleep(1_000);
    assert.ok((await eventsOf(cluster, "Pod", "app")).includes(`Normal FileSystemResizeSuccessful kubelet: ${message}`), (await eventsOf(cluster, "Pod", "app")).join("\n"));
    const claimEvents = await eventsOf(cluster, "PersistentVolumeClaim", "data");
    assert.ok(claimEvents.includes(`Normal FileSystemResizeSuccessful kubelet: ${message}`), claimEvents.join("\n"));
    assert.ok(claimEvents.includes(`Normal FileSystemResizeRequired external-resizer ${HOSTPATH_DRIVER_NAME}: Require file system resize of volume on node`), claimEvents.join("\n"));
  } finally {
    await cluster.stop();
  }
});

test("a claim grown while no pod uses it is finished when a pod next mounts it (expansion during mount)", async () => {
  const { cluster, pods } = await storageCluster();
  try {
    await expandableClaim(cluster);
    await grow(cluster, "3Gi");
    const pending = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "data" && c.status?.allocatedResourceStatuses?.["storage"] === "NodeResizePending", { namespace: "default", timeout: 60_000 });
    await cluster.clock.sleep(120_000);
    const still = await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").get("data", { namespace: "default" });
    assert.equal(still.status?.capacity, { storage: "1Gi" }, "nothing grows the filesystem without a pod");
    await pods.create(claimPod("later", "data", "node-1"));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "later" && x.status?.phase === "Running", { namespace: "default", timeout: 60_000 });
    const done = await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").get("data", { namespace: "default" });
    assert.equal(done.status?.capacity, { storage: "3Gi" }, "grown before the container started");
    assert.is(done.status?.allocatedResourceStatuses, undefined);
    assert.ok(p.status?.containerStatuses?.[0]?.ready);
    assert.ok((await eventsOf(cluster, "Pod", "later")).some((e) => e.startsWith(`Normal FileSystemResizeSuccessful kubelet: MountVolume.NodeExpandVolume succeeded for volume "${pending.spec!.volumeName}" node-1`)));
  } finally {
    await cluster.stop();
  }
});

test.run();
