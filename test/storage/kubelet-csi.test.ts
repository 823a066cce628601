import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { CSINode, VolumeAttachment } from "kubernetes-types/storage/v1.js";
import { volumeAttachmentName, csiUniqueName } from "../../core/csi/volume-names.js";
import { HOSTPATH_DRIVER_NAME } from "../../plugins/csi-hostpath/index.js";
import { columns } from "../kubelet/harness.js";
import { claimPod, preBound, storageCluster } from "./harness.js";

const GiB = 1024 ** 3;

async function exec(k: ReturnType<Awaited<ReturnType<typeof storageCluster>>["kubeletOf"]>, pod: string, script: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const id = k.worker("default", pod)!.slots[0]!.id!;
  return k.runtime.runtime.execSync(id, ["sh", "-c", script], 5);
}

async function events(cluster: Awaited<ReturnType<typeof storageCluster>>["cluster"], pod: string): Promise<string[]> {
  const list = await cluster.client.resource<Event>("Event").list({ namespace: "default" });
  return list.items.filter((e) => e.involvedObject.name === pod).map((e) => `${e.reason}: ${e.message}`);
}

test("the kubelet registers csi-hostpath: CSINode entry with node id, topology key and the node label", async () => {
  const { cluster } = await storageCluster();
  try {
    const csiNode = await cluster.waitFor<CSINode>("CSINode", (c) => c.metadata?.name === "node-2" && (c.spec?.drivers?.length ?? 0) > 0);
    assert.equal(csiNode.spec?.drivers, [{ name: HOSTPATH_DRIVER_NAME, nodeID: "node-2", topologyKeys: ["topology.hostpath.csi/node"] }]);
    assert.is(csiNode.metadata?.ownerReferences?.[0]?.kind, "Node");
    const node = await cluster.client.resource<Node>("Node").get("node-2");
    assert.is(node.metadata?.labels?.["topology.hostpath.csi/node"], "node-2");
    assert.is(node.metadata?.annotations?.["csi.volume.kubernetes.io/nodeid"], `{"${HOSTPATH_DRIVER_NAME}":"node-2"}`);
  } finally {
    await cluster.stop();
  }
});

test("a statically provisioned volume is attached, staged and published before the container starts; data survives pod deletion", async () => {
  const { cluster, pods, kubeletOf, controllers } = await storageCluster();
  try {
    const hp = controllers.get(HOSTPATH_DRIVER_NAME)!;
    const { volume } = await hp.controller.createVolume!({ name: "static-1", capacityRange: { requiredBytes: GiB }, volumeCapabilities: [{ mount: {}, accessMode: { mode: "SINGLE_NODE_WRITER" } }], accessibilityRequirements: { preferred: [{ segments: { "topology.hostpath.csi/node": "node-1" } }] } });
    assert.equal(volume.accessibleTopology, [{ segments: { "topology.hostpath.csi/node": "node-1" } }]);
    await preBound(cluster, { pv: "pv-data", claim: "data", driver: HOSTPATH_DRIVER_NAME, handle: volume.volumeId, node: "node-1" });
    await pods.create(claimPod("writer", "data", "node-1"));
    const running = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "writer" && p.status?.phase === "Running");
    assert.is(columns(running), "1/1 Running 0");
    const va = await cluster.client.resource<VolumeAttachment>("VolumeAttachment").get(volumeAttachmentName(volume.volumeId, HOSTPATH_DRIVER_NAME, "node-1"));
    assert.is(va.status?.attached, true);
    assert.equal(va.metadata?.finalizers, ["external-attacher/hostpath-csi-k8s-io"]);
    const unique = csiUniqueName(HOSTPATH_DRIVER_NAME, volume.volumeId);
    const node = await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === "node-1" && (n.status?.volumesAttached?.length ?? 0) > 0);
    assert.equal(node.status?.volumesAttached, [{ name: unique, devicePath: "" }]);
    assert.equal(node.status?.volumesInUse, [unique]);

    const k = kubeletOf("node-1");
    const w = await exec(k, "writer", "echo hello > /data/f && cat /data/f");
    assert.is(w.stdout, "hello\n");
    // The bytes are in the volume's directory on the node, seen through the staging and target mounts.
    assert.is(k.hostFs.read(`/var/lib/csi-hostpath-data/${volume.volumeId}/f`), "hello\n");
    const target = `/var/lib/kubelet/pods/${running.metadata!.uid}/volumes/kubernetes.io~csi/pv-data/mount`;
    assert.ok(k.hostFs.isMountPoint(target));
    assert.ok(k.hostFs.mounts().some((m) => m.target.endsWith("/globalmount")));
    // The summary API reports the volume from NodeGetVolumeStats, not as the pod's ephemeral storage.
    const summary = await k.statsSummary();
    const podStats = summary.pods.find((p) => p.podRef.name === "writer")!;
    assert.equal(podStats.volume.filter((v) => v.pvcRef).map((v) => [v.name, v.usedBytes, v.capacityBytes, v.pvcRef]), [["data", 6, GiB, { name: "data", namespace: "default" }]]);

    await pods.delete("writer", { namespace: "default" });
    await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === "node-1" && !n.status?.volumesInUse?.length);
    await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === "node-1" && !n.status?.volumesAttached?.length);
    assert.not.ok(k.hostFs.isMountPoint(target));
    assert.not.ok(k.hostFs.mounts().some((m) => m.target.endsWith("/globalmount")));
    await cluster.clock.sleep(5_000);
    const left = await cluster.client.resource<VolumeAttachment>("VolumeAttachment").list();
    assert.is(left.items.length, 0);

    await pods.create(claimPod("reader", "data", "node-1"));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "reader" && p.status?.phase === "Running");
    const r = await exec(k, "reader", "cat /data/f");
    assert.is(r.stdout, "hello\n");
  } finally {
    await cluster.stop();
  }
});

