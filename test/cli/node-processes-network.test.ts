import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { startUp } from "../support/kubesim-up.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { component, stopAll } from "../support/kubesim-component.js";

requireTool(KUBECTL);

const STATIC_WEB = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: static-web
spec:
  containers:
  - name: nginx
    image: nginx:1.25
`;

const CLIENT = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: "default" }, spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] } });

test("two kubelet processes: a static pod from node-b's --pod-manifest-path gets a mirror pod, and a pod on node-a reaches it over the host underlay", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-xproc-"));
  const kubeconfig = join(dir, "kubeconfig");
  const manifests = join(dir, "manifests");
  mkdirSync(manifests);
  writeFileSync(join(manifests, "web.yaml"), STATIC_WEB);
  const children: ChildProcess[] = [];
  try {
    const up = await startUp(["--port", "0", "--no-dns", "--no-ingress", "--state-dir", join(dir, "state"), "--kubeconfig", kubeconfig, "--disable-agent", "--disable-kube-proxy"]);
    children.push(up.child);
    const kubectl = kubectlIn(dir, kubeconfig);
    const a = component(["kubelet", "--kubeconfig", kubeconfig, "--node-name", "node-a"]);
    children.push(a.child);
    await a.waitFor(/kubelet: running on node node-a .*underlay socket 127\.0\.0\.1:\d+/);
    const b = component(["kubelet", "--kubeconfig", kubeconfig, "--node-name", "node-b", "--pod-manifest-path", manifests]);
    children.push(b.child);
    await b.waitFor(/kubelet: running on node node-b .*underlay socket 127\.0\.0\.1:\d+/);
    const endpoints = await kubectl.ok(["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.annotations.kubesim\\.io/underlay-endpoint}{\"\\n\"}{end}"]);
    assert.match(endpoints, /^node-a 127\.0\.0\.1:\d+\nnode-b 127\.0\.0\.1:\d+$/m);

    // The static pod runs on node-b from the host directory, mirrored in the API.
    await kubectl.ok(["wait", "--for=condition=Ready", "pod/web-node-b", "--timeout=120s"]);
    const mirror = JSON.parse(await kubectl.ok(["get", "pod", "web-node-b", "-o", "json"])) as { metadata: { uid: string; annotations: Record<string, string>; ownerReferences: { kind: string; name: string }[] }; status: { podIP: string } };
    assert.match(mirror.metadata.annotations["kubernetes.io/config.mirror"]!, /^[0-9a-f]{32}$/);
    assert.equal(mirror.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`), ["Node/node-b"]);
    assert.match(mirror.status.podIP, /^10\.244\.\d+\.\d+$/);

    // A pod on node-a (another process, another kernel model) fetches nginx's page from it.
    writeFileSync(join(dir, "client.json"), CLIENT);
    await kubectl.ok(["apply", "-f", join(dir, "client.json")]);
    await kubectl.ok(["wait", "--for=condition=Ready", "pod/client", "--timeout=120s"]);
    const page = await kubectl.ok(["exec", "client", "--", "wget", "-qO-", `http://${mirror.status.podIP}/`]);
    assert.match(page, /Welcome to nginx!/);

    // Deleting the mirror pod through the API: the kubelet creates it again.
    await kubectl.ok(["delete", "pod", "web-node-b", "--wait=false"]);
    for (let i = 0; i < 120; i++) {
      const uid = await kubectl.run(["get", "pod", "web-node-b", "-o", "jsonpath={.metadata.uid}"]);
      if (uid.code === 0 && uid.stdout && uid.stdout !== mirror.metadata.uid) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.is.not((await kubectl.ok(["get", "pod", "web-node-b", "-o", "jsonpath={.metadata.uid}"])), mirror.metadata.uid);
  } finally {
    await stopAll(children.slice(1));
    await stopAll(children.slice(0, 1));
  }
});

test.run();
