import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ETCD, KUBECTL, requireTool } from "../support/require-tool.js";
import { startEtcd } from "../support/etcd.js";
import { startUp } from "../support/kubesim-up.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { component, stopAll } from "../support/kubesim-component.js";

requireTool(KUBECTL);
requireTool(ETCD);

test("components as processes, on etcd: a control plane without scheduler, controller manager and nodes, and kubesim kubelet / kube-proxy / kube-scheduler / two kube-controller-managers over HTTP run a Deployment to Ready; the leading controller manager's kill -9 is taken over", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-split-"));
  const kubeconfig = join(dir, "kubeconfig");
  const children: ChildProcess[] = [];
  // The API server keeps its objects in a real etcd (Debian's etcd-server), as the seeds' control plane does.
  const etcd = await startEtcd(1);
  try {
    const up = await startUp(["--port", "0", "--no-dns", "--no-ingress", "--state-dir", join(dir, "state"), "--kubeconfig", kubeconfig, "--etcd-servers", etcd.endpoints.join(","), "--disable-agent", "--disable-scheduler", "--disable-controller-manager", "--disable-kube-proxy"]);
    children.push(up.child);
    assert.match(up.out(), /with 0 node\(s\) is serving/);
    const kubectl = kubectlIn(dir, kubeconfig);
    // No nodes in the control plane's process.
    assert.is((await kubectl.ok(["get", "nodes", "-o", "name"])).trim(), "");

    const kubelet = component(["kubelet", "--kubeconfig", kubeconfig, "--node-name", "split-worker"]);
    const proxy = component(["kube-proxy", "--kubeconfig", kubeconfig, "--node-name", "split-worker"]);
    const scheduler = component(["kube-scheduler", "--kubeconfig", kubeconfig]);
    const lease = ["--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "1s"];
    const kcmA = component(["kube-controller-manager", "--kubeconfig", kubeconfig, ...lease]);
    const kcmB = component(["kube-controller-manager", "--kubeconfig", kubeconfig, ...lease]);
    children.push(kubelet.child, proxy.child, scheduler.child, kcmA.child, kcmB.child);
    await kubelet.waitFor(/kubelet: running on node split-worker \(InternalIP 172\.18\.0\.\d+, podCIDR 10\.244\.\d+\.0\/24\)/);
    await proxy.waitFor(/kube-proxy: running on node split-worker/);
    await Promise.race([kcmA.waitFor(/successfully acquired lease/), kcmB.waitFor(/successfully acquired lease/)]);

    await kubectl.ok(["wait", "--for=condition=Ready", "node/split-worker", "--timeout=120s"]);
    await kubectl.ok(["create", "deployment", "web", "--image=nginx", "--replicas=2"]);
    await kubectl.ok(["rollout", "status", "deployment/web", "--timeout=120s"]);
    const pods = await kubectl.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName} {.status.podIP} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"]);
    const lines = pods.trim().split("\n");
    assert.is(lines.length, 2);
    for (const line of lines) assert.match(line, /^split-worker 10\.244\.\d+\.\d+ True$/);
    // Stored in etcd under kube-apiserver's key layout (read through etcd's own v3 JSON gateway).
    const range = await fetch(`${etcd.endpoints[0]}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from("/registry/deployments/default/web").toString("base64") }) });
    assert.is(((await range.json()) as { count?: string }).count, "1", "the Deployment is a key in etcd");

    // kill -9 of the leading controller manager: the other takes the lease and keeps reconciling.
    const leader = /successfully acquired lease/.test(kcmA.out()) ? kcmA : kcmB;
    const standby = leader === kcmA ? kcmB : kcmA;
    assert.not.match(standby.out(), /successfully acquired lease/, "one controller manager leads at a time");
    leader.child.kill("SIGKILL");
    await standby.waitFor(/successfully acquired lease/, 60_000);
    await kubectl.ok(["scale", "deployment/web", "--replicas=3"]);
    await kubectl.ok(["rollout", "status", "deployment/web", "--timeout=120s"]);
    const ready = await kubectl.ok(["get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}"]);
    assert.is(ready, "3");
  } finally {
    await stopAll(children.slice(1));
    await stopAll(children.slice(0, 1));
    await etcd.stop();
  }
});

test.run();