test("data written in a volume survives a container restart", async () => {
  const { cluster, pods, kubeletOf, controllers } = await storageCluster();
  try {
    const { volume } = await controllers.get(HOSTPATH_DRIVER_NAME)!.controller.createVolume!({ name: "restart-1", volumeCapabilities: [{ mount: {}, accessMode: { mode: "SINGLE_NODE_WRITER" } }], accessibilityRequirements: { requisite: [{ segments: { "topology.hostpath.csi/node": "node-1" } }] } });
    await preBound(cluster, { pv: "pv-r", claim: "r", driver: HOSTPATH_DRIVER_NAME, handle: volume.volumeId, node: "node-1" });
    await pods.create(claimPod("crash", "r", "node-1", { containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "cat /data/count 2>/dev/null; echo x >> /data/count; sleep 2; exit 1"], volumeMounts: [{ name: "data", mountPath: "/data" }] }] }));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "crash" && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2);
    // restartCount moves when the third run starts; its first commands (cat, then the append) run
    // within a second of that, well before its `sleep 2` ends.
    await cluster.clock.sleep(1_000);
    const k = kubeletOf("node-1");
    const count = k.hostFs.read(`/var/lib/csi-hostpath-data/${volume.volumeId}/count`) ?? "";
    assert.ok(count.split("\n").filter(Boolean).length >= 3, count);
  } finally {
    await cluster.stop();
  }
});

test("a claim that is not bound keeps the pod ContainerCreating with upstream's FailedMount message", async () => {
  const { cluster, pods } = await storageCluster();
  try {
    await cluster.client.resource("PersistentVolumeClaim").create({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "pending", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "", resources: { requests: { storage: "1Gi" } } } }, { namespace: "default" });
    await pods.create(claimPod("waiting", "pending", "node-1"));
    await pods.create(claimPod("missing", "nope", "node-1"));
    await cluster.clock.sleep(20_000);
    assert.is(columns(await pods.get("waiting", { namespace: "default" })), "0/1 ContainerCreating 0");
    assert.ok((await events(cluster, "waiting")).includes("FailedMount: Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: error processing PVC default/pending: PVC is not bound"), (await events(cluster, "waiting")).join("\n"));
    assert.ok((await events(cluster, "missing")).includes(`FailedMount: Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: error processing PVC default/nope: failed to fetch PVC from API server: persistentvolumeclaims "nope" not found`));
  } finally {
    await cluster.stop();
  }
});

test("a failing NodePublish is a FailedMount event with the driver's gRPC error; the pod waits and starts once it works", async () => {
  const { cluster, pods } = await storageCluster();
  try {
    // A volume handle the driver does not know: NodeStage answers NotFound... but attach comes first and fails too.
    await preBound(cluster, { pv: "pv-ghost", claim: "ghost", driver: HOSTPATH_DRIVER_NAME, handle: "no-such-volume", node: "node-1" });
    await pods.create(claimPod("ghost", "ghost", "node-1"));
    await cluster.clock.sleep(30_000);
    assert.is(columns(await pods.get("ghost", { namespace: "default" })), "0/1 ContainerCreating 0");
    const evs = await events(cluster, "ghost");
    assert.ok(evs.includes('FailedAttachVolume: AttachVolume.Attach failed for volume "pv-ghost" : rpc error: code = NotFound desc = could not get volume no-such-volume: volume id no-such-volume does not exist in the volumes list'), evs.join("\n"));
    await cluster.clock.sleep(2 * 60_000);
    const later = await events(cluster, "ghost");
    assert.ok(later.includes("FailedMount: Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data], failed to process volumes=[]: context deadline exceeded"), later.join("\n"));
  } finally {
    await cluster.stop();
  }
});

