import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { CSIDriver, CSINode, CSIStorageCapacity, StorageClass } from "kubernetes-types/storage/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { isStatusError } from "../../core/api/status.js";
import { FAKE_DRIVER, FakeController, fakeStorageCluster, TOPOLOGY_KEY } from "./fake-csi-driver.js";

const GiB = 1024 ** 3;
const CAPACITIES = "csistoragecapacities.storage.k8s.io";

const capacities = async (cluster: Cluster): Promise<CSIStorageCapacity[]> => (await cluster.client.resource<CSIStorageCapacity>(CAPACITIES).list({ namespace: "kube-system" })).items;

/** Polls (on the virtual clock) until `check` holds for the driver's capacity objects. */
async function capacitiesWhere(cluster: Cluster, check: (items: CSIStorageCapacity[]) => boolean, what: string): Promise<CSIStorageCapacity[]> {
  for (let i = 0; i < 600; i++) {
    const items = await capacities(cluster);
    if (check(items)) return items;
    await cluster.clock.sleep(100);
  }
  assert.unreachable(`capacity objects never became: ${what}; last: ${JSON.stringify((await capacities(cluster)).map((c) => [c.storageClassName, c.nodeTopology, c.capacity]))}`);
  return [];
}

const onNode = (items: CSIStorageCapacity[], node: string): CSIStorageCapacity | undefined => items.find((c) => c.nodeTopology?.matchLabels?.[TOPOLOGY_KEY] === node);

const podUsing = (name: string, claim: string, node?: string): Pod => ({
  metadata: { name, namespace: "default" },
  spec: { ...(node ? { nodeSelector: { "kubernetes.io/hostname": node } } : {}), containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }] },
});

const claim = (name: string, size: string): PersistentVolumeClaim => ({ metadata: { name, namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, storageClassName: "local" } });

async function setUp(cluster: Cluster): Promise<void> {
  await cluster.client.resource<CSIDriver>("csidrivers.storage.k8s.io").create({ metadata: { name: FAKE_DRIVER }, spec: { attachRequired: false, storageCapacity: true } });
  await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({ metadata: { name: "local" }, provisioner: FAKE_DRIVER, volumeBindingMode: "WaitForFirstConsumer", parameters: { kind: "fast" } });
}

test("external-provisioner publishes one CSIStorageCapacity per WaitForFirstConsumer class and node segment; refreshed after provisioning", async () => {
  const driver = new FakeController({ topology: true, capacityPerNode: 10 * GiB });
  await fakeStorageCluster(driver, async (cluster) => {
    await setUp(cluster);
    // An Immediate class of the driver gets none (external-provisioner without --capacity-for-immediate-binding).
    await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").create({ metadata: { name: "now" }, provisioner: FAKE_DRIVER });
    const items = await capacitiesWhere(cluster, (xs) => xs.length === 2, "two objects");
    for (const node of ["n1", "n2"]) {
      const c = onNode(items, node)!;
      assert.ok(c, `an object for ${node}`);
      assert.is(c.storageClassName, "local");
      assert.equal(c.nodeTopology, { matchLabels: { [TOPOLOGY_KEY]: node } });
      assert.is(c.capacity, "10Gi");
      assert.match(c.metadata!.name!, /^csisc-[a-z0-9]{5}$/);
      assert.is(c.metadata?.generateName, "csisc-");
      assert.equal(c.metadata?.labels, { "csi.storage.k8s.io/drivername": FAKE_DRIVER, "csi.storage.k8s.io/managed-by": "external-provisioner" });
    }

    // An 8Gi volume provisioned on n1 leaves 2Gi there.
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("big", "8Gi"));
    await cluster.client.resource<Pod>("Pod").create(podUsing("first", "big", "n1"));
    const after = await capacitiesWhere(cluster, (xs) => onNode(xs, "n1")?.capacity === "2Gi", "n1 at 2Gi");
    assert.is(onNode(after, "n2")?.capacity, "10Gi");
    assert.is(after.length, 2, "updated in place, not re-created");
    assert.is(onNode(after, "n1")!.metadata!.name, onNode(items, "n1")!.metadata!.name);

    // Someone deletes one: it comes back.
    await cluster.client.resource<CSIStorageCapacity>(CAPACITIES).delete(onNode(after, "n2")!.metadata!.name!, { namespace: "kube-system" });
    await capacitiesWhere(cluster, (xs) => onNode(xs, "n2")?.capacity === "10Gi" && xs.length === 2, "n2 re-created");

    // The class goes: so do its objects.
    await cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io").delete("local");
    await capacitiesWhere(cluster, (xs) => xs.length === 0, "none");
  });
});

