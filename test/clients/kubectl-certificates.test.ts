/**
 * A user's certificate end to end: a key and CSR made with openssl, submitted as a
 * CertificateSigningRequest, `kubectl certificate approve`, the signer's certificate used as the
 * client certificate of a kubeconfig — the API server then knows the user by its CN and groups.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, OPENSSL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);
requireTool(OPENSSL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-csr-"));
const cluster = new Cluster({ clock: "virtual", seed: 3, nodes: 0, plugins: ["kube-controller-manager"] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
const adminConfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, adminConfig, "kubesim");
const admin = kubectlIn(dir, adminConfig);
const csrs = cluster.client.resource<CertificateSigningRequest>({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest" });

const openssl = (...args: string[]): string => execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** A kubeconfig whose only credential is a client certificate and key. */
function certificateKubeconfig(name: string, certPem: string, keyPem: string): string {
  const path = join(dir, `kubeconfig-${name}`);
  const b64 = (s: string): string => Buffer.from(s).toString("base64");
  writeFileSync(path, [
    "apiVersion: v1", "kind: Config", `current-context: ${name}`,
    "clusters:", "- name: c", "  cluster:", `    server: ${server.url}`, `    certificate-authority-data: ${b64(server.caData!)}`,
    "users:", `- name: ${name}`, "  user:", `    client-certificate-data: ${b64(certPem)}`, `    client-key-data: ${b64(keyPem)}`,
    "contexts:", `- name: ${name}`, "  context:", "    cluster: c", `    user: ${name}`, "",
  ].join("\n"));
  return path;
}

async function issued(name: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const out = await admin.ok(["get", "csr", name, "-o", "jsonpath={.status.certificate}"]);
    if (out) return Buffer.from(out, "base64").toString("utf8");
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`csr ${name} was not issued`);
}

test("openssl CSR → kubectl create → certificate approve → the issued certificate authenticates as CN with O as groups", async () => {
  openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "jane.key", "-subj", "/O=dev/O=qa/CN=jane", "-out", "jane.csr");
  const request = readFileSync(join(dir, "jane.csr")).toString("base64");
  const manifest = `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: jane}
spec:
  request: ${request}
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 86400
  usages: [client auth]
`;
  assert.is(await admin.ok(["create", "-f", "-"], manifest), "certificatesigningrequest.certificates.k8s.io/jane created\n");
  const pending = await admin.ok(["get", "csr", "jane"]);
  assert.match(pending, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n/);
  assert.match(pending, /\njane\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+24h\s+Pending\n$/);
  assert.is(await admin.ok(["certificate", "approve", "jane"]), "certificatesigningrequest.certificates.k8s.io/jane approved\n");
  const certPem = await issued("jane");
  assert.match(await admin.ok(["get", "csr", "jane"]), /\s+Approved,Issued\n$/);
  writeFileSync(join(dir, "jane.crt"), certPem);
  writeFileSync(join(dir, "ca.crt"), server.caData!);
  assert.match(openssl("verify", "-CAfile", "ca.crt", "jane.crt"), /jane\.crt: OK/);

  // The certificate is Jane's credential: what she creates records her as the requester. Under
  // RBAC a user needs a role to request certificates (upstream grants it to no one by default).
  await admin.ok(["create", "clusterrole", "csr-requester", "--verb=create,get,list", "--resource=certificatesigningrequests"]);
  await admin.ok(["create", "clusterrolebinding", "jane-csr", "--clusterrole=csr-requester", "--user=jane"]);
  const jane = kubectlIn(dir, certificateKubeconfig("jane", certPem, readFileSync(join(dir, "jane.key"), "utf8")));
  openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "x.key", "-subj", "/CN=x", "-out", "x.csr");
  await jane.ok(["create", "-f", "-"], `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: by-jane}
spec: {request: ${readFileSync(join(dir, "x.csr")).toString("base64")}, signerName: example.com/x, usages: [client auth]}
`);
  const byJane = await csrs.get("by-jane");
  assert.is(byJane.spec.username, "jane");
  assert.equal(byJane.spec.groups, ["dev", "qa", "system:authenticated"]);
  assert.match(await jane.ok(["get", "csr", "by-jane"]), /\nby-jane\s+\S+\s+example\.com\/x\s+jane\s+<none>\s+Pending\n$/);
});

test("kubectl certificate deny; a denied request is never issued", async () => {
  openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "eve.key", "-subj", "/CN=eve", "-out", "eve.csr");
  await admin.ok(["create", "-f", "-"], `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: eve}
spec: {request: ${readFileSync(join(dir, "eve.csr")).toString("base64")}, signerName: kubernetes.io/kube-apiserver-client, usages: [client auth]}
`);
  assert.is(await admin.ok(["certificate", "deny", "eve"]), "certificatesigningrequest.certificates.k8s.io/eve denied\n");
  await new Promise((r) => setTimeout(r, 300));
  assert.match(await admin.ok(["get", "csr", "eve"]), /\s+Denied\n$/);
  const conditions = (await csrs.get("eve")).status?.conditions ?? [];
  assert.equal(conditions.map((c) => [c.type, c.reason]), [["Denied", "KubectlDeny"]]);
  const approveDenied = await admin.run(["certificate", "approve", "eve"]);
  assert.is(approveDenied.code, 1);
  assert.match(approveDenied.stderr, "is already Denied");
});

test("a certificate the cluster CA did not sign is not a credential", async () => {
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-subj", "/O=system:masters/CN=mallory", "-days", "1", "-out", "self.crt");
  const mallory = kubectlIn(dir, certificateKubeconfig("mallory", readFileSync(join(dir, "self.crt"), "utf8"), readFileSync(join(dir, "self.key"), "utf8")));
  const r = await mallory.run(["get", "csr"]);
  assert.is(r.code, 1);
  assert.match(r.stderr, "error: You must be logged in to the server (Unauthorized)");
});

test.after(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
