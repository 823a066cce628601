/** Real kubectl 1.32 against a cluster with csi-hostpath: storage listings as a real cluster prints them, data kept across pods. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { startHttpServer } from "../../core/apiserver/http/http-server.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { csiControllerPlugins } from "../../core/csi/storage-drivers.js";
import images from "../../plugins/images/index.js";
import kubelet from "../../plugins/kubelet/index.js";
import runtime from "../../plugins/runtime-containerd/index.js";
import kcm from "../../plugins/kube-controller-manager/index.js";
import csiHostPath, { HOSTPATH_DRIVER_NAME } from "../../plugins/csi-hostpath/index.js";
import attacher from "../../plugins/csi-external-attacher/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { POD_NETWORK } from "../kubelet/harness.js";
import { claimPod, hostPathRegistered, preBound } from "./harness.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-storage-"));
const cluster = new Cluster({ clock: "real", seed: 5, nodes: [{ name: "node-1" }], plugins: [...POD_NETWORK, images, runtime, kubelet, kcm, "kube-scheduler", csiHostPath, attacher] });
await cluster.start();
// The driver runs as pods (its node DaemonSet registers it with the kubelet), as on a real cluster.
await hostPathRegistered(cluster);
const streams = cluster.resolve(PodStreams);
const server = await startHttpServer({ apiServer: cluster.apiServer, clock: cluster.clock, log: cluster.log, port: 0, stateDir: dir, podLogs: streams.logs, podExec: streams.exec! });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig, "kubesim");
const k = kubectlIn(dir, kubeconfig);
const pods = cluster.client.resource<Pod>("Pod");
const rows = (out: string): string[][] => out.trim().split("\n").filter(Boolean).map((l) => l.trim().split(/\s{2,}/));

test("kubectl get sc,volumeattachments,csinodes,csidrivers prints each block with its columns", async () => {
  const hp = csiControllerPlugins({ extensions: (key) => cluster.extensions.point(key), clock: cluster.clock, random: cluster.random, log: cluster.log }).get(HOSTPATH_DRIVER_NAME)!;
  const { volume } = await hp.controller.createVolume!({ name: "kubectl-1", volumeCapabilities: [{ mount: {}, accessMode: { mode: "SINGLE_NODE_WRITER" } }] });
  await preBound(cluster, { pv: "pv-k", claim: "data", driver: HOSTPATH_DRIVER_NAME, handle: volume.volumeId, node: "node-1" });
  await pods.create(claimPod("writer", "data", "node-1"));
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "writer" && p.status?.phase === "Running", { timeout: 20_000 });

  const r = await k.run(["get", "sc,volumeattachments,csinodes,csidrivers"]);
  assert.is(r.code, 0, r.stderr);
  const blocks = r.stdout.trim().split("\n\n").map(rows);
  assert.is(blocks.length, 4, r.stdout);
  const [sc, va, csiNodes, drivers] = blocks as [string[][], string[][], string[][], string[][]];
  assert.equal(sc[0], ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]);
  assert.equal(sc[1]!.slice(0, 5), ["storageclass.storage.k8s.io/standard (default)", "hostpath.csi.k8s.io", "Delete", "WaitForFirstConsumer", "true"]);
  assert.equal(va[0], ["NAME", "ATTACHER", "PV", "NODE", "ATTACHED", "AGE"]);
  assert.match(va[1]![0]!, /^volumeattachment\.storage\.k8s\.io\/csi-[0-9a-f]{64}$/);
  assert.equal(va[1]!.slice(1, 5), ["hostpath.csi.k8s.io", "pv-k", "node-1", "true"]);
  assert.equal(csiNodes[0], ["NAME", "DRIVERS", "AGE"]);
  assert.equal(csiNodes[1]!.slice(0, 2), ["csinode.storage.k8s.io/node-1", "1"]);
  assert.equal(drivers[0], ["NAME", "ATTACHREQUIRED", "PODINFOONMOUNT", "STORAGECAPACITY", "TOKENREQUESTS", "REQUIRESREPUBLISH", "MODES", "AGE"]);
  assert.equal(drivers[1]!.slice(0, 7), ["csidriver.storage.k8s.io/hostpath.csi.k8s.io", "true", "true", "true", "<unset>", "false", "Persistent,Ephemeral"]);
});

test("kubectl exec writes into the volume; a new pod on the claim reads it back", async () => {
  const w = await k.run(["exec", "writer", "--", "sh", "-c", "echo x > /data/f"]);
  assert.is(w.code, 0, w.stderr);
  const del = await k.run(["delete", "pod", "writer", "--grace-period=1"]);
  assert.is(del.code, 0, del.stderr);
  await pods.create(claimPod("reader", "data", "node-1"));
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "reader" && p.status?.phase === "Running", { timeout: 20_000 });
  const r = await k.run(["exec", "reader", "--", "cat", "/data/f"]);
  assert.is(r.stdout, "x\n", r.stderr);
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
