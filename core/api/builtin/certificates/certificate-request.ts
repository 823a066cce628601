import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type forge from "node-forge";
import { nodeForge } from "../../../apiserver/http/node-forge.js";

/**
 * A parsed PKCS#10 certificate request (Go's `x509.CertificateRequest`, the parts Kubernetes
 * reads): subject names, the SANs of its extensionRequest, its public key, and the DER of the
 * parts a signer copies into the certificate unchanged.
 */
export interface CertificateRequest {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  publicKey: KeyObject;
  /** `RSA`, `ECDSA`, `Ed25519` (Go's PublicKeyAlgorithm names). */
  publicKeyAlgorithm: string;
  /** The subject Name, DER-encoded as the requester wrote it. */
  subjectDer: string;
  /** The SubjectPublicKeyInfo, DER-encoded. */
  subjectPublicKeyInfoDer: string;
  /** The subjectAltName extension's value (GeneralNames DER), when requested. */
  subjectAltNameDer?: string;
}

const OID_CN = "2.5.4.3";
const OID_O = "2.5.4.10";
const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const OID_SAN = "2.5.29.17";
const SIGNATURE_HASHES: Readonly<Record<string, string | null>> = {
  "1.2.840.113549.1.1.11": "sha256", // sha256WithRSAEncryption
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.3.2": "sha256", // ecdsa-with-SHA256
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.3.101.112": null, // Ed25519
};

type Asn1 = forge.asn1.Asn1;
const children = (node: Asn1 | undefined): Asn1[] => (node && Array.isArray(node.value) ? (node.value as Asn1[]) : []);
const bytes = (node: Asn1 | undefined): string => (node && typeof node.value === "string" ? node.value : "");
const der = (node: Asn1): string => nodeForge().asn1.toDer(node).getBytes();
const fromDer = (bytes: string, options: { strict: boolean; decodeBitStrings: boolean }): Asn1 => (nodeForge().asn1.fromDer as unknown as (b: string, o: typeof options) => Asn1)(bytes, options);
/** DER (binary string) as written: BIT STRINGs are kept as bytes (forge's typings omit the options argument), so re-encoding reproduces the signed bytes. */
export function parseDer(bytes: string): Asn1 {
  return fromDer(bytes, { strict: true, decodeBitStrings: false });
}

/** Attribute values of a Name by OID, in order. */
function nameValues(name: Asn1, oid: string): string[] {
  const out: string[] = [];
  for (const rdn of children(name)) for (const atv of children(rdn)) {
    const [type, value] = children(atv);
    if (type && nodeForge().asn1.derToOid(bytes(type)) === oid) out.push(nodeForge().util.decodeUtf8(bytes(value)));
  }
  return out;
}

function ipOf(raw: string): string {
  const b = Buffer.from(raw, "binary");
  if (b.length === 4) return [...b].join(".");
  const groups: string[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** The error Go's `x509.ParseCertificateRequest`/`CheckSignature` would give, as a message. */
export class CertificateRequestError extends Error {}

/**
 * Parses a PEM `CERTIFICATE REQUEST` and checks its self-signature (RSA, ECDSA or Ed25519), as
 * kube-apiserver validates `spec.request`. Throws {@link CertificateRequestError} with upstream's
 * wording (`PEM block type must be CERTIFICATE REQUEST`).
 */
export function parseCertificateRequest(pem: string): CertificateRequest {
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || m[1] !== "CERTIFICATE REQUEST") throw new CertificateRequestError("PEM block type must be CERTIFICATE REQUEST");
  let root: Asn1;
  try {
    root = parseDer(Buffer.from(m[2]!.replace(/\s+/g, ""), "base64").toString("binary"));
  } catch (err) {
    throw new CertificateRequestError(`x509: malformed certificate request: ${(err as Error).message}`);
  }
  const [info, algorithm, signature] = children(root);
  const [_version, subject, spki, attributes] = children(info);
  if (!info || !subject || !spki || !algorithm || !signature) throw new CertificateRequestError("x509: malformed certificate request");
  const spkiDer = der(spki);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spkiDer, "binary"), format: "der", type: "spki" });
  } catch {
    throw new CertificateRequestError("x509: unsupported public key algorithm");
  }
  const sigOid = nodeForge().asn1.derToOid(bytes(children(algorithm)[0]));
  if (!(sigOid in SIGNATURE_HASHES)) throw new CertificateRequestError("x509: cannot verify signature: algorithm unimplemented");
  // A BIT STRING's first byte counts unused bits (0 for signatures).
  const sig = Buffer.from(bytes(signature).slice(1), "binary");
  if (!verify(SIGNATURE_HASHES[sigOid] ?? null, Buffer.from(der(info), "binary"), publicKey, sig)) {
    throw new CertificateRequestError(publicKey.asymmetricKeyType === "rsa" ? "crypto/rsa: verification error" : publicKey.asymmetricKeyType === "ec" ? "x509: ECDSA verification failure" : "x509: Ed25519 verification failure");
  }
  const request: CertificateRequest = {
    commonName: nameValues(subject, OID_CN)[0] ?? "",
    organizations: nameValues(subject, OID_O),
    dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [],
    publicKey,
    publicKeyAlgorithm: publicKey.asymmetricKeyType === "rsa" ? "RSA" : publicKey.asymmetricKeyType === "ec" ? "ECDSA" : publicKey.asymmetricKeyType === "ed25519" ? "Ed25519" : String(publicKey.asymmetricKeyType),
    subjectDer: der(subject),
    subjectPublicKeyInfoDer: spkiDer,
  };
  for (const attr of children(attributes)) {
    const [type, values] = children(attr);
    if (!type || nodeForge().asn1.derToOid(bytes(type)) !== OID_EXTENSION_REQUEST) continue;
    for (const ext of children(children(values)[0])) {
      const parts = children(ext);
      if (nodeForge().asn1.derToOid(bytes(parts[0])) !== OID_SAN) continue;
      const valueDer = bytes(parts[parts.length - 1]);
      request.subjectAltNameDer = valueDer;
      for (const name of children(parseDer(valueDer))) {
        const v = bytes(name);
        if (name.type === 2) request.dnsNames.push(v);
        else if (name.type === 7) request.ipAddresses.push(ipOf(v));
        else if (name.type === 1) request.emailAddresses.push(v);
        else if (name.type === 6) request.uris.push(v);
      }
    }
  }
  return request;
}