test("capacity work items are (class, segment): a node joining costs one GetCapacity and one object; relabelled, its object is replaced; gone, deleted", async () => {
  const driver = new FakeController({ topology: true, capacityPerNode: 10 * GiB });
  const asked: string[] = [];
  const getCapacity = driver.controller.getCapacity!;
  (driver.controller as { getCapacity: typeof getCapacity }).getCapacity = async (req) => {
    asked.push(req.accessibleTopology?.segments[TOPOLOGY_KEY] ?? "");
    return getCapacity(req);
  };
  await fakeStorageCluster(driver, async (cluster) => {
    await setUp(cluster);
    const first = await capacitiesWhere(cluster, (xs) => xs.length === 2, "two objects");
    asked.length = 0;
    const addNode = async (name: string, segment: string): Promise<void> => {
      await cluster.client.resource<Node>("Node").create({ metadata: { name, labels: { "kubernetes.io/hostname": name, [TOPOLOGY_KEY]: segment } } });
      await cluster.client.resource<CSINode>("csinodes.storage.k8s.io").create({ metadata: { name }, spec: { drivers: [{ name: FAKE_DRIVER, nodeID: name, topologyKeys: [TOPOLOGY_KEY] }] } });
    };
    await addNode("n3", "n3");
    const three = await capacitiesWhere(cluster, (xs) => xs.length === 3 && !!onNode(xs, "n3"), "n3's object");
    assert.equal(asked, ["n3"], "only the new segment asked");
    for (const node of ["n1", "n2"]) assert.is(onNode(three, node)!.metadata!.resourceVersion, onNode(first, node)!.metadata!.resourceVersion, `${node}'s object untouched`);

    // A second node in an existing segment adds nothing.
    await addNode("n4", "n3");
    await cluster.clock.sleep(1000);
    assert.is((await capacities(cluster)).length, 3);

    // n3 moves to its own segment n3b: n4 keeps n3's object, n3b gets one.
    const nodes = cluster.client.resource<Node>("Node");
    await nodes.patch("n3", "merge", { metadata: { labels: { [TOPOLOGY_KEY]: "n3b" } } });
    const moved = await capacitiesWhere(cluster, (xs) => xs.length === 4 && !!onNode(xs, "n3b"), "n3b's object");
    assert.is(onNode(moved, "n3")!.metadata!.name, onNode(three, "n3")!.metadata!.name);

    // The last node of a segment goes: its object goes.
    await nodes.delete("n4");
    await capacitiesWhere(cluster, (xs) => xs.length === 3 && !onNode(xs, "n3"), "n3's object deleted");
    await cluster.client.resource<CSINode>("csinodes.storage.k8s.io").delete("n2");
    const left = await capacitiesWhere(cluster, (xs) => xs.length === 2 && !onNode(xs, "n2"), "n2's object deleted");
    assert.equal(left.map((c) => c.nodeTopology?.matchLabels?.[TOPOLOGY_KEY]).sort(), ["n1", "n3b"]);
  });
});

