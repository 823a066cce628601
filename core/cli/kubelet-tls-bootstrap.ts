import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";
import type { KubeObject } from "../api/object.js";
import type { Client } from "../client/client.js";
import { writeKubeconfig } from "../client/kubeconfig.js";
import { clientCertificateKubeconfig, nodeIdentity } from "./component-kubeconfigs.js";

/** The signer of kubelets' client certificates. */
export const KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";

interface CertificateSigningRequest extends KubeObject {
  spec: { request: string; signerName: string; usages: string[] };
  status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** A PKCS#10 request for `CN=system:node:<node>, O=system:nodes` with a new RSA 2048 key, as the kubelet makes it. */
export function kubeletClientCertificateRequest(nodeName: string): { csrPem: string; keyPem: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const identity = nodeIdentity(nodeName);
  csr.setSubject([...(identity.organization ?? []).map((value) => ({ name: "organizationName", value })), { name: "commonName", value: identity.commonName }]);
  csr.sign(key, forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), keyPem: privateKey };
}

/**
 * The kubelet's TLS bootstrap (kubeadm join's kubelet-start phase): with the bootstrap token's
 * `client`, creates a CertificateSigningRequest for `system:node:<node>` to the
 * `kubernetes.io/kube-apiserver-client-kubelet` signer, waits until kube-controller-manager's
 * csrapproving controller has approved it and its signer has issued the certificate, then writes
 * `<pkiDir>/kubelet-client-current.pem` (certificate and key, as the kubelet keeps it) and
 * `kubeconfigPath` with that client certificate. A denied or failed request, or none issued within
 * `timeoutMs`, is an error naming the CSR.
 */
export async function kubeletTlsBootstrap(client: Client, options: { nodeName: string; server: string; caPem: string; pkiDir: string; kubeconfigPath: string; timeoutMs?: number }): Promise<{ csrName: string; certPem: string }> {
  const { csrPem, keyPem } = kubeletClientCertificateRequest(options.nodeName);
  const csrs = client.resource<CertificateSigningRequest>({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest" });
  const created = await csrs.create({
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { generateName: "node-csr-" },
    spec: { request: Buffer.from(csrPem).toString("base64"), signerName: KUBELET_CLIENT_SIGNER, usages: ["digital signature", "key encipherment", "client auth"] },
  });
  const name = created.metadata!.name!;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let certPem: string | undefined;
  for (;;) {
    const csr = await csrs.get(name);
    const refused = csr.status?.conditions?.find((c) => (c.type === "Denied" || c.type === "Failed") && c.status === "True");
    if (refused) throw new Error(`certificate signing request ${name} was ${refused.type.toLowerCase()}: ${refused.reason ?? ""} ${refused.message ?? ""}`.trim());
    if (csr.status?.certificate) {
      certPem = Buffer.from(csr.status.certificate, "base64").toString("utf8");
      break;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for certificate signing request ${name} to be approved and signed (is kube-controller-manager running with csrapproving and csrsigning?)`);
    await new Promise((r) => setTimeout(r, 500));
  }
  mkdirSync(options.pkiDir, { recursive: true });
  writeFileSync(join(options.pkiDir, "kubelet-client-current.pem"), certPem + keyPem, { mode: 0o600 });
  writeKubeconfig(options.kubeconfigPath, clientCertificateKubeconfig(options.server, options.caPem, "default-auth", { certPem, keyPem }, "default-cluster"));
  return { csrName: name, certPem };
}
