import { createHash, createPrivateKey, createPublicKey, sign, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { parseDer, type CertificateRequest } from "../../../../core/api/builtin/certificates/certificate-request.js";
import { certificateSerial } from "../../../../core/api/builtin/certificates/serial-number.js";

/** The cluster CA a signer signs with (`--cluster-signing-cert-file`, `--cluster-signing-key-file`). */
export interface SigningCa {
  readonly certPem: string;
  readonly keyPem: string;
}

const { asn1 } = forge;
const C = asn1.Class;
const T = asn1.Type;
const seq = (...items: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(C.UNIVERSAL, T.SEQUENCE, true, items);
const oid = (id: string): forge.asn1.Asn1 => asn1.create(C.UNIVERSAL, T.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: string): forge.asn1.Asn1 => asn1.create(C.UNIVERSAL, T.OCTETSTRING, false, bytes);
const bool = (v: boolean): forge.asn1.Asn1 => asn1.create(C.UNIVERSAL, T.BOOLEAN, false, v ? "\xff" : "\x00");
const bitString = (bytes: string): forge.asn1.Asn1 => asn1.create(C.UNIVERSAL, T.BITSTRING, false, "\x00" + bytes);
const raw = (der: string): forge.asn1.Asn1 => parseDer(der);
const derOf = (node: forge.asn1.Asn1): string => asn1.toDer(node).getBytes();

/** Key usages by the names `spec.usages` uses (upstream's keyUsageDict), as KeyUsage bit numbers. */
const KEY_USAGE_BITS: Readonly<Record<string, number>> = {
  signing: 0, "digital signature": 0, "content commitment": 1, "key encipherment": 2, "key agreement": 4,
  "data encipherment": 3, "cert sign": 5, "crl sign": 6, "encipher only": 7, "decipher only": 8,
};
/** Extended key usages (upstream's extKeyUsageDict) by OID. */
const EXT_KEY_USAGES: Readonly<Record<string, string>> = {
  any: "2.5.29.37.0", "server auth": "1.3.6.1.5.5.7.3.1", "client auth": "1.3.6.1.5.5.7.3.2", "code signing": "1.3.6.1.5.5.7.3.3",
  "email protection": "1.3.6.1.5.5.7.3.4", "s/mime": "1.3.6.1.5.5.7.3.4", "ipsec end system": "1.3.6.1.5.5.7.3.5", "ipsec tunnel": "1.3.6.1.5.5.7.3.6",
  "ipsec user": "1.3.6.1.5.5.7.3.7", timestamping: "1.3.6.1.5.5.7.3.8", "ocsp signing": "1.3.6.1.5.5.7.3.9",
  "microsoft sgc": "1.3.6.1.4.1.311.10.3.3", "netscape sgc": "2.16.840.1.113730.4.1",
};

/** Go's x509 KeyUsage as a DER BIT STRING (named-bit list: trailing zero bits trimmed). */
function keyUsageBits(bits: Set<number>): string {
  let value = 0;
  for (const b of bits) value |= 1 << (15 - b);
  const bytes = value & 0xff ? [value >> 8, value & 0xff] : [value >> 8];
  const last = bytes[bytes.length - 1]!;
  let unused = 0;
  while (unused < 8 && !(last & (1 << unused))) unused++;
  return String.fromCharCode(unused === 8 ? 0 : unused, ...bytes);
}

function utcTime(ms: number): forge.asn1.Asn1 {
  const d = new Date(ms);
  return d.getUTCFullYear() >= 2050
    ? asn1.create(C.UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d))
    : asn1.create(C.UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(d));
}

/** An extension: `SEQUENCE { extnID, critical?, extnValue OCTET STRING }`. */
function extension(id: string, critical: boolean, valueDer: string): forge.asn1.Asn1 {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(valueDer));
}

/** What a signer puts into a certificate it issues. */
export interface IssueOptions {
  /** `spec.usages`: key usages and extended key usages. */
  usages: readonly string[];
  /** Validity from `notBefore`: the signer's TTL, shortened by `spec.expirationSeconds`. */
  ttlMs: number;
  /** Now, in ms since the epoch; the certificate is backdated 5 minutes (as upstream, for clock skew). */
  now: number;
}

