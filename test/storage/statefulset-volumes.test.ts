import { test } from "uvu";
import * as assert from "uvu/assert";
import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { StatefulSet } from "kubernetes-types/apps/v1.js";
import { storageCluster } from "./harness.js";

/**
 * End to end on the default storage (csi-hostpath's `standard` class, WaitForFirstConsumer): a
 * StatefulSet's claim templates become one provisioned, bound claim per ordinal on the pod's
 * node; data survives pod deletion; scale-down keeps or deletes claims per the retention policy.
 */
test("StatefulSet of 3 with volumeClaimTemplates: claims bound per ordinal, data kept across pod deletion, retention policy on scale-down", async () => {
  const k = await storageCluster({ extra: ["kube-scheduler"] });
  const { cluster } = k;
  try {
    const sts = cluster.client.resource<StatefulSet>("StatefulSet");
    const pvcs = cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    await sts.create({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 3,
        serviceName: "web",
        selector: { matchLabels: { app: "web" } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: { metadata: { labels: { app: "web" } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      },
    });
    await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.metadata?.name === "web" && s.status?.readyReplicas === 3, { namespace: "default", timeout: 600_000 });
    const claims = ((await pvcs.list({ namespace: "default" })).items as PersistentVolumeClaim[]).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
    assert.equal(claims.map((c) => [c.metadata!.name, c.status?.phase, c.spec?.storageClassName]), [
      ["data-web-0", "Bound", "standard"],
      ["data-web-1", "Bound", "standard"],
      ["data-web-2", "Bound", "standard"],
    ]);
    const pods = cluster.client.resource<Pod>("Pod");
    for (const c of claims) {
      const pod = await pods.get(c.metadata!.name!.replace("data-", ""), { namespace: "default" });
      assert.is(c.metadata?.annotations?.["volume.kubernetes.io/selected-node"], pod.spec?.nodeName, `${c.metadata!.name} provisioned on its pod's node`);
    }

    // Data written by web-0 is there for the web-0 that replaces it.
    const web0 = await pods.get("web-0", { namespace: "default" });
    const exec = (node: string, script: string) => {
      const kl = k.kubeletOf(node);
      return kl.runtime.runtime.execSync(kl.worker("default", "web-0")!.slots[0]!.id!, ["sh", "-c", script], 5);
    };
    assert.is((await exec(web0.spec!.nodeName!, "echo kept > /data/f && cat /data/f")).stdout, "kept\n");
    await pods.delete("web-0", { namespace: "default" });
    const again = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-0" && p.metadata.uid !== web0.metadata!.uid && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true, { namespace: "default", timeout: 600_000 });
    assert.is(again.spec?.nodeName, web0.spec?.nodeName, "the volume's node affinity brings it back to the same node");
    assert.is((await exec(again.spec!.nodeName!, "cat /data/f")).stdout, "kept\n");

    // whenScaled: Retain keeps the claim of the removed ordinal.
    await sts.patch("web", "merge", { spec: { replicas: 2 } }, { namespace: "default" });
    await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.metadata?.name === "web" && s.status?.replicas === 2, { namespace: "default", timeout: 600_000 });
    assert.is((await pvcs.get("data-web-2", { namespace: "default" })).status?.phase, "Bound");

    // whenScaled: Delete removes it with the pod; its volume is released and deleted.
    const volume1 = (await pvcs.get("data-web-1", { namespace: "default" })).spec!.volumeName!;
    await sts.patch("web", "merge", { spec: { replicas: 1, persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } } }, { namespace: "default" });
    let claimGone = false;
    let volumeGone = false;
    for (let i = 0; i < 600 && !(claimGone && volumeGone); i++) {
      claimGone ||= await pvcs.get("data-web-1", { namespace: "default" }).then(() => false, () => true);
      volumeGone ||= await cluster.client.resource<PersistentVolume>("PersistentVolume").get(volume1).then(() => false, () => true);
      await cluster.clock.sleep(500);
    }
    assert.ok(claimGone, "data-web-1 deleted with its pod");
    assert.ok(volumeGone, "its volume deleted (reclaimPolicy Delete)");
    assert.is((await pvcs.get("data-web-2", { namespace: "default" })).status?.phase, "Bound", "the claim retained earlier stays");
    assert.is((await pvcs.get("data-web-0", { namespace: "default" })).status?.phase, "Bound");
  } finally {
    await cluster.stop();
  }
});

test.run();
