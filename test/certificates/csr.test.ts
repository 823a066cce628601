/** certificates.k8s.io/v1 CertificateSigningRequests: validation, the status and approval subresources, the signers and the kubelet client approver. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { X509Certificate } from "node:crypto";
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import type { KubeObject } from "../../core/api/object.js";
import { isGarbage } from "../../plugins/kube-controller-manager/controllers/certificates/index.js";
import { certificateRequest } from "../support/certificate-requests.js";
import { statusOf } from "../support/control-plane.js";

const cluster = new Cluster({ clock: "virtual", seed: 5, nodes: 0, plugins: ["kube-controller-manager"] });
await cluster.start();
const csrs = cluster.client.resource<CertificateSigningRequest>({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest" });
const caPem = await cluster.resolve((await import("../../core/apiserver/serviceaccount/cluster-credentials.js")).ClusterCredentialsToken).caCertPem();

function csrObject(name: string, request: string, signerName: string, usages: string[], extra: Partial<CertificateSigningRequest["spec"]> = {}): CertificateSigningRequest {
  return { apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name }, spec: { request, signerName, usages, ...extra } };
}

async function approve(name: string, type: "Approved" | "Denied" = "Approved"): Promise<CertificateSigningRequest> {
  const current = await csrs.get(name);
  const conditions = [...(current.status?.conditions ?? []), { type, status: "True", reason: "KubectlApprove", message: "This CSR was approved by a test" }];
  return csrs.updateSubresource(name, "approval", { ...current, status: { ...current.status, conditions } });
}

/** Waits (on the virtual clock) until the request is issued or failed. */
async function settled(name: string): Promise<CertificateSigningRequest> {
  for (let i = 0; i < 100; i++) {
    const csr = await csrs.get(name);
    if (csr.status?.certificate || csr.status?.conditions?.some((c) => c.type === "Failed")) return csr;
    await cluster.clock.sleep(100);
  }
  throw new Error(`csr ${name} was neither issued nor failed`);
}

/** A second issued certificate, to try replacing one with. */
async function settledOther(): Promise<CertificateSigningRequest> {
  await csrs.create(csrObject("other", alice.request, "kubernetes.io/kube-apiserver-client", ["client auth"]));
  await approve("other");
  return settled("other");
}

const alice = certificateRequest({ cn: "alice", o: ["dev", "ops"] });
const node1 = certificateRequest({ cn: "system:node:node-1", o: ["system:nodes"] });

