import { createPrivateKey, generateKeyPair, generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import { promisify } from "node:util";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type forge from "node-forge";
import { nodeForge } from "./node-forge.js";
import { certificateSerial } from "../../api/builtin/certificates/serial-number.js";

/** The PEM material of the API server's TLS: the cluster CA and the serving certificate it signed. */
export interface ServingCertificates {
  caCertPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
  /** True if this call created (part of) the material; false if all of it was reused from disk. */
  generated: boolean;
}

export interface ServingCertificateOptions {
  /** Extra DNS names for the serving certificate. */
  dnsNames?: readonly string[];
  /** Extra IPs (e.g. the `kubernetes` Service's cluster IP, `10.96.0.1`). */
  ipAddresses?: readonly string[];
  /** Validity of new certificates in days (default 3650). */
  validityDays?: number;
  /** Used for notBefore/notAfter of new certificates (default: wall time). */
  now?: number;
}

/** The names every kube-apiserver serving certificate carries, as kubeadm issues them. */
export const DEFAULT_DNS_NAMES = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"] as const;
export const DEFAULT_IP_ADDRESSES = ["127.0.0.1", "::1"] as const;

const FILES = { caCert: "ca.crt", caKey: "ca.key", cert: "apiserver.crt", key: "apiserver.key" } as const;

const generateRsa = promisify(generateKeyPair);

interface KeyPair {
  privateKeyPem: string;
  publicKey: forge.pki.PublicKey;
}

/** RSA 2048 with Node's native keygen on the thread pool (forge's pure-JS keygen takes seconds). */
async function rsaKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateRsa("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKey: nodeForge().pki.publicKeyFromPem(publicKey) };
}

/** forge exports this at run time but its typings omit it. */
interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

/** Signs with Node's native RSA (forge's JS signing costs ~300 ms): forge only lays out the certificate. */
function signCertificate(cert: forge.pki.Certificate, signerKeyPem: string): string {
  const oid = nodeForge().pki.oids["sha256WithRSAEncryption"]!;
  cert.siginfo.algorithmOid = oid;
  cert.signatureOid = oid;
  const tbs = nodeForge().asn1.toDer((nodeForge().pki as unknown as ForgeTbs).getTBSCertificate(cert)).getBytes();
  cert.signature = sign("sha256", Buffer.from(tbs, "binary"), signerKeyPem).toString("binary");
  return nodeForge().pki.certificateToPem(cert);
}

function newCertificate(publicKey: forge.pki.PublicKey, now: number, validityDays: number): forge.pki.Certificate {
  const cert = nodeForge().pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = certificateSerial().toString("hex");
  cert.validity.notBefore = new Date(now - 5 * 60_000);
  cert.validity.notAfter = new Date(now + validityDays * 86_400_000);
  return cert;
}

function createCa(key: KeyPair, now: number, validityDays: number, commonName = "kubesim-ca"): { certPem: string; keyPem: string } {
  const cert = newCertificate(key.publicKey, now, validityDays);
  const subject = [{ name: "commonName", value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  return { certPem: signCertificate(cert, key.privateKeyPem), keyPem: key.privateKeyPem };
}

function createServingCert(key: KeyPair, caCertPem: string, caKeyPem: string, dnsNames: readonly string[], ips: readonly string[], now: number, validityDays: number): { certPem: string; keyPem: string } {
  const ca = nodeForge().pki.certificateFromPem(caCertPem);
  const cert = newCertificate(key.publicKey, now, validityDays);
  cert.setSubject([{ name: "commonName", value: "kube-apiserver" }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [...dnsNames.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  return { certPem: signCertificate(cert, caKeyPem), keyPem: key.privateKeyPem };
}

/**
 * A self-signed serving certificate (RSA 2048, SHA-256) for `commonName` and `dnsNames`, as
 * components make their fallback certificates (ingress-nginx's "Kubernetes Ingress Controller Fake
 * Certificate") and tests make TLS Secrets.
 */
export async function selfSignedCertificate(commonName: string, dnsNames: readonly string[], options: { organization?: string; now?: number; validityDays?: number } = {}): Promise<{ certPem: string; keyPem: string }> {
  const key = await rsaKeyPair();
  const cert = newCertificate(key.publicKey, options.now ?? Date.now(), options.validityDays ?? 365);
  const subject = [...(options.organization ? [{ name: "organizationName", value: options.organization }] : []), { name: "commonName", value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: dnsNames.map((value) => ({ type: 2, value })) },
  ]);
  return { certPem: signCertificate(cert, key.privateKeyPem), keyPem: key.privateKeyPem };
}

/**
 * A new self-signed cluster CA (RSA 2048, `CN=kubesim-ca`), for clusters that serve no HTTPS yet.
 * Synchronous (~0.1 s), so a virtual clock does not run ahead while the key is made.
 */
export function createCertificateAuthoritySync(options: { now?: number; validityDays?: number } = {}): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem" } });
  return createCa({ privateKeyPem: privateKey, publicKey: nodeForge().pki.publicKeyFromPem(publicKey) }, options.now ?? Date.now(), options.validityDays ?? 3650);
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** The SAN entries of a certificate as Node prints them, normalised to `DNS:x` / `IP:y`. */
function subjectAltNames(cert: X509Certificate): Set<string> {
  return new Set((cert.subjectAltName ?? "").split(",").map((s) => s.trim().replace(/^IP Address:/, "IP:")).filter(Boolean));
}

function normaliseIp(ip: string): string {
  // Node prints IPv6 SANs expanded and upper-case (0:0:0:0:0:0:0:1); compare loosely via that form.
  if (!ip.includes(":")) return ip;
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail ? tail.split(":") : [];
  const full = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return full.map((g) => parseInt(g || "0", 16).toString(16).toUpperCase()).join(":");
}

/** Whether saved material is still usable: CA valid, serving cert signed by it, unexpired, covering every wanted SAN. */
function reusable(caCertPem: string, certPem: string, dnsNames: readonly string[], ips: readonly string[], now: number): boolean {
  try {
    const ca = new X509Certificate(caCertPem);
    const cert = new X509Certificate(certPem);
    if (!cert.verify(ca.publicKey) || !cert.checkIssued(ca)) return false;
    for (const c of [ca, cert]) if (Date.parse(c.validTo) <= now || Date.parse(c.validFrom) > now) return false;
    const sans = subjectAltNames(cert);
    return dnsNames.every((d) => sans.has(`DNS:${d}`)) && ips.every((ip) => sans.has(`IP:${normaliseIp(ip)}`) || sans.has(`IP:${ip}`));
  } catch {
    return false;
  }
}

/**
 * Loads the CA and serving certificate from `stateDir` (ca.crt, ca.key, apiserver.crt,
 * apiserver.key), or creates what is missing or no longer fits — a new serving certificate when
 * the SANs change, a new CA only when the CA itself is missing or invalid — and saves it (keys
 * with mode 0600). The CA outlives restarts so kubeconfigs written earlier keep working.
 */
export async function loadOrCreateServingCertificates(stateDir: string, options: ServingCertificateOptions = {}): Promise<ServingCertificates> {
  const now = options.now ?? Date.now();
  const days = options.validityDays ?? 3650;
  const dnsNames = [...new Set([...DEFAULT_DNS_NAMES, ...(options.dnsNames ?? [])])];
  const ips = [...new Set([...DEFAULT_IP_ADDRESSES, ...(options.ipAddresses ?? [])])];
  const path = (f: string): string => join(stateDir, f);
  let caCertPem = readIfExists(path(FILES.caCert));
  let caKeyPem = readIfExists(path(FILES.caKey));
  let certPem = readIfExists(path(FILES.cert));
  let keyPem = readIfExists(path(FILES.key));
  if (caCertPem && caKeyPem && certPem && keyPem && reusable(caCertPem, certPem, dnsNames, ips, now)) {
    return { caCertPem, caKeyPem, certPem, keyPem, generated: false };
  }
  mkdirSync(stateDir, { recursive: true });
  let caValid = false;
  if (caCertPem && caKeyPem) {
    try {
      const ca = new X509Certificate(caCertPem);
      caValid = ca.ca && Date.parse(ca.validTo) > now && ca.checkPrivateKey(createPrivateKey(caKeyPem));
    } catch {
      caValid = false;
    }
  }
  // Both keys are generated in parallel on the thread pool when the CA must be made too.
  const needCa = !caValid || !caCertPem || !caKeyPem;
  const [servingKey, caKey] = await Promise.all([rsaKeyPair(), needCa ? rsaKeyPair() : undefined]);
  if (needCa || !caCertPem || !caKeyPem) {
    ({ certPem: caCertPem, keyPem: caKeyPem } = createCa(caKey ?? (await rsaKeyPair()), now, days));
    writeFileSync(path(FILES.caCert), caCertPem);
    writeFileSync(path(FILES.caKey), caKeyPem, { mode: 0o600 });
  }
  ({ certPem, keyPem } = createServingCert(servingKey, caCertPem, caKeyPem, dnsNames, ips, now, days));
  writeFileSync(path(FILES.cert), certPem);
  writeFileSync(path(FILES.key), keyPem, { mode: 0o600 });
  return { caCertPem, caKeyPem, certPem, keyPem, generated: true };
}

/**
 * A client certificate the CA in `stateDir` signs (`<name>.crt`, `<name>.key`), loaded when one
 * signed by that CA is still valid, else issued and saved — as kubeadm issues
 * `apiserver-kubelet-client.crt`, the certificate kube-apiserver presents to kubelets. Undefined
 * when `stateDir` holds no CA key.
 */
export async function loadOrCreateClientCertificate(stateDir: string, name: string, subject: { commonName: string; organization?: string }, options: { now?: number; validityDays?: number } = {}): Promise<{ certPem: string; keyPem: string } | undefined> {
  const now = options.now ?? Date.now();
  const path = (f: string): string => join(stateDir, f);
  const caCertPem = readIfExists(path(FILES.caCert));
  const caKeyPem = readIfExists(path(FILES.caKey));
  if (!caCertPem || !caKeyPem) return undefined;
  const certPem = readIfExists(path(`${name}.crt`));
  const keyPem = readIfExists(path(`${name}.key`));
  if (certPem && keyPem) {
    try {
      const ca = new X509Certificate(caCertPem);
      const cert = new X509Certificate(certPem);
      if (cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validTo) > now) return { certPem, keyPem };
    } catch {
      /* issue a new one */
    }
  }
  const issued = await issueCertificate({ certPem: caCertPem, keyPem: caKeyPem }, { ...subject, clientAuth: true }, { now, validityDays: options.validityDays ?? 365 });
  writeFileSync(path(`${name}.crt`), issued.certPem);
  writeFileSync(path(`${name}.key`), issued.keyPem, { mode: 0o600 });
  return issued;
}

/** What {@link issueCertificate} puts in a certificate: subject, extended key usages and SANs. */
export interface CertificateSpec {
  commonName: string;
  /** Subject O= values (groups, for client certificates). */
  organization?: string | readonly string[];
  clientAuth?: boolean;
  serverAuth?: boolean;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
}

/**
 * A new key (RSA 2048) and a certificate for it signed by `ca` (SHA-256), as kubeadm's certs phase
 * issues its leaf certificates (client, serving or both). Nothing is written.
 */
export async function issueCertificate(ca: { certPem: string; keyPem: string }, spec: CertificateSpec, options: { now?: number; validityDays?: number } = {}): Promise<{ certPem: string; keyPem: string }> {
  const key = await rsaKeyPair();
  const issuer = nodeForge().pki.certificateFromPem(ca.certPem);
  const cert = newCertificate(key.publicKey, options.now ?? Date.now(), options.validityDays ?? 365);
  const orgs = typeof spec.organization === "string" ? [spec.organization] : (spec.organization ?? []);
  cert.setSubject([...orgs.map((value) => ({ name: "organizationName", value })), { name: "commonName", value: spec.commonName }]);
  cert.setIssuer(issuer.subject.attributes);
  const altNames = [...(spec.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(spec.ipAddresses ?? []).map((ip) => ({ type: 7, ip }))];
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", ...(spec.clientAuth ? { clientAuth: true } : {}), ...(spec.serverAuth ? { serverAuth: true } : {}) },
    ...(altNames.length ? [{ name: "subjectAltName", altNames }] : []),
  ]);
  return { certPem: signCertificate(cert, ca.keyPem), keyPem: key.privateKeyPem };
}

/** A new self-signed CA (RSA 2048) named `commonName`, as kubeadm makes `etcd-ca` and `front-proxy-ca`. */
export async function createCertificateAuthority(commonName: string, options: { now?: number; validityDays?: number } = {}): Promise<{ certPem: string; keyPem: string }> {
  return createCa(await rsaKeyPair(), options.now ?? Date.now(), options.validityDays ?? 3650, commonName);
}
