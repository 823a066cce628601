/** kubeadm-style bootstrap: `kubesim init` prints a join command; `kubesim join` discovers the cluster with the token and registers a node from another process. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { component, stopAll } from "../support/kubesim-component.js";

requireTool(KUBECTL);

test("kubesim init publishes a signed cluster-info and prints a join command; kubesim join with it registers a Ready node; a wrong CA hash or an unknown token is refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-kubeadm-"));
  const admin = join(dir, "state", "admin.conf");
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
    // TLS bootstrap: the token created a CSR, the controller manager approved and signed it, and the kubelet runs with that certificate.
    const csr = /certificate signing request (node-csr-\S+) was approved and signed/.exec(joined.out())?.[1];
    assert.ok(csr, joined.out());
    assert.is(await kubectl.ok(["get", "csr", csr!, "-o", "jsonpath={.spec.signerName} {.spec.username} {.status.conditions[0].type} {.status.conditions[0].reason}"]), `kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:${id} Approved AutoApproved`);
    const kubeletConf = readFileSync(join(dir, "node", "kubelet.conf"), "utf8");
    assert.not.match(kubeletConf, /token:/, "the kubelet keeps no bootstrap token");
    const cert = new X509Certificate(Buffer.from(/client-certificate-data: (\S+)/.exec(kubeletConf)![1]!, "base64"));
    assert.is(cert.subject, "O=system:nodes\nCN=system:node:joined-worker");
    assert.ok(cert.checkIssued(new X509Certificate(readFileSync(join(dir, "state", "pki", "ca.crt")))), "signed by the cluster CA");
    assert.ok(existsSync(join(dir, "node", "pki", "kubelet-client-current.pem")));
    // kubeadm's tree on the control plane.
    for (const f of ["pki/ca.key", "pki/apiserver.crt", "pki/apiserver-kubelet-client.crt", "pki/front-proxy-ca.crt", "pki/front-proxy-client.crt", "pki/sa.key", "pki/sa.pub", "pki/etcd/ca.crt", "pki/etcd/server.crt", "pki/etcd/peer.crt", "pki/etcd/healthcheck-client.crt", "pki/apiserver-etcd-client.crt", "admin.conf", "super-admin.conf", "controller-manager.conf", "scheduler.conf", "kubelet.conf", "manifests/kube-apiserver.yaml", "manifests/etcd.yaml"]) assert.ok(existsSync(join(dir, "state", f)), f);
    assert.match(new X509Certificate(readFileSync(join(dir, "state", "pki", "etcd", "ca.crt"))).subject, /CN=etcd-ca/);
    await kubectl.ok(["wait", "--for=condition=Ready", "node/joined-worker", "--timeout=120s"]);
    // The node took a pod CIDR from --pod-network-cidr (node IPAM), as kubeadm's would.
    assert.match(await kubectl.ok(["get", "node", "joined-worker", "-o", "jsonpath={.spec.podCIDR}"]), /^10\.244\.\d+\.0\/24$/);
  } finally {
    await stopAll(children.slice(1).reverse());
    await stopAll(children.slice(0, 1));
  }
});

test.run();
