import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import { columns, kubeletCluster } from "./harness.js";

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    tier: static
spec:
  containers:
  - name: nginx
    image: nginx:1.25
`;

test("a manifest in /etc/kubernetes/manifests runs as a static pod with a mirror pod named <name>-<node>", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    const files = cluster.nodes.get("node-1")!.scope.resolve<NodeFileSystem>(NodeFiles);
    files.write("/etc/kubernetes/manifests/web.yaml", MANIFEST);
    files.write("/etc/kubernetes/manifests/.hidden.yaml", MANIFEST.replace("name: web", "name: hidden"));
    files.write("/etc/kubernetes/manifests/broken.yaml", "kind: Deployment\n");
    const mirror = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.status?.phase === "Running");
    const a = mirror.metadata!.annotations!;
    assert.match(a["kubernetes.io/config.mirror"]!, /^[0-9a-f]{32}$/);
    assert.is(a["kubernetes.io/config.hash"], a["kubernetes.io/config.mirror"]);
    assert.is(a["kubernetes.io/config.source"], "file");
    assert.match(a["kubernetes.io/config.seen"]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.is(mirror.metadata!.namespace, "default");
    assert.is(mirror.metadata!.labels!["tier"], "static");
    assert.equal(mirror.metadata!.ownerReferences?.map((o) => `${o.kind}/${o.name}/${o.controller}`), ["Node/node-1/true"]);
    assert.ok(mirror.spec!.tolerations!.some((t) => t.operator === "Exists" && t.effect === "NoExecute" && !t.key));
    assert.is(mirror.spec!.nodeName, "node-1");
    assert.is(columns(mirror), "1/1 Running 0");
    // The pod runs from the manifest (its UID is the config hash), not from the API object.
    assert.ok(kubeletOf().podWorkers.has(a["kubernetes.io/config.hash"]!));
    assert.not.ok(kubeletOf().podWorkers.has(mirror.metadata!.uid!));
    const names = (await pods.list({ namespace: "default" })).items.map((p) => p.metadata!.name);
    assert.equal(names, ["web-node-1"]);
  } finally {
    await cluster.stop();
  }
});

test("deleting the mirror pod recreates it; the static pod keeps running", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    const files = cluster.nodes.get("node-1")!.scope.resolve<NodeFileSystem>(NodeFiles);
    files.write("/etc/kubernetes/manifests/web.yaml", MANIFEST);
    const first = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.status?.phase === "Running");
    const containerID = first.status!.containerStatuses![0]!.containerID;
    await pods.delete("web-node-1", { namespace: "default" });
    const again = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.metadata.uid !== first.metadata!.uid && p.status?.phase === "Running");
    assert.is.not(again.metadata!.uid, first.metadata!.uid);
    assert.is(again.status!.containerStatuses![0]!.containerID, containerID);
    assert.is(again.status!.containerStatuses![0]!.restartCount, 0);
  } finally {
    await cluster.stop();
  }
});

test("removing the manifest stops the pod and deletes its mirror; editing it replaces the pod", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    const files = cluster.nodes.get("node-1")!.scope.resolve<NodeFileSystem>(NodeFiles);
    files.write("/etc/kubernetes/manifests/web.yaml", MANIFEST);
    const first = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.status?.phase === "Running");
    files.write("/etc/kubernetes/manifests/web.yaml", MANIFEST.replace("tier: static", "tier: edited"));
    const edited = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.metadata.labels?.["tier"] === "edited" && p.status?.phase === "Running");
    assert.is.not(edited.metadata!.annotations!["kubernetes.io/config.hash"], first.metadata!.annotations!["kubernetes.io/config.hash"]);
    assert.is.not(edited.status!.containerStatuses![0]!.containerID, first.status!.containerStatuses![0]!.containerID);
    files.remove("/etc/kubernetes/manifests/web.yaml");
    await cluster.clock.sleep(40_000);
    assert.equal((await pods.list({ namespace: "default" })).items.map((p) => p.metadata!.name), []);
    const running = (await kubeletOf().runtime.runtime.listContainers({ state: "CONTAINER_RUNNING" })).length;
    assert.is(running, 0);
    assert.is(kubeletOf().podWorkers.size, 0);
  } finally {
    await cluster.stop();
  }
});

test("kubeletConfig.staticPodPath: manifests in a host directory run, are replaced when edited and stop when removed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-manifests-"));
  const { cluster, pods, kubeletOf } = await kubeletCluster({ nodes: [{ name: "node-1", role: "worker", kubeletConfig: { staticPodPath: dir } }] });
  try {
    writeFileSync(join(dir, "web.yaml"), MANIFEST);
    const first = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.status?.phase === "Running");
    assert.is(first.metadata!.annotations!["kubernetes.io/config.source"], "file");
    assert.equal(first.metadata!.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ["Node/node-1"]);
    // The simulated /etc/kubernetes/manifests is not the static pod path any more.
    cluster.nodes.get("node-1")!.scope.resolve<NodeFileSystem>(NodeFiles).write("/etc/kubernetes/manifests/other.yaml", MANIFEST.replace("name: web", "name: other"));
    await pods.delete("web-node-1", { namespace: "default" });
    const again = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.metadata.uid !== first.metadata!.uid && p.status?.phase === "Running");
    assert.is(again.metadata!.annotations!["kubernetes.io/config.mirror"], first.metadata!.annotations!["kubernetes.io/config.mirror"]);
    writeFileSync(join(dir, "web.yaml"), MANIFEST.replace("tier: static", "tier: edited"));
    const edited = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.metadata.labels?.["tier"] === "edited" && p.status?.phase === "Running");
    assert.is.not(edited.metadata!.annotations!["kubernetes.io/config.hash"], first.metadata!.annotations!["kubernetes.io/config.hash"]);
    unlinkSync(join(dir, "web.yaml"));
    await cluster.clock.sleep(40_000);
    assert.equal((await pods.list({ namespace: "default" })).items.map((p) => p.metadata!.name), []);
    assert.is(kubeletOf().podWorkers.size, 0);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
