import { test } from "uvu";
import * as assert from "uvu/assert";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { HostFileSystem } from "../../core/cri/host-filesystem.js";
import { isCsiError, type CsiCode } from "../../core/csi/errors.js";
import type { CsiControllerPlugin, CsiNodePlugin } from "../../core/csi/services.js";
import type { CsiAccessMode, VolumeCapability } from "../../core/csi/types.js";
import { HostPathDriver, HOSTPATH_TOPOLOGY_KEY } from "../../plugins/csi-hostpath/index.js";
import { NfsDriver } from "../../plugins/csi-nfs/index.js";

/** A driver under test: its controller, a node plugin per node, and what it supports. */
interface Subject {
  name: string;
  controller: CsiControllerPlugin;
  nodes: Map<string, { plugin: CsiNodePlugin; fs: HostFileSystem }>;
  /** A mode it refuses (ValidateVolumeCapabilities answers without `confirmed`). */
  unsupported: VolumeCapability;
  stages: boolean;
  attaches: boolean;
}

function hostpath(): Subject {
  const driver = new HostPathDriver({ clock: new VirtualClock(), random: new SeededRandom(1) }, { capacityBytes: 10 * GiB, maxVolumesPerNode: 2 });
  const nodes = new Map<string, { plugin: CsiNodePlugin; fs: HostFileSystem }>();
  for (const n of ["n1", "n2"]) {
    const fs = new HostFileSystem();
    nodes.set(n, { plugin: driver.nodePlugin(n, fs), fs });
  }
  return { name: "csi-hostpath", controller: driver.controllerPlugin(), nodes, unsupported: cap("MULTI_NODE_MULTI_WRITER"), stages: true, attaches: true };
}

function nfs(): Subject {
  const driver = new NfsDriver();
  const nodes = new Map<string, { plugin: CsiNodePlugin; fs: HostFileSystem }>();
  for (const n of ["n1", "n2"]) {
    const fs = new HostFileSystem();
    nodes.set(n, { plugin: driver.nodePlugin(n, fs), fs });
  }
  return { name: "csi-nfs", controller: driver.controllerPlugin(), nodes, unsupported: { block: {}, accessMode: { mode: "SINGLE_NODE_WRITER" } }, stages: false, attaches: false };
}

const GiB = 1024 ** 3;

function cap(mode: CsiAccessMode = "SINGLE_NODE_WRITER"): VolumeCapability {
  return { mount: {}, accessMode: { mode } };
}

async function code(p: Promise<unknown>): Promise<CsiCode | "OK"> {
  try {
    await p;
    return "OK";
  } catch (err) {
    if (isCsiError(err)) return err.code;
    throw err;
  }
}

/** Makes the volume usable on `node` as the kubelet would: attach, stage (when the driver stages), publish. */
async function publish(s: Subject, volumeId: string, node: string, target: string, readonly = false): Promise<void> {
  const n = s.nodes.get(node)!.plugin.node;
  if (s.attaches) await s.controller.controller.controllerPublishVolume!({ volumeId, nodeId: node, volumeCapability: cap(), readonly: false });
  const staging = `/var/lib/kubelet/plugins/kubernetes.io/csi/x/${volumeId}/globalmount`;
  if (s.stages) await n.nodeStageVolume!({ volumeId, stagingTargetPath: staging, volumeCapability: cap() });
  await n.nodePublishVolume({ volumeId, ...(s.stages ? { stagingTargetPath: staging } : {}), targetPath: target, volumeCapability: cap(), readonly });
}

const topology = (node: string) => ({ preferred: [{ segments: { [HOSTPATH_TOPOLOGY_KEY]: node } }] });