/**
 * Issues an X.509 v3 certificate for a certificate request with the CA (upstream's
 * `authority.CertificateAuthority.Sign` with the PermissiveSigningPolicy): the request's subject,
 * public key and SANs; key usages and extended key usages from `usages`; not a CA; the CA's key
 * as authority key identifier; never valid past the CA. Returns the PEM.
 */
export function issueCertificate(ca: SigningCa, request: CertificateRequest, options: IssueOptions): string {
  const caCert = new X509Certificate(ca.certPem);
  const caForge = parseDer(Buffer.from(caCert.raw).toString("binary"));
  // TBSCertificate → subject is the 6th field of the CA's (version [0] present).
  const caSubject = (((caForge.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[])[5])!;
  const caKey = createPrivateKey(ca.keyPem);
  const caSpki = createPublicKey(caKey).export({ type: "spki", format: "der" });
  // The CA key's identifier as a subjectKeyIdentifier would carry it: SHA-1 of the key bits.
  const caKeyBits = (parseDer(caSpki.toString("binary")).value as forge.asn1.Asn1[])[1]!.value as string;
  const authorityKeyId = createHash("sha1").update(Buffer.from(caKeyBits.slice(1), "binary")).digest("binary");

  const bits = new Set<number>();
  const ekus: string[] = [];
  for (const u of options.usages) {
    if (u in KEY_USAGE_BITS) bits.add(KEY_USAGE_BITS[u]!);
    else if (u in EXT_KEY_USAGES && !ekus.includes(EXT_KEY_USAGES[u]!)) ekus.push(EXT_KEY_USAGES[u]!);
    else if (!(u in EXT_KEY_USAGES)) throw new Error(`unrecognized usage: ${u}`);
  }
  const extensions: forge.asn1.Asn1[] = [];
  if (bits.size) extensions.push(extension("2.5.29.15", true, derOf(asn1.create(C.UNIVERSAL, T.BITSTRING, false, keyUsageBits(bits)))));
  if (ekus.length) extensions.push(extension("2.5.29.37", false, derOf(seq(...ekus.map(oid)))));
  extensions.push(extension("2.5.29.19", true, derOf(seq())));
  extensions.push(extension("2.5.29.35", false, derOf(seq(asn1.create(C.CONTEXT_SPECIFIC, 0, false, authorityKeyId)))));
  if (request.subjectAltNameDer) extensions.push(extension("2.5.29.17", false, request.subjectAltNameDer));

  const notBefore = options.now - 5 * 60_000;
  const notAfter = Math.min(notBefore + options.ttlMs, Date.parse(caCert.validTo));
  const serial = certificateSerial();
  const rsa = caKey.asymmetricKeyType === "rsa";
  const signatureAlgorithm = rsa ? seq(oid("1.2.840.113549.1.1.11"), asn1.create(C.UNIVERSAL, T.NULL, false, "")) : seq(oid("1.2.840.10045.4.3.2"));
  const tbs = seq(
    asn1.create(C.CONTEXT_SPECIFIC, 0, true, [asn1.create(C.UNIVERSAL, T.INTEGER, false, "\x02")]),
    asn1.create(C.UNIVERSAL, T.INTEGER, false, serial.toString("binary")),
    signatureAlgorithm,
    caSubject,
    seq(utcTime(notBefore), utcTime(notAfter)),
    raw(request.subjectDer),
    raw(request.subjectPublicKeyInfoDer),
    asn1.create(C.CONTEXT_SPECIFIC, 3, true, [seq(...extensions)]),
  );
  const tbsDer = derOf(tbs);
  const signature = sign("sha256", Buffer.from(tbsDer, "binary"), caKey).toString("binary");
  const certDer = derOf(seq(raw(tbsDer), signatureAlgorithm, bitString(signature)));
  const b64 = Buffer.from(certDer, "binary").toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}
