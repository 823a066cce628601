/** kubeadm-style bootstrap: `kubesim init` prints a join command; `kubesim join` discovers the cluster with the token and registers a node from another process. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { component, stopAll } from "../support/kubesim-component.js";

requireTool(KUBECTL);

test("kubesim init publishes a signed cluster-info and prints a join command; kubesim join with it registers a Ready node; a wrong CA hash or an unknown token is refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-kubeadm-"));
  const admin = join(dir, "admin.conf");
  const children: ChildProcess[] = [];
  try {
    const init = component(["init", "--port", "0", "--state-dir", join(dir, "state"), "--kubeconfig", admin]);
    children.push(init.child);
    await init.waitFor(/--discovery-token-ca-cert-hash sha256:[0-9a-f]{64}/);
    assert.match(init.out(), /Your Kubernetes control-plane has initialized successfully!/);
    const m = /kubesim join (\S+) --token (\S+) \\\n\t--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(init.out());
    assert.ok(m, "the join command");
    const [, endpoint, token, hash] = m!;
    const kubectl = kubectlIn(dir, admin);

    // The token is a kube-system Secret of kubeadm's shape, and the bootstrap signer signed cluster-info with it.
    const id = token!.split(".")[0]!;
    assert.is(await kubectl.ok(["get", "secret", "-n", "kube-system", `bootstrap-token-${id}`, "-o", "jsonpath={.type}"]), "bootstrap.kubernetes.io/token");
    await kubectl.ok(["wait", "-n", "kube-public", "configmap/cluster-info", `--for=jsonpath={.data.jws-kubeconfig-${id}}`, "--timeout=60s"]);

    // A hash that is not the CA's, and a token the cluster does not know, are refused before anything runs.
    const wrongHash = component(["join", endpoint!, "--token", token!, "--discovery-token-ca-cert-hash", `sha256:${"0".repeat(64)}`, "--node-name", "nope", "--state-dir", join(dir, "nope")]);
    children.push(wrongHash.child);
    await wrongHash.waitFor(/cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
    const unknown = component(["join", endpoint!, "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash", hash!, "--node-name", "nope", "--state-dir", join(dir, "nope")]);
    children.push(unknown.child);
    await unknown.waitFor(/bootstrap token "abcdef" was rejected/);

    const joined = component(["join", endpoint!, "--token", token!, "--discovery-token-ca-cert-hash", hash!, "--node-name", "joined-worker", "--state-dir", join(dir, "node")]);
    children.push(joined.child);
    await joined.waitFor(/kubelet: running on node joined-worker/);
    assert.match(joined.out(), /\[discovery\] cluster-info at https:\/\/127\.0\.0\.1:\d+ is signed by the token/);
    await kubectl.ok(["wait", "--for=condition=Ready", "node/joined-worker", "--timeout=120s"]);
    // The node took a pod CIDR from --pod-network-cidr (node IPAM), as kubeadm's would.
    assert.match(await kubectl.ok(["get", "node", "joined-worker", "-o", "jsonpath={.spec.podCIDR}"]), /^10\.244\.\d+\.0\/24$/);
  } finally {
    await stopAll(children.slice(1).reverse());
    await stopAll(children.slice(0, 1));
  }
});

test.run();