for (const make of [hostpath, nfs]) {
  const name = make().name;
  const create = (s: Subject, volName: string, bytes = GiB) => s.controller.controller.createVolume!({ name: volName, capacityRange: { requiredBytes: bytes }, volumeCapabilities: [cap()], accessibilityRequirements: topology("n1") });

  test(`${name}: identity answers its name, and probe says ready`, async () => {
    const s = make();
    const info = await s.controller.identity.getPluginInfo();
    assert.ok(info.name.endsWith(".csi.k8s.io"));
    assert.ok(info.vendorVersion.startsWith("v"));
    assert.is((await s.controller.identity.probe()).ready, true);
    assert.is((await s.nodes.get("n1")!.plugin.identity.getPluginInfo()).name, info.name);
  });

  test(`${name}: CreateVolume refuses missing fields with INVALID_ARGUMENT`, async () => {
    const s = make();
    assert.is(await code(s.controller.controller.createVolume!({ name: "", volumeCapabilities: [cap()] })), "INVALID_ARGUMENT");
    assert.is(await code(s.controller.controller.createVolume!({ name: "v", volumeCapabilities: [] })), "INVALID_ARGUMENT");
    assert.is(await code(s.controller.controller.createVolume!({ name: "v", volumeCapabilities: [{ accessMode: { mode: "SINGLE_NODE_WRITER" } }] })), "INVALID_ARGUMENT");
  });

  test(`${name}: CreateVolume is idempotent by name; another size under the same name is ALREADY_EXISTS`, async () => {
    const s = make();
    const a = await create(s, "same");
    const b = await create(s, "same");
    assert.is(a.volume.volumeId, b.volume.volumeId);
    assert.is(await code(create(s, "same", 2 * GiB)), "ALREADY_EXISTS");
    const list = await s.controller.controller.listVolumes!({});
    assert.is(list.entries.length, 1);
  });

  test(`${name}: DeleteVolume of an unknown or deleted volume succeeds; a missing id is INVALID_ARGUMENT`, async () => {
    const s = make();
    const { volume } = await create(s, "gone");
    assert.is(await code(s.controller.controller.deleteVolume!({ volumeId: volume.volumeId })), "OK");
    assert.is(await code(s.controller.controller.deleteVolume!({ volumeId: volume.volumeId })), "OK");
    assert.is(await code(s.controller.controller.deleteVolume!({ volumeId: "never-existed" })), "OK");
    assert.is(await code(s.controller.controller.deleteVolume!({ volumeId: "" })), "INVALID_ARGUMENT");
    assert.is((await s.controller.controller.listVolumes!({})).entries.length, 0);
  });

  test(`${name}: ValidateVolumeCapabilities confirms supported capabilities only; unknown volume is NOT_FOUND`, async () => {
    const s = make();
    const { volume } = await create(s, "caps");
    assert.ok((await s.controller.controller.validateVolumeCapabilities({ volumeId: volume.volumeId, volumeCapabilities: [cap()] })).confirmed);
    const refused = await s.controller.controller.validateVolumeCapabilities({ volumeId: volume.volumeId, volumeCapabilities: [s.unsupported] });
    assert.is(refused.confirmed, undefined);
    assert.ok(refused.message);
    assert.is(await code(s.controller.controller.validateVolumeCapabilities({ volumeId: "nope", volumeCapabilities: [cap()] })), "NOT_FOUND");
    assert.is(await code(create(s, "bad-caps").then(() => s.controller.controller.createVolume!({ name: "bad", volumeCapabilities: [s.unsupported] }))), "INVALID_ARGUMENT");
  });

  test(`${name}: ListVolumes pages with next tokens; a bad token is ABORTED, a negative max INVALID_ARGUMENT`, async () => {
    const s = make();
    for (const n of ["a", "b", "c"]) await create(s, n, 1024);
    const first = await s.controller.controller.listVolumes!({ maxEntries: 2 });
    assert.is(first.entries.length, 2);
    assert.ok(first.nextToken);
    const rest = await s.controller.controller.listVolumes!({ maxEntries: 2, startingToken: first.nextToken! });
    assert.is(rest.entries.length, 1);
    assert.is(rest.nextToken, undefined);
    assert.is(new Set([...first.entries, ...rest.entries].map((e) => e.volume.volumeId)).size, 3);
    assert.is(await code(s.controller.controller.listVolumes!({ startingToken: "zzz" })), "ABORTED");
    assert.is(await code(s.controller.controller.listVolumes!({ maxEntries: -1 })), "INVALID_ARGUMENT");
  });

  test(`${name}: NodePublish checks fields, is idempotent, refuses other options at the same path; NodeUnpublish twice succeeds`, async () => {
    const s = make();
    const { volume } = await create(s, "pub");
    const node = s.nodes.get("n1")!;
    assert.is(await code(node.plugin.node.nodePublishVolume({ volumeId: volume.volumeId, targetPath: "", volumeCapability: cap(), readonly: false })), "INVALID_ARGUMENT");
    assert.is(await code(node.plugin.node.nodePublishVolume({ volumeId: "nope", stagingTargetPath: "/s", targetPath: "/t", volumeCapability: cap(), readonly: false })), "NOT_FOUND");
    const target = "/var/lib/kubelet/pods/u1/volumes/kubernetes.io~csi/pv/mount";
    await publish(s, volume.volumeId, "n1", target);
    const staging = `/var/lib/kubelet/plugins/kubernetes.io/csi/x/${volume.volumeId}/globalmount`;
    const again = { volumeId: volume.volumeId, ...(s.stages ? { stagingTargetPath: staging } : {}), targetPath: target, volumeCapability: cap() };
    assert.is(await code(node.plugin.node.nodePublishVolume({ ...again, readonly: false })), "OK");
    assert.is(await code(node.plugin.node.nodePublishVolume({ ...again, readonly: true })), "ALREADY_EXISTS");
    node.fs.write(`${target}/file`, "data");
    assert.is(node.fs.read(`${target}/file`), "data");
    assert.is(await code(node.plugin.node.nodeUnpublishVolume({ volumeId: volume.volumeId, targetPath: target })), "OK");
    assert.is(await code(node.plugin.node.nodeUnpublishVolume({ volumeId: volume.volumeId, targetPath: target })), "OK");
    assert.not.ok(node.fs.isMountPoint(target));
    assert.is(node.fs.read(`${target}/file`), undefined);
  });

  test(`${name}: a read-only publish refuses writes with EROFS`, async () => {
    const s = make();
    const { volume } = await create(s, "ro");
    await publish(s, volume.volumeId, "n1", "/t/ro", true);
    const fs = s.nodes.get("n1")!.fs;
    try {
      fs.write("/t/ro/x", "y");
      assert.unreachable("write succeeded");
    } catch (err) {
      assert.is((err as { code?: string }).code, "EROFS");
    }
  });
}