test("VolumeBinding uses CSIStorageCapacity for drivers with storageCapacity: a claim goes to the node with room; none with room: node(s) did not have enough free storage", async () => {
  const driver = new FakeController({ topology: true, capacityPerNode: 10 * GiB });
  await fakeStorageCluster(driver, async (cluster) => {
    await setUp(cluster);
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("big", "8Gi"));
    await cluster.client.resource<Pod>("Pod").create(podUsing("first", "big", "n1"));
    await capacitiesWhere(cluster, (xs) => onNode(xs, "n1")?.capacity === "2Gi" && onNode(xs, "n2")?.capacity === "10Gi", "n1 at 2Gi");

    // 5Gi only fits on n2: the scheduler picks it without trying n1.
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("mid", "5Gi"));
    await cluster.client.resource<Pod>("Pod").create(podUsing("second", "mid"));
    const second = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "second" && !!p.spec?.nodeName, { namespace: "default", timeout: 120_000 });
    assert.is(second.spec?.nodeName, "n2");
    const mid = await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").get("mid", { namespace: "default" });
    assert.is(mid.metadata?.annotations?.["volume.kubernetes.io/selected-node"], "n2");
    assert.not.ok(driver.calls.some((c) => c.startsWith("CreateVolume") && c.includes("RESOURCE_EXHAUSTED")));

    // 12Gi fits nowhere.
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create(claim("huge", "12Gi"));
    await cluster.client.resource<Pod>("Pod").create(podUsing("third", "huge"));
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "FailedScheduling" && e.involvedObject.name === "third", { namespace: "default", timeout: 60_000 });
    assert.is(ev.message, "0/2 nodes are available: 2 node(s) did not have enough free storage. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
    const huge = await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").get("huge", { namespace: "default" });
    assert.is(huge.metadata?.annotations?.["volume.kubernetes.io/selected-node"], undefined, "never handed to the provisioner");

    // With storageCapacity turned off the scheduler does not look (a CSIDriver update re-queues the pod; the provisioner then fails on the node).
    const drivers = cluster.client.resource<CSIDriver>("csidrivers.storage.k8s.io");
    const d = await drivers.get(FAKE_DRIVER);
    await drivers.update({ ...d, spec: { ...d.spec, storageCapacity: false } });
    const selected = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "huge" && !!c.metadata?.annotations?.["volume.kubernetes.io/selected-node"], { namespace: "default", timeout: 60_000 });
    assert.ok(selected);
  });
});

test("CSIStorageCapacity validation: storageClassName required; negative capacity refused; nodeTopology and storageClassName immutable", async () => {
  const driver = new FakeController({ topology: true });
  await fakeStorageCluster(driver, async (cluster) => {
    const api = cluster.client.resource<CSIStorageCapacity>(CAPACITIES);
    const refused = async (obj: CSIStorageCapacity, update = false): Promise<string> => {
      try {
        if (update) await api.update(obj, { namespace: "default" });
        else await api.create(obj, { namespace: "default" });
      } catch (err) {
        if (isStatusError(err)) return err.message;
        throw err;
      }
      assert.unreachable("accepted");
      return "";
    };
    assert.match(await refused({ metadata: { name: "a", namespace: "default" }, storageClassName: "" } as CSIStorageCapacity), "storageClassName: Required value");
    assert.match(await refused({ metadata: { name: "a", namespace: "default" }, storageClassName: "x", capacity: "-1Gi" }), "capacity: Invalid value: \"-1Gi\": must be greater than or equal to 0");
    const made = await api.create({ metadata: { name: "a", namespace: "default" }, storageClassName: "x", capacity: "1Gi", nodeTopology: { matchLabels: { zone: "a" } } }, { namespace: "default" });
    assert.match(await refused({ ...made, storageClassName: "y" }, true), "storageClassName: Invalid value: \"y\": field is immutable");
    assert.match(await refused({ ...made, nodeTopology: { matchLabels: { zone: "b" } } }, true), "nodeTopology: Invalid value");
    const grown = await api.update({ ...made, capacity: "2Gi" }, { namespace: "default" });
    assert.is(grown.capacity, "2Gi");
  });
});

test.run();
