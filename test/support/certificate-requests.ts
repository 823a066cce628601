import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

/** A PKCS#10 request (PEM) and its RSA key (PEM), for tests that play a client asking for a certificate. */
export interface TestCertificateRequest {
  csrPem: string;
  keyPem: string;
  /** `spec.request` as the API carries it (base64 of the PEM). */
  request: string;
}

let key: { privateKey: string } | undefined;

/**
 * Makes a signed certificate request with subject `CN=cn, O=o...` and the given SANs. The RSA key
 * is made once per process (tests need requests, not distinct keys).
 */
export function certificateRequest(options: { cn: string; o?: readonly string[]; dnsNames?: readonly string[]; ipAddresses?: readonly string[] }): TestCertificateRequest {
  key ??= generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const privateKey = forge.pki.privateKeyFromPem(key.privateKey) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  csr.setSubject([...(options.o ?? []).map((value) => ({ name: "organizationName", value })), { name: "commonName", value: options.cn }]);
  const altNames = [...(options.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip }))];
  if (altNames.length) csr.setAttributes([{ name: "extensionRequest", extensions: [{ name: "subjectAltName", altNames }] }]);
  csr.sign(privateKey, forge.md.sha256.create());
  const csrPem = forge.pki.certificationRequestToPem(csr);
  return { csrPem, keyPem: key.privateKey, request: Buffer.from(csrPem).toString("base64") };
}