test("csi-hostpath: NodePublish before NodeStage is FAILED_PRECONDITION; NodeUnstage while published is FAILED_PRECONDITION; the lifecycle in order works", async () => {
  const s = hostpath();
  const { volume } = await s.controller.controller.createVolume!({ name: "order", volumeCapabilities: [cap()], accessibilityRequirements: topology("n1") });
  const n = s.nodes.get("n1")!.plugin.node;
  const staging = "/var/lib/kubelet/plugins/kubernetes.io/csi/hostpath.csi.k8s.io/abc/globalmount";
  assert.is(await code(n.nodeStageVolume!({ volumeId: volume.volumeId, stagingTargetPath: staging, volumeCapability: cap() })), "FAILED_PRECONDITION", "not attached yet");
  await s.controller.controller.controllerPublishVolume!({ volumeId: volume.volumeId, nodeId: "n1", volumeCapability: cap(), readonly: false });
  assert.is(await code(n.nodePublishVolume({ volumeId: volume.volumeId, stagingTargetPath: staging, targetPath: "/t", volumeCapability: cap(), readonly: false })), "FAILED_PRECONDITION");
  await n.nodeStageVolume!({ volumeId: volume.volumeId, stagingTargetPath: staging, volumeCapability: cap() });
  assert.is(await code(n.nodeStageVolume!({ volumeId: volume.volumeId, stagingTargetPath: staging, volumeCapability: cap() })), "OK", "stage twice");
  assert.is(await code(n.nodeStageVolume!({ volumeId: volume.volumeId, stagingTargetPath: staging, volumeCapability: cap("SINGLE_NODE_READER_ONLY") })), "ALREADY_EXISTS");
  await n.nodePublishVolume({ volumeId: volume.volumeId, stagingTargetPath: staging, targetPath: "/t", volumeCapability: cap(), readonly: false });
  assert.is(await code(n.nodeUnstageVolume!({ volumeId: volume.volumeId, stagingTargetPath: staging })), "FAILED_PRECONDITION");
  assert.is(await code(s.controller.controller.deleteVolume!({ volumeId: volume.volumeId })), "FAILED_PRECONDITION", "in use");
  await n.nodeUnpublishVolume({ volumeId: volume.volumeId, targetPath: "/t" });
  await n.nodeUnstageVolume!({ volumeId: volume.volumeId, stagingTargetPath: staging });
  assert.is(await code(n.nodeUnstageVolume!({ volumeId: volume.volumeId, stagingTargetPath: staging })), "OK", "unstage twice");
  await s.controller.controller.controllerUnpublishVolume!({ volumeId: volume.volumeId, nodeId: "n1" });
  assert.is(await code(s.controller.controller.controllerUnpublishVolume!({ volumeId: volume.volumeId, nodeId: "n1" })), "OK");
  assert.is(await code(s.controller.controller.deleteVolume!({ volumeId: volume.volumeId })), "OK");
});

