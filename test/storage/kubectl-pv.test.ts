/** Real kubectl 1.32: `kubectl get pv,pvc` after the PV controller bound a claim, column for column as a real cluster prints it. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { startHttpServer } from "../../core/apiserver/http/http-server.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

/** Cells of a kubectl table, cut at the header's column starts (empty cells stay empty). */
function table(block: string): Record<string, string>[] {
  const [header, ...lines] = block.split("\n").filter(Boolean);
  const starts = [...header!.matchAll(/\S+/g)].map((m) => [m.index!, m[0]] as const);
  return lines.map((line) => Object.fromEntries(starts.map(([at, name], i) => [name, line.slice(at, i + 1 < starts.length ? starts[i + 1]![0] : undefined).trim()])));
}

test("kubectl get pv,pvc: CAPACITY, ACCESS MODES, RECLAIM POLICY, STATUS, CLAIM, STORAGECLASS, VOLUMEATTRIBUTESCLASS as upstream", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-pv-"));
  const cluster = new Cluster({ clock: "real", seed: 3, nodes: 0, plugins: ["kube-controller-manager"] });
  await cluster.start();
  const server = await startHttpServer({ apiServer: cluster.apiServer, clock: cluster.clock, log: cluster.log, port: 0, stateDir: dir });
  try {
    const kubeconfig = join(dir, "kubeconfig");
    writeKubeconfigFor(server, kubeconfig, "kubesim");
    const k = kubectlIn(dir, kubeconfig);
    await cluster.client.resource<PersistentVolume>("PersistentVolume").create({ metadata: { name: "pv-1" }, spec: { capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce", "ReadOnlyMany"], storageClassName: "manual", hostPath: { path: "/mnt/pv-1" } } });
    await cluster.client.resource<PersistentVolume>("PersistentVolume").create({ metadata: { name: "pv-2" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteMany"], persistentVolumeReclaimPolicy: "Delete", storageClassName: "manual", hostPath: { path: "/mnt/pv-2" } } });
    await cluster.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim").create({ metadata: { name: "data", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "manual", resources: { requests: { storage: "1Gi" } } } });
    await cluster.waitFor<PersistentVolumeClaim>("PersistentVolumeClaim", (c) => c.metadata?.name === "data" && c.status?.phase === "Bound", { namespace: "default", timeout: 20_000 });
    await cluster.waitFor<PersistentVolume>("PersistentVolume", (v) => v.metadata?.name === "pv-2" && v.status?.phase === "Available", { timeout: 20_000 });
    const r = await k.run(["get", "pv,pvc"]);
    assert.is(r.code, 0, r.stderr);
    const [pvBlock, pvcBlock] = r.stdout.trim().split("\n\n") as [string, string];
    assert.equal(pvBlock.split("\n")[0]!.trim().split(/\s+/), ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS", "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]);
    const pvs = table(pvBlock.replace("ACCESS MODES", "ACCESS_MODES").replace("RECLAIM POLICY", "RECLAIM_POLICY"));
    assert.equal(pvs.map((p) => [p["NAME"], p["CAPACITY"], p["ACCESS_MODES"], p["RECLAIM_POLICY"], p["STATUS"], p["CLAIM"], p["STORAGECLASS"], p["VOLUMEATTRIBUTESCLASS"], p["REASON"]]), [
      ["persistentvolume/pv-1", "2Gi", "RWO,ROX", "Retain", "Bound", "default/data", "manual", "<unset>", ""],
      ["persistentvolume/pv-2", "1Gi", "RWX", "Delete", "Available", "", "manual", "<unset>", ""],
    ]);
    assert.equal(pvcBlock.split("\n")[0]!.trim().split(/\s+/), ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]);
    const pvcs = table(pvcBlock.replace("ACCESS MODES", "ACCESS_MODES"));
    assert.equal(pvcs.map((p) => [p["NAME"], p["STATUS"], p["VOLUME"], p["CAPACITY"], p["ACCESS_MODES"], p["STORAGECLASS"], p["VOLUMEATTRIBUTESCLASS"]]), [["persistentvolumeclaim/data", "Bound", "pv-1", "2Gi", "RWO,ROX", "manual", "<unset>"]]);
  } finally {
    await server.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