test("validation refuses a bad request, missing or unknown usages, a malformed signer name and a short expiration, worded as upstream", async () => {
  const err = await statusOf(csrs.create(csrObject("bad", Buffer.from("not a pem").toString("base64"), "example.com/x", [], { expirationSeconds: 60 })));
  assert.is(err.code, 422);
  const causes = (err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  assert.ok(causes.some((c) => c.startsWith("spec.request: Invalid value") && c.endsWith("PEM block type must be CERTIFICATE REQUEST")), causes.join("\n"));
  assert.ok(causes.includes("spec.usages: Required value"), causes.join("\n"));
  assert.ok(causes.includes("spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)"), causes.join("\n"));
  const usage = await statusOf(csrs.create(csrObject("bad2", alice.request, "no-slash", ["client auth", "flying", "client auth"])));
  const c2 = (usage.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  assert.ok(c2.some((c) => c.startsWith('spec.usages[1]: Unsupported value: "flying": supported values: "any", "cert sign"')), c2.join("\n"));
  assert.ok(c2.includes('spec.usages[2]: Duplicate value: "client auth"'), c2.join("\n"));
  assert.ok(c2.includes(`spec.signerName: Invalid value: "no-slash": must be a fully qualified domain and path of the form 'example.com/signer-name'`), c2.join("\n"));
});

test("the requester is recorded from the request's user, whatever the body says; status starts empty", async () => {
  const created = await csrs.create({ ...csrObject("who", alice.request, "kubernetes.io/kube-apiserver-client", ["client auth"]), spec: { request: alice.request, signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"], username: "mallory", groups: ["system:masters"] }, status: { certificate: "eA==" } });
  assert.is(created.spec.username, "system:admin");
  assert.equal(created.spec.groups, ["system:masters", "system:authenticated"]);
  assert.equal(created.status, {});
  await csrs.delete("who");
});

test("approval goes through the approval subresource only; the signer then issues a client certificate from the cluster CA", async () => {
  await csrs.create(csrObject("alice", alice.request, "kubernetes.io/kube-apiserver-client", ["client auth", "digital signature", "key encipherment"], { expirationSeconds: 3600 }));
  const current = await csrs.get("alice");
  const approvedBody = { ...current, status: { conditions: [{ type: "Approved", status: "True", reason: "R", message: "m" }] } };
  const viaStatus = await statusOf(csrs.updateStatus(approvedBody));
  assert.is(viaStatus.code, 422);
  assert.match(viaStatus.message, 'status.conditions: Forbidden: updates may not add a condition of type "Approved"');
  const viaCert = await statusOf(csrs.updateStatus({ ...current, status: { certificate: Buffer.from("-----BEGIN FOO-----\nAA==\n-----END FOO-----\n").toString("base64") } }));
  assert.match(viaCert.message, 'status.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "FOO"');
  const approved = await approve("alice");
  const condition = approved.status!.conditions![0]!;
  assert.is(condition.type, "Approved");
  assert.type(condition.lastUpdateTime, "string");
  assert.type(condition.lastTransitionTime, "string");
  const issued = await settled("alice");
  const cert = new X509Certificate(Buffer.from(issued.status!.certificate!, "base64").toString("utf8"));
  const ca = new X509Certificate(caPem);
  assert.ok(cert.verify(ca.publicKey), "signed by the cluster CA");
  assert.ok(cert.checkIssued(ca));
  assert.is(cert.subject, "O=dev\nO=ops\nCN=alice");
  assert.equal(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  assert.is(cert.ca, false);
  const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
  assert.is(lifetime, 3600_000, "expirationSeconds honoured (validity from the 5-minute backdate)");
  const other = (await settledOther()).status!.certificate!;
  const reissue = await statusOf(csrs.updateStatus({ ...issued, status: { ...issued.status, certificate: other } }));
  assert.match(reissue.message, "status.certificate: Forbidden: updates may not modify existing certificate content");
});

test("a request that breaks its signer's rules fails with SignerValidationFailure instead of a certificate", async () => {
  await csrs.create(csrObject("server-usage", alice.request, "kubernetes.io/kube-apiserver-client", ["client auth", "server auth"]));
  await approve("server-usage");
  const failed = await settled("server-usage");
  const f = failed.status!.conditions!.find((c) => c.type === "Failed")!;
  assert.is(f.reason, "SignerValidationFailure");
  assert.is(f.message, "invalid usage for client certificate: server auth");
  assert.is(failed.status!.certificate, undefined);

  await csrs.create(csrObject("serving-no-san", node1.request, "kubernetes.io/kubelet-serving", ["digital signature", "key encipherment", "server auth"]));
  await approve("serving-no-san");
  assert.is((await settled("serving-no-san")).status!.conditions!.find((c) => c.type === "Failed")!.message, "DNS or IP subjectAltName is required");
});

test("kubelet-serving requests with SANs are signed with the SANs; denied requests never are", async () => {
  const serving = certificateRequest({ cn: "system:node:node-1", o: ["system:nodes"], dnsNames: ["node-1"], ipAddresses: ["172.18.0.3"] });
  await csrs.create(csrObject("serving", serving.request, "kubernetes.io/kubelet-serving", ["digital signature", "key encipherment", "server auth"]));
  await approve("serving");
  const cert = new X509Certificate(Buffer.from((await settled("serving")).status!.certificate!, "base64").toString("utf8"));
  assert.is(cert.subjectAltName, "DNS:node-1, IP Address:172.18.0.3");
  assert.equal(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]);

  await csrs.create(csrObject("denied", alice.request, "kubernetes.io/kube-apiserver-client", ["client auth"]));
  const denied = await approve("denied", "Denied");
  const both = await statusOf(csrs.updateSubresource("denied", "approval", { ...denied, status: { conditions: [...denied.status!.conditions!, { type: "Approved", status: "True" }] } }));
  assert.match(both.message, "status.conditions[1].type: Invalid value: \"Approved\": Approved and Denied conditions are mutually exclusive");
  await cluster.clock.sleep(2_000);
  assert.is((await csrs.get("denied")).status?.certificate, undefined);
});

test("csrapproving auto-approves a kubelet client request and the kubelet client signer issues it; other signers wait for a person", async () => {
  await csrs.create(csrObject("node-client", node1.request, "kubernetes.io/kube-apiserver-client-kubelet", ["digital signature", "client auth"]));
  await csrs.create(csrObject("person", alice.request, "kubernetes.io/kube-apiserver-client", ["client auth"]));
  const issued = await settled("node-client");
  const approved = issued.status!.conditions!.find((c) => c.type === "Approved")!;
  assert.is(approved.reason, "AutoApproved");
  assert.is(approved.message, "Auto approving kubelet client certificate after SubjectAccessReview.");
  const cert = new X509Certificate(Buffer.from(issued.status!.certificate!, "base64").toString("utf8"));
  assert.is(cert.subject, "O=system:nodes\nCN=system:node:node-1");
  assert.equal((await csrs.get("person")).status, {});
});

test("get csr prints kubectl's columns and condition summary", async () => {
  const table = await csrs.list();
  assert.ok(table.items.length >= 5);
  const { printerFor } = await import("../../core/apiserver/printers/index.js");
  const printer = printerFor({ kind: "CertificateSigningRequest", group: "certificates.k8s.io" });
  assert.equal(printer.columns.map((c) => c.name), ["Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"]);
  const row = (name: string): unknown[] => printer.row(table.items.find((c) => c.metadata!.name === name) as unknown as KubeObject, { now: cluster.clock.now() }).cells;
  assert.equal(row("alice").slice(2), ["kubernetes.io/kube-apiserver-client", "system:admin", "60m", "Approved,Issued"]);
  assert.equal(row("server-usage").slice(4), ["<none>", "Approved,Failed"]);
  assert.equal(row("denied").slice(5), ["Denied"]);
  assert.equal(row("person").slice(5), ["Pending"]);
});

test("the cleaner's rules: decided requests go after an hour, pending ones after a day, issued ones when the certificate expires", () => {
  const t0 = Date.UTC(2026, 0, 1);
  const at = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const base = { metadata: { name: "x", creationTimestamp: at(t0) }, spec: { request: "", signerName: "a.b/c" } } as CertificateSigningRequest;
  assert.is(isGarbage(base, t0 + 23 * 3_600_000, t0), false);
  assert.is(isGarbage(base, t0 + 25 * 3_600_000, t0), true);
  const denied = { ...base, status: { conditions: [{ type: "Denied", status: "True", lastUpdateTime: at(t0) }] } };
  assert.is(isGarbage(denied, t0 + 30 * 60_000, t0), false);
  assert.is(isGarbage(denied, t0 + 61 * 60_000, t0), true);
});

test.after(async () => {
  await cluster.stop();
});

test.run();