test("csi-hostpath: volumes are node-local: topology, ControllerPublish to another node NOT_FOUND, attach limit RESOURCE_EXHAUSTED, capacity per node", async () => {
  const s = hostpath();
  const c = s.controller.controller;
  const before = (await c.getCapacity!({ accessibleTopology: { segments: { [HOSTPATH_TOPOLOGY_KEY]: "n2" } } })).availableCapacity;
  assert.is(before, 10 * GiB);
  const vols = [];
  for (const n of ["v1", "v2", "v3"]) vols.push((await c.createVolume!({ name: n, capacityRange: { requiredBytes: 2 * GiB }, volumeCapabilities: [cap()], accessibilityRequirements: topology("n2") })).volume);
  assert.equal(vols[0]!.accessibleTopology, [{ segments: { [HOSTPATH_TOPOLOGY_KEY]: "n2" } }]);
  assert.is((await c.getCapacity!({ accessibleTopology: { segments: { [HOSTPATH_TOPOLOGY_KEY]: "n2" } } })).availableCapacity, 4 * GiB);
  assert.is((await c.getCapacity!({ accessibleTopology: { segments: { [HOSTPATH_TOPOLOGY_KEY]: "n1" } } })).availableCapacity, 10 * GiB);
  assert.is(await code(c.createVolume!({ name: "big", capacityRange: { requiredBytes: 5 * GiB }, volumeCapabilities: [cap()], accessibilityRequirements: { requisite: [{ segments: { [HOSTPATH_TOPOLOGY_KEY]: "n2" } }] } })), "RESOURCE_EXHAUSTED");
  assert.is(await code(c.createVolume!({ name: "huge", capacityRange: { requiredBytes: 2 * 1024 * GiB }, volumeCapabilities: [cap()] })), "OUT_OF_RANGE");
  assert.is(await code(c.controllerPublishVolume!({ volumeId: vols[0]!.volumeId, nodeId: "n1", volumeCapability: cap(), readonly: false })), "NOT_FOUND");
  assert.is(await code(c.controllerPublishVolume!({ volumeId: "nope", nodeId: "n2", volumeCapability: cap(), readonly: false })), "NOT_FOUND");
  for (const v of vols.slice(0, 2)) await c.controllerPublishVolume!({ volumeId: v.volumeId, nodeId: "n2", volumeCapability: cap(), readonly: false });
  assert.is(await code(c.controllerPublishVolume!({ volumeId: vols[0]!.volumeId, nodeId: "n2", volumeCapability: cap(), readonly: false })), "OK", "publish twice");
  assert.is(await code(c.controllerPublishVolume!({ volumeId: vols[0]!.volumeId, nodeId: "n2", volumeCapability: cap(), readonly: true })), "ALREADY_EXISTS");
  assert.is(await code(c.controllerPublishVolume!({ volumeId: vols[2]!.volumeId, nodeId: "n2", volumeCapability: cap(), readonly: false })), "RESOURCE_EXHAUSTED");
  const got = await c.controllerGetVolume!({ volumeId: vols[0]!.volumeId });
  assert.equal(got.status.publishedNodeIds, ["n2"]);
  assert.is(await code(c.controllerGetVolume!({ volumeId: "nope" })), "NOT_FOUND");
  assert.equal((await s.nodes.get("n2")!.plugin.node.getInfo()), { nodeId: "n2", maxVolumesPerNode: 2, accessibleTopology: { segments: { [HOSTPATH_TOPOLOGY_KEY]: "n2" } } });
});

