import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { token } from "../../di/token.js";
import { createCertificateAuthoritySync } from "../http/tls.js";

/** The service-account signing key: private for the API server's TokenRequest, public for its authenticator. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The JWT `kid`: base64url SHA-256 of the public key's DER, as kube-apiserver derives it. */
  readonly kid: string;
  /** The JWS algorithm the key signs with, as kube-apiserver picks it by key type: `RS256` for RSA, `ES256` for ECDSA P-256. */
  readonly alg: "RS256" | "ES256";
}

/**
 * A new service-account key: ECDSA P-256, as kubeadm makes `sa.key` with `encryptionAlgorithm:
 * ECDSA-P256` (its default is RSA-2048; an ES256 signature costs ~1/20 of an RS256 one, and every
 * pod's projected token is one). An RSA `sa.key` already in a state directory keeps working.
 * Made synchronously so a virtual clock does not run ahead meanwhile.
 */
export function newServiceAccountKey(): KeyObject {
  return generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
}

/** A private key in PEM as kubeadm writes it: `EC PRIVATE KEY` (SEC 1) for ECDSA, `RSA PRIVATE KEY` (PKCS #1) for RSA. */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: key.asymmetricKeyType === "ec" ? "sec1" : "pkcs1", format: "pem" }).toString();
}

function signingKeyOf(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const kid = createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64url");
  const type = privateKey.asymmetricKeyType;
  if (type === "rsa") return { privateKey, publicKey, kid, alg: "RS256" };
  if (type === "ec" && privateKey.asymmetricKeyDetails?.namedCurve === "prime256v1") return { privateKey, publicKey, kid, alg: "ES256" };
  throw new Error(`service-account key: unsupported key type ${type}${type === "ec" ? ` (curve ${privateKey.asymmetricKeyDetails?.namedCurve})` : ""}: use RSA or ECDSA P-256`);
}

/** In-memory clusters of one process share these (a key and a CA for each cluster of a test run would add up). */
let processKey: SigningKey | undefined;
let processCa: { certPem: string; keyPem: string } | undefined;

/** The cluster CA's certificate and key (PEM), as kube-controller-manager's `--cluster-signing-cert-file`/`--cluster-signing-key-file`. */
export interface SigningCa {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * The cluster's trust material, as kubeadm lays it out under /etc/kubernetes/pki: the service
 * account key (`sa.key`) and the cluster CA whose certificate every namespace's `kube-root-ca.crt`
 * carries. With a `stateDir` the key is kept in `<stateDir>/sa.key` (mode 0600) across restarts;
 * the CA is the one the HTTPS server presents once `cluster.serve` has started one, before that a
 * generated CA. Keys are made on first use.
 */
export class ClusterCredentials {
  private key: SigningKey | undefined;
  private servedCa: string | undefined;
  private servedCaKey: string | undefined;
  private readonly caListeners = new Set<() => void>();

  constructor(private readonly stateDir?: string) {}

  async signingKey(): Promise<SigningKey> {
    this.key ??= this.stateDir ? this.loadOrCreateKey(this.stateDir) : (processKey ??= signingKeyOf(newServiceAccountKey()));
    return this.key;
  }

  /** The cluster CA certificate (PEM). */
  async caCertPem(): Promise<string> {
    if (this.servedCa) return this.servedCa;
    if (this.stateDir && existsSync(join(this.stateDir, "ca.crt"))) return readFileSync(join(this.stateDir, "ca.crt"), "utf8");
    processCa ??= createCertificateAuthoritySync();
    return processCa.certPem;
  }

  /**
   * The CA that signs certificates for the cluster (the CSR signers): the served CA when its key is
   * known, else `<stateDir>/ca.crt` + `ca.key`, else the process's generated CA. Its certificate is
   * always the one {@link caCertPem} returns, so what it signs verifies against kube-root-ca.crt.
   */
  async signingCa(): Promise<SigningCa> {
    if (this.servedCa && this.servedCaKey) return { certPem: this.servedCa, keyPem: this.servedCaKey };
    if (this.stateDir && existsSync(join(this.stateDir, "ca.crt")) && existsSync(join(this.stateDir, "ca.key"))) {
      return { certPem: readFileSync(join(this.stateDir, "ca.crt"), "utf8"), keyPem: readFileSync(join(this.stateDir, "ca.key"), "utf8") };
    }
    if (this.servedCa) throw new Error("the cluster CA's key is not available to sign with");
    processCa ??= createCertificateAuthoritySync();
    return processCa;
  }

  /** The CA (and, to sign with, its key) of a server the cluster now serves HTTPS with; listeners (the root-CA publisher) hear of a change. */
  setServingCa(pem: string, keyPem?: string): void {
    if (keyPem) this.servedCaKey = keyPem;
    if (pem === this.servedCa) return;
    this.servedCa = pem;
    for (const f of this.caListeners) f();
  }

  onCaChange(fn: () => void): () => void {
    this.caListeners.add(fn);
    return () => this.caListeners.delete(fn);
  }

  private loadOrCreateKey(dir: string): SigningKey {
    const path = join(dir, "sa.key");
    if (existsSync(path)) return signingKeyOf(createPrivateKey(readFileSync(path, "utf8")));
    const key = newServiceAccountKey();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, privateKeyPem(key), { mode: 0o600 });
    return signingKeyOf(key);
  }
}

/** The cluster's credentials (cluster scope). */
export const ClusterCredentialsToken = token<ClusterCredentials>("ClusterCredentials");