test("a ReadWriteOnce volume attached to one node is refused on another with a Multi-Attach error", async () => {
  const { cluster, pods, controllers } = await storageCluster();
  try {
    const { volume } = await controllers.get(HOSTPATH_DRIVER_NAME)!.controller.createVolume!({ name: "rwo", volumeCapabilities: [{ mount: {}, accessMode: { mode: "SINGLE_NODE_WRITER" } }], accessibilityRequirements: { preferred: [{ segments: { "topology.hostpath.csi/node": "node-1" } }] } });
    await preBound(cluster, { pv: "pv-rwo", claim: "rwo", driver: HOSTPATH_DRIVER_NAME, handle: volume.volumeId });
    await pods.create(claimPod("first", "rwo", "node-1"));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "first" && p.status?.phase === "Running");
    await pods.create(claimPod("second", "rwo", "node-2"));
    await cluster.clock.sleep(20_000);
    assert.is(columns(await pods.get("second", { namespace: "default" })), "0/1 ContainerCreating 0");
    const evs = await events(cluster, "second");
    assert.ok(evs.includes('FailedAttachVolume: Multi-Attach error for volume "pv-rwo" Volume is already used by pod(s) first'), evs.join("\n"));
  } finally {
    await cluster.stop();
  }
});

test("a CSI ephemeral inline volume lives and dies with its pod", async () => {
  const { cluster, pods, kubeletOf } = await storageCluster();
  try {
    await pods.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "inline", namespace: "default" },
      spec: { nodeName: "node-2", terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }], volumes: [{ name: "scratch", csi: { driver: HOSTPATH_DRIVER_NAME, volumeAttributes: { size: "10Mi" } } }] },
    });
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "inline" && x.status?.phase === "Running");
    const k = kubeletOf("node-2");
    assert.is((await exec(k, "inline", "echo tmp > /scratch/t && cat /scratch/t")).stdout, "tmp\n");
    const data = k.hostFs.list("/var/lib/csi-hostpath-data") ?? [];
    assert.is(data.length, 1);
    assert.ok(k.hostFs.isMountPoint(`/var/lib/kubelet/pods/${p.metadata!.uid}/volumes/kubernetes.io~csi/scratch/mount`));
    const vas = await cluster.client.resource<VolumeAttachment>("VolumeAttachment").list();
    assert.is(vas.items.length, 0);
    await pods.delete("inline", { namespace: "default" });
    await cluster.clock.sleep(5_000);
    assert.equal(k.hostFs.list("/var/lib/csi-hostpath-data") ?? [], []);
  } finally {
    await cluster.stop();
  }
});

test("a generic ephemeral volume becomes the PVC <pod>-<volume> owned by the pod; once bound the pod runs on it", async () => {
  const { cluster, pods, kubeletOf, controllers } = await storageCluster();
  try {
    await pods.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "eph", namespace: "default" },
      spec: {
        nodeName: "node-1",
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }],
        volumes: [{ name: "scratch", ephemeral: { volumeClaimTemplate: { metadata: { labels: { kind: "scratch" } }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "", resources: { requests: { storage: "1Gi" } } } } } }],
      },
    });
    const pod = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "eph");
    const claim = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "eph-scratch");
    assert.equal(claim.metadata?.ownerReferences, [{ apiVersion: "v1", kind: "Pod", name: "eph", uid: pod.metadata!.uid!, controller: true, blockOwnerDeletion: true }]);
    assert.equal(claim.metadata?.labels, { kind: "scratch" });
    await cluster.clock.sleep(10_000);
    assert.is(columns(await pods.get("eph", { namespace: "default" })), "0/1 ContainerCreating 0");
    // A PV pre-bound to the claim: the PV controller binds the pair.
    const { volume } = await controllers.get(HOSTPATH_DRIVER_NAME)!.controller.createVolume!({ name: "eph", volumeCapabilities: [{ mount: {}, accessMode: { mode: "SINGLE_NODE_WRITER" } }], accessibilityRequirements: { preferred: [{ segments: { "topology.hostpath.csi/node": "node-1" } }] } });
    const pvs = cluster.client.resource<PersistentVolume>("PersistentVolume");
    await pvs.create({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv-eph" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], storageClassName: "", claimRef: { namespace: "default", name: "eph-scratch", uid: claim.metadata!.uid! }, csi: { driver: HOSTPATH_DRIVER_NAME, volumeHandle: volume.volumeId } } });
    await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "eph-scratch" && c.status?.phase === "Bound", { timeout: 60_000 });
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "eph" && p.status?.phase === "Running");
    assert.is((await exec(kubeletOf("node-1"), "eph", "echo e > /scratch/x && cat /scratch/x")).stdout, "e\n");
  } finally {
    await cluster.stop();
  }
});

test.run();