test("csi-hostpath: snapshots are idempotent by name, restore and clone copy the data on the same node, expansion grows the volume", async () => {
  const s = hostpath();
  const c = s.controller.controller;
  const { volume } = await c.createVolume!({ name: "src", capacityRange: { requiredBytes: GiB }, volumeCapabilities: [cap()], accessibilityRequirements: topology("n1") });
  const fs = s.nodes.get("n1")!.fs;
  fs.write(`/var/lib/csi-hostpath-data/${volume.volumeId}/dir/a`, "one");
  const snap = (await c.createSnapshot!({ name: "snap-1", sourceVolumeId: volume.volumeId })).snapshot;
  assert.is(snap.readyToUse, true);
  assert.is((await c.createSnapshot!({ name: "snap-1", sourceVolumeId: volume.volumeId })).snapshot.snapshotId, snap.snapshotId);
  const { volume: other } = await c.createVolume!({ name: "other", volumeCapabilities: [cap()], accessibilityRequirements: topology("n1") });
  assert.is(await code(c.createSnapshot!({ name: "snap-1", sourceVolumeId: other.volumeId })), "ALREADY_EXISTS");
  assert.is(await code(c.createSnapshot!({ name: "snap-x", sourceVolumeId: "nope" })), "NOT_FOUND");
  fs.write(`/var/lib/csi-hostpath-data/${volume.volumeId}/dir/a`, "changed");
  const restored = (await c.createVolume!({ name: "restored", capacityRange: { requiredBytes: GiB }, volumeCapabilities: [cap()], volumeContentSource: { snapshot: { snapshotId: snap.snapshotId } } })).volume;
  assert.is(fs.read(`/var/lib/csi-hostpath-data/${restored.volumeId}/dir/a`), "one");
  assert.equal(restored.contentSource, { snapshot: { snapshotId: snap.snapshotId } });
  const clone = (await c.createVolume!({ name: "clone", capacityRange: { requiredBytes: GiB }, volumeCapabilities: [cap()], volumeContentSource: { volume: { volumeId: volume.volumeId } } })).volume;
  assert.is(fs.read(`/var/lib/csi-hostpath-data/${clone.volumeId}/dir/a`), "changed");
  assert.is(await code(c.createVolume!({ name: "r2", volumeCapabilities: [cap()], volumeContentSource: { snapshot: { snapshotId: "nope" } } })), "NOT_FOUND");
  assert.is((await c.listSnapshots!({ sourceVolumeId: volume.volumeId })).entries.length, 1);
  assert.is((await c.listSnapshots!({ snapshotId: "nope" })).entries.length, 0);
  await c.deleteSnapshot!({ snapshotId: snap.snapshotId });
  assert.is(await code(c.deleteSnapshot!({ snapshotId: snap.snapshotId })), "OK");
  const grown = await c.controllerExpandVolume!({ volumeId: volume.volumeId, capacityRange: { requiredBytes: 3 * GiB } });
  assert.equal(grown, { capacityBytes: 3 * GiB, nodeExpansionRequired: true });
  assert.is((await c.controllerExpandVolume!({ volumeId: volume.volumeId, capacityRange: { requiredBytes: 2 * GiB } })).capacityBytes, 3 * GiB, "no shrink");
  assert.is(await code(c.controllerExpandVolume!({ volumeId: "nope", capacityRange: { requiredBytes: GiB } })), "NOT_FOUND");
});

test("csi-hostpath: NodeGetVolumeStats reports bytes and inodes of a published volume; an unpublished path is NOT_FOUND", async () => {
  const s = hostpath();
  const { volume } = await s.controller.controller.createVolume!({ name: "stats", capacityRange: { requiredBytes: GiB }, volumeCapabilities: [cap()], accessibilityRequirements: topology("n1") });
  await publish(s, volume.volumeId, "n1", "/t/stats");
  const fs = s.nodes.get("n1")!.fs;
  fs.write("/t/stats/a", "12345");
  const stats = await s.nodes.get("n1")!.plugin.node.nodeGetVolumeStats!({ volumeId: volume.volumeId, volumePath: "/t/stats" });
  const bytes = stats.usage.find((u) => u.unit === "BYTES")!;
  assert.equal([bytes.used, bytes.total, bytes.available], [5, GiB, GiB - 5]);
  assert.is(stats.volumeCondition?.abnormal, false);
  assert.is(await code(s.nodes.get("n1")!.plugin.node.nodeGetVolumeStats!({ volumeId: volume.volumeId, volumePath: "/elsewhere" })), "NOT_FOUND");
});

test("csi-nfs: a volume published on two nodes is one directory on the server (ReadWriteMany)", async () => {
  const s = nfs();
  const { volume } = await s.controller.controller.createVolume!({ name: "pvc-shared", volumeCapabilities: [cap("MULTI_NODE_MULTI_WRITER")], parameters: { server: "nfs-server.default.svc.cluster.local", share: "/" } });
  assert.is(volume.volumeId, "nfs-server.default.svc.cluster.local##pvc-shared#");
  assert.is(volume.accessibleTopology, undefined);
  await publish(s, volume.volumeId, "n1", "/a");
  await publish(s, volume.volumeId, "n2", "/b");
  s.nodes.get("n1")!.fs.write("/a/hello", "from n1");
  assert.is(s.nodes.get("n2")!.fs.read("/b/hello"), "from n1");
  assert.equal((await s.controller.controller.controllerGetVolume!({ volumeId: volume.volumeId })).status.publishedNodeIds, ["n1", "n2"]);
  assert.is(s.nodes.get("n1")!.fs.mountAt("/a")?.fsType, "nfs4");
});

test.run();
