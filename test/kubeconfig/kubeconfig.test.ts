import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defaultKubeconfigPath, kubeconfigFor, mergeKubeconfig, parseKubeconfig, readKubeconfig, resolveContext, stringifyKubeconfig, writeKubeconfig,
} from "../../core/client/kubeconfig.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

test("round trip through YAML and disk, resolving the current context", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
  try {
    const path = join(dir, "nested", "config");
    const config = kubeconfigFor({ name: "kubesim", server: "https://127.0.0.1:6443", caPem: CA, token: "secret-token" });
    writeKubeconfig(path, config);
    assert.is(statSync(path).mode & 0o777, 0o600);
    const text = readFileSync(path, "utf8");
    assert.match(text, /certificate-authority-data: /);
    assert.match(text, /current-context: kubesim/);
    const back = readKubeconfig(path);
    assert.equal(back, config);
    assert.equal(resolveContext(back), {
      contextName: "kubesim", server: "https://127.0.0.1:6443", caData: CA, token: "secret-token", insecureSkipTLSVerify: false, namespace: "default",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("reads kubectl-written files: certificate-authority files, namespaces, insecure clusters, client certs", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
  try {
    writeFileSync(join(dir, "ca.crt"), CA);
    const config = parseKubeconfig(`
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster:
    server: https://a:6443
    certificate-authority: ca.crt
- name: b
  cluster:
    server: https://b:6443
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    client-certificate-data: ${Buffer.from("CERT").toString("base64")}
    client-key-data: ${Buffer.from("KEY").toString("base64")}
contexts:
- name: ctx-a
  context: {cluster: a, user: u, namespace: team}
- name: ctx-b
  context: {cluster: b, user: nobody}
current-context: ctx-a
`);
    const a = resolveContext(config, undefined, dir);
    assert.is(a.caData, CA);
    assert.is(a.namespace, "team");
    assert.is(a.clientCertData, "CERT");
    assert.is(a.clientKeyData, "KEY");
    const b = resolveContext(config, "ctx-b");
    assert.is(b.insecureSkipTLSVerify, true);
    assert.is(b.token, undefined);
    assert.throws(() => resolveContext(config, "nope"), /context "nope" does not exist/);
    assert.throws(() => resolveContext(parseKubeconfig("apiVersion: v1\n")), /current-context is not set/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("merge replaces an entry of the same name and switches the current context; KUBECONFIG picks the first path", () => {
  let config = kubeconfigFor({ name: "one", server: "https://1" });
  config = mergeKubeconfig(config, { name: "two", server: "https://2", token: "t" });
  config = mergeKubeconfig(config, { name: "one", server: "https://1b", namespace: "x" });
  assert.equal(config.clusters.map((c) => [c.name, c.cluster.server]), [["one", "https://1b"], ["two", "https://2"]]);
  assert.is(config["current-context"], "one");
  assert.is(resolveContext(parseKubeconfig(stringifyKubeconfig(config))).namespace, "x");
  assert.is(defaultKubeconfigPath({ KUBECONFIG: `:/tmp/a:/tmp/b` }), "/tmp/a");
  assert.match(defaultKubeconfigPath({}), /\.kube\/config$/);
});

test.run();
