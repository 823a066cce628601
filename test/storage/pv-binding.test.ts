import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { findMatchingVolume } from "../../core/volume/volume-matching.js";

const pv = (name: string, size: string, extra: Partial<NonNullable<PersistentVolume["spec"]>> = {}, labels?: Record<string, string>): PersistentVolume => ({
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/data/${name}` }, ...extra },
  status: { phase: "Available" },
});

const pvc = (name: string, size: string, extra: Partial<NonNullable<PersistentVolumeClaim["spec"]>> = {}): PersistentVolumeClaim => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, storageClassName: "", ...extra },
});

test("FindMatchingVolume: smallest fitting volume by class, modes, selector, volume mode (table)", () => {
  const volumes = [
    pv("small", "1Gi"),
    pv("medium", "5Gi"),
    pv("large", "10Gi"),
    pv("rwx", "2Gi", { accessModes: ["ReadWriteOnce", "ReadWriteMany"] }),
    pv("rox", "1Gi", { accessModes: ["ReadOnlyMany"] }),
    pv("rwop", "1Gi", { accessModes: ["ReadWriteOncePod"] }),
    pv("fast", "1Gi", { storageClassName: "fast" }),
    pv("labelled", "3Gi", {}, { tier: "gold" }),
    pv("block", "1Gi", { volumeMode: "Block" }),
    pv("taken", "1Gi", { claimRef: { namespace: "default", name: "other", uid: "uid-other" } }),
  ];
  const cases: [string, PersistentVolumeClaim, string | undefined][] = [
    ["smallest that fits", pvc("a", "500Mi"), "small"],
    ["capacity rules out smaller ones", pvc("a", "4Gi"), "medium"],
    ["nothing big enough", pvc("a", "20Gi"), undefined],
    ["RWX needs a volume offering it", pvc("a", "1Gi", { accessModes: ["ReadWriteMany"] }), "rwx"],
    ["ROX", pvc("a", "1Gi", { accessModes: ["ReadOnlyMany"] }), "rox"],
    ["RWOP", pvc("a", "1Gi", { accessModes: ["ReadWriteOncePod"] }), "rwop"],
    ["fewest access modes win over size", pvc("a", "1500Mi"), "labelled"],
    ["storage class", pvc("a", "1Gi", { storageClassName: "fast" }), "fast"],
    ["selector", pvc("a", "1Gi", { selector: { matchLabels: { tier: "gold" } } }), "labelled"],
    ["block volume mode", pvc("a", "1Gi", { volumeMode: "Block" }), "block"],
    ["pre-bound by claimRef wins", { ...pvc("other", "1Gi"), metadata: { name: "other", namespace: "default", uid: "uid-other" } }, "taken"],
    ["delay binding without a node binds only pre-bound volumes", pvc("a", "1Gi"), undefined],
  ];
  for (const [what, claim, want] of cases) {
    const delayBinding = what.startsWith("delay binding");
    assert.is(findMatchingVolume(claim, volumes, { delayBinding })?.metadata?.name, want, what);
  }
});

async function withCluster(fn: (c: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 1, plugins: ["kube-controller-manager"] });
  await cluster.start();
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const strip = (o: PersistentVolume): PersistentVolume => ({ ...o, status: undefined } as PersistentVolume);
const claimOf = (name: string, size: string, extra: Partial<NonNullable<PersistentVolumeClaim["spec"]>> = {}): PersistentVolumeClaim => {
  const c = pvc(name, size, extra);
  return { ...c, metadata: { name, namespace: "default" } };
};

test("static binding: the claim binds the smallest matching PV; annotations, claimRef, phases and finalizers as upstream", async () => {
  await withCluster(async (cluster) => {
    const pvs = cluster.client.resource<PersistentVolume>("PersistentVolume");
    const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    await pvs.create(strip(pv("pv-big", "10Gi")));
    await pvs.create(strip(pv("pv-small", "2Gi")));
    await cluster.waitFor<PersistentVolume>("PersistentVolume", (v) => v.metadata?.name === "pv-small" && v.status?.phase === "Available");
    const created = await pvcs.create(claimOf("data", "1Gi"));
    assert.equal(created.metadata?.finalizers, ["kubernetes.io/pvc-protection"]);
    const bound = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "data" && c.status?.phase === "Bound", { namespace: "default" });
    assert.is(bound.spec?.volumeName, "pv-small");
    assert.is(bound.metadata?.annotations?.["pv.kubernetes.io/bind-completed"], "yes");
    assert.is(bound.metadata?.annotations?.["pv.kubernetes.io/bound-by-controller"], "yes");
    assert.equal(bound.status?.capacity, { storage: "2Gi" });
    assert.equal(bound.status?.accessModes, ["ReadWriteOnce"]);
    const volume = await cluster.waitFor<PersistentVolume>("PersistentVolume", (v) => v.metadata?.name === "pv-small" && v.status?.phase === "Bound");
    assert.equal(volume.metadata?.finalizers, ["kubernetes.io/pv-protection"]);
    assert.is(volume.metadata?.annotations?.["pv.kubernetes.io/bound-by-controller"], "yes");
    assert.equal({ ...volume.spec?.claimRef, resourceVersion: undefined }, { kind: "PersistentVolumeClaim", namespace: "default", name: "data", uid: created.metadata!.uid, apiVersion: "v1", resourceVersion: undefined });
    assert.is((await pvs.get("pv-big")).status?.phase, "Available");
  });
});

test("reclaim: Retain leaves the volume Released; Delete on a volume no provisioner made fails it; the protection finalizers hold deletes", async () => {
  await withCluster(async (cluster) => {
    const pvs = cluster.client.resource<PersistentVolume>("PersistentVolume");
    const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    await pvs.create(strip(pv("keep", "1Gi", { persistentVolumeReclaimPolicy: "Retain" }, { pick: "keep" })));
    await pvs.create(strip(pv("drop", "1Gi", { persistentVolumeReclaimPolicy: "Delete" }, { pick: "drop" })));
    await pvcs.create(claimOf("a", "1Gi", { selector: { matchLabels: { pick: "keep" } } }));
    await pvcs.create(claimOf("b", "1Gi", { selector: { matchLabels: { pick: "drop" } } }));
    await cluster.waitFor<PersistentVolume>("PersistentVolume", (v) => v.metadata?.name === "drop" && v.status?.phase === "Bound");
    await cluster.waitFor<PersistentVolume>("PersistentVolume", (v) => v.metadata?.name === "keep" && v.status?.phase === "Bound");

    // A bound volume being deleted stays while Bound (pv-protection).
    await pvs.delete("keep");
    const held = await pvs.get("keep");
    assert.ok(held.metadata?.deletionTimestamp, "deletion started");
    assert.is(held.status?.phase, "Bound");

    // A claim used by a running pod stays until the pod is gone (pvc-protection).
    const pods = cluster.client.resource<Pod>("Pod");
    await pods.create({ metadata: { name: "user", namespace: "default" }, spec: { nodeName: "kubesim-worker", containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "v", persistentVolumeClaim: { claimName: "a" } }] } });
    await pvcs.delete("a", { namespace: "default" });
    await cluster.clock.sleep(5_000);
    assert.ok((await pvcs.get("a", { namespace: "default" })).metadata?.deletionTimestamp, "claim in use is kept");
    await pods.delete("user", { namespace: "default", gracePeriodSeconds: 0 });
    await cluster.waitFor<PersistentVolume>("PersistentVolume", (v) => v.metadata?.name === "keep" && v.status?.phase === "Released");
    // Released: pv-protection lets the deletion finish.
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      try {
        await pvs.get("keep");
        await cluster.clock.sleep(100);
      } catch {
        gone = true;
      }
    }
    assert.ok(gone, "released volume deleted once unprotected");

    await pvcs.delete("b", { namespace: "default" });
    const failed = await cluster.waitFor<PersistentVolume>("PersistentVolume", (v) => v.metadata?.name === "drop" && v.status?.phase === "Failed");
    assert.is(failed.status?.message, 'error getting deleter volume plugin for volume "drop": no deletable volume plugin matched');
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "VolumeFailedDelete" && e.involvedObject.name === "drop", { namespace: "default" });
    assert.is(ev.source?.component, "persistentvolume-controller");
  });
});

test("pre-binding: volumeName picks that volume; a claimRef reserves a volume for one claim; mismatches stay Pending with events", async () => {
  await withCluster(async (cluster) => {
    const pvs = cluster.client.resource<PersistentVolume>("PersistentVolume");
    const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    await pvs.create(strip(pv("small", "1Gi")));
    await pvs.create(strip(pv("named", "5Gi")));
    await pvs.create(strip(pv("reserved", "1Gi", { claimRef: { namespace: "default", name: "owner" } })));
    await pvs.create(strip(pv("tiny", "100Mi")));
    await pvcs.create(claimOf("by-name", "1Gi", { volumeName: "named" }));
    const byName = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "by-name" && c.status?.phase === "Bound", { namespace: "default" });
    assert.is(byName.spec?.volumeName, "named");
    assert.is(byName.metadata?.annotations?.["pv.kubernetes.io/bound-by-controller"], undefined, "the user bound it");
    const named = await pvs.get("named");
    assert.is(named.metadata?.annotations?.["pv.kubernetes.io/bound-by-controller"], "yes");

    await pvcs.create(claimOf("owner", "1Gi"));
    const owner = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "owner" && c.status?.phase === "Bound", { namespace: "default" });
    assert.is(owner.spec?.volumeName, "reserved");
    assert.is((await pvs.get("reserved")).metadata?.annotations?.["pv.kubernetes.io/bound-by-controller"], undefined, "pre-bound volume keeps no controller mark");

    await pvcs.create(claimOf("too-big", "1Gi", { volumeName: "tiny" }));
    const ev = await cluster.waitFor<Event>("Event", (e) => e.reason === "VolumeMismatch" && e.involvedObject.name === "too-big", { namespace: "default" });
    assert.is(ev.message, 'Cannot bind to requested volume "tiny": requested PV is too small');
    assert.is((await pvcs.get("too-big", { namespace: "default" })).status?.phase, "Pending");

    await pvcs.create(claimOf("nothing", "50Gi"));
    const none = await cluster.waitFor<Event>("Event", (e) => e.reason === "FailedBinding" && e.involvedObject.name === "nothing", { namespace: "default" });
    assert.is(none.message, "no persistent volumes available for this claim and no storage class is set");
    assert.is((await pvs.get("small")).status?.phase, "Available");
  });
});

test("default StorageClass: admission names it on claims without a class; WaitForFirstConsumer and external provisioning events", async () => {
  await withCluster(async (cluster) => {
    const scs = cluster.client.resource<StorageClass>("storageclasses.storage.k8s.io");
    const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    await scs.create({ metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "example.com/immediate" });
    await scs.create({ metadata: { name: "late" }, provisioner: "example.com/late", volumeBindingMode: "WaitForFirstConsumer" });
    const c = await pvcs.create({ metadata: { name: "c", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
    assert.is(c.spec?.storageClassName, "standard");
    const empty = await pvcs.create(claimOf("no-class", "1Gi"));
    assert.is(empty.spec?.storageClassName, "", "an explicit empty class stays empty");
    const handed = await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (x) => x.metadata?.name === "c" && !!x.metadata.annotations?.["volume.kubernetes.io/storage-provisioner"], { namespace: "default" });
    assert.is(handed.metadata?.annotations?.["volume.beta.kubernetes.io/storage-provisioner"], "example.com/immediate");
    const ext = await cluster.waitFor<Event>("Event", (e) => e.reason === "ExternalProvisioning" && e.involvedObject.name === "c", { namespace: "default" });
    assert.is(ext.message, "Waiting for a volume to be created either by the external provisioner 'example.com/immediate' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");

    await pvcs.create(claimOf("w", "1Gi", { storageClassName: "late" }));
    const wait = await cluster.waitFor<Event>("Event", (e) => e.reason === "WaitForFirstConsumer" && e.involvedObject.name === "w", { namespace: "default" });
    assert.is(wait.message, "waiting for first consumer to be created before binding");
    assert.is((await pvcs.get("w", { namespace: "default" })).metadata?.annotations?.["volume.kubernetes.io/storage-provisioner"], undefined);
    // The scheduler's pick hands it to the provisioner.
    await pvcs.patch("w", "merge", { metadata: { annotations: { "volume.kubernetes.io/selected-node": "n1" } } }, { namespace: "default" });
    await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (x) => x.metadata?.name === "w" && x.metadata.annotations?.["volume.kubernetes.io/storage-provisioner"] === "example.com/late", { namespace: "default" });
  });
});

test.run();
