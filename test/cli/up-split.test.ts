/** `kubesim up --split`: the API server and every component as separate OS processes, driven with kubectl; stopping the parent stops every child. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { startUp } from "../support/kubesim-up.js";
import { kubectlIn } from "../clients/kubectl-runner.js";

requireTool(KUBECTL);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function allGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return pids.filter(alive);
}

test("kubesim up --split runs each component in its own process under its own identity (Node,RBAC authorize each); kubectl runs a Deployment to Ready; kill -9 of the parent stops every child", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-up-split-"));
  const kubeconfig = join(dir, "kubeconfig");
  const state = join(dir, "state");
  const args = ["--split", "--port", "0", "--nodes", "1", "--state-dir", state, "--kubeconfig", kubeconfig];
  const up = await startUp(args);
  try {
    const out = up.out();
    assert.match(out, /cluster with 1 node\(s\) in 4 processes is serving the Kubernetes API at https:\/\//);
    const pids = [...out.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
    assert.is(pids.length, 4, "kube-apiserver, kube-controller-manager, kube-scheduler, kubelet (with kube-proxy: the node's kernel is the kubelet process's)");
    assert.ok(!pids.includes(up.child.pid!), "the components are not the parent process");
    for (const name of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet/kubesim-control-plane"]) assert.match(out, new RegExp(`${name.replace("/", "\\/")} \\(pid \\d+\\)`));
    // kubeadm's layout: the pki tree and one kubeconfig per component identity.
    for (const f of ["pki/ca.crt", "pki/apiserver.crt", "pki/front-proxy-ca.crt", "pki/sa.pub", "pki/etcd/ca.crt", "controller-manager.conf", "scheduler.conf"]) assert.ok(existsSync(join(state, f)), f);

    const kubectl = kubectlIn(dir, kubeconfig);
    await kubectl.ok(["wait", "--for=condition=Ready", "node/kubesim-control-plane", "--timeout=120s"]);
    assert.match(await kubectl.ok(["get", "nodes"]), /kubesim-control-plane\s+Ready\s+control-plane/);
    await kubectl.ok(["create", "deployment", "web", "--image=nginx", "--replicas=2"]);
    await kubectl.ok(["rollout", "status", "deployment/web", "--timeout=150s"]);
    const placed = (await kubectl.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}"])).trim().split("\n");
    assert.equal(placed, ["kubesim-control-plane", "kubesim-control-plane"], "a lone control-plane node is left schedulable");
    // A Service's ClusterIP answers from a pod: kube-proxy (as system:kube-proxy) programs the
    // iptables of the node process the pods run in.
    await kubectl.ok(["expose", "deployment", "web", "--port=80"]);
    const clusterIP = (await kubectl.ok(["get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    await kubectl.ok(["run", "client", "--image=busybox", "--restart=Never", "--", "sleep", "3600"]);
    await kubectl.ok(["wait", "--for=condition=Ready", "pod/client", "--timeout=120s"]);
    let page = "";
    for (let attempt = 0; attempt < 30 && !page.includes("Welcome to nginx!"); attempt++) {
      const r = await kubectl.run(["exec", "client", "--", "wget", "-qO-", "-T", "2", `http://${clusterIP}/`]);
      page = r.stdout;
      if (!page.includes("Welcome to nginx!")) await new Promise((res) => setTimeout(res, 1000));
    }
    assert.match(page, "Welcome to nginx!", `the Service ${clusterIP} answers from a pod`);

    // Each component authenticates as itself. The kubelet bootstrapped its client certificate
    // with the bootstrap token: an approved CSR for system:node:<node>.
    const asScheduler = kubectlIn(dir, join(state, "scheduler.conf"));
    assert.match(await asScheduler.ok(["auth", "whoami"]), /Username\s+system:kube-scheduler/);
    const refused = await asScheduler.run(["create", "secret", "generic", "stolen", "--from-literal=k=v"]);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, 'secrets is forbidden: User "system:kube-scheduler" cannot create resource "secrets" in API group "" in the namespace "default"');
    assert.match(await asScheduler.ok(["auth", "can-i", "create", "pods", "--subresource=binding"]), /^yes/);
    const asKubelet = kubectlIn(dir, join(state, "kubelets", "kubesim-control-plane", "kubelet.conf"));
    const whoami = await asKubelet.ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"]);
    assert.match(whoami, /^system:node:kubesim-control-plane .*"system:nodes"/);
    // The Node authorizer: a kubelet reads its own node's pods' secrets only, and no other node.
    assert.match((await asKubelet.run(["get", "secret", "-n", "kube-system", "bootstrap-token-x"])).stderr, /forbidden: User "system:node:kubesim-control-plane" cannot get resource "secrets"/);
    const csrs = await kubectl.ok(["get", "csr", "-o", "jsonpath={range .items[*]}{.spec.username} {.spec.signerName} {.status.conditions[0].type}{\"\\n\"}{end}"]);
    assert.match(csrs, /system:bootstrap:[a-z0-9]{6} kubernetes\.io\/kube-apiserver-client-kubelet Approved/);
    assert.match(await kubectlIn(dir, join(state, "kube-proxy.conf")).ok(["auth", "whoami"]), /Username\s+system:kube-proxy/);
    const asControllerManager = kubectlIn(dir, join(state, "controller-manager.conf"));
    assert.match(await asControllerManager.ok(["auth", "whoami"]), /Username\s+system:kube-controller-manager/);
    // --use-service-account-credentials: the controllers run as their own service accounts.
    const accounts = await kubectl.ok(["get", "serviceaccounts", "-n", "kube-system", "-o", "name"]);
    for (const sa of ["replicaset-controller", "deployment-controller", "certificate-controller"]) assert.match(accounts, `serviceaccount/${sa}\n`);

    // kill -9 of the parent: the children notice the orphaning and stop themselves.
    const exited = new Promise((r) => up.child.once("exit", r));
    up.child.kill("SIGKILL");
    await exited;
    assert.equal(await allGone(pids, 30_000), [], "no component outlives a killed kubesim up");
  } finally {
    if (up.child.exitCode === null && up.child.signalCode === null) {
      const exited = new Promise((r) => up.child.once("exit", r));
      up.child.kill("SIGTERM");
      await exited;
    }
  }
});

test.run();
