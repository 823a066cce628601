import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { token } from "../../di/token.js";
import { createCertificateAuthority } from "../http/tls.js";

/** The service-account signing key: private for the API server's TokenRequest, public for its authenticator. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The JWT `kid`: base64url SHA-256 of the public key's DER, as kube-apiserver derives it. */
  readonly kid: string;
}

const generateRsa = promisify(generateKeyPair);

async function newRsaKey(): Promise<KeyObject> {
  const { privateKey } = await generateRsa("rsa", { modulusLength: 2048 });
  return privateKey;
}

function signingKeyOf(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const kid = createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64url");
  return { privateKey, publicKey, kid };
}

/** In-memory clusters of one process share these (generating RSA keys for each cluster of a test run would cost seconds). */
let processKey: Promise<SigningKey> | undefined;
let processCa: Promise<string> | undefined;

/**
 * The cluster's trust material, as kubeadm lays it out under /etc/kubernetes/pki: the service
 * account key (`sa.key`) and the cluster CA whose certificate every namespace's `kube-root-ca.crt`
 * carries. With a `stateDir` the key is kept in `<stateDir>/sa.key` (mode 0600) across restarts;
 * the CA is the one the HTTPS server presents once `cluster.serve` has started one, before that a
 * generated CA. Keys are made on first use.
 */
export class ClusterCredentials {
  private key: Promise<SigningKey> | undefined;
  private servedCa: string | undefined;
  private readonly caListeners = new Set<() => void>();

  constructor(private readonly stateDir?: string) {}

  signingKey(): Promise<SigningKey> {
    this.key ??= this.stateDir ? this.loadOrCreateKey(this.stateDir) : (processKey ??= newRsaKey().then(signingKeyOf));
    return this.key;
  }

  /** The cluster CA certificate (PEM). */
  async caCertPem(): Promise<string> {
    if (this.servedCa) return this.servedCa;
    if (this.stateDir && existsSync(join(this.stateDir, "ca.crt"))) return readFileSync(join(this.stateDir, "ca.crt"), "utf8");
    processCa ??= createCertificateAuthority().then((ca) => ca.certPem);
    return processCa;
  }

  /** The CA of a server the cluster now serves HTTPS with; listeners (the root-CA publisher) hear of a change. */
  setServingCa(pem: string): void {
    if (pem === this.servedCa) return;
    this.servedCa = pem;
    for (const f of this.caListeners) f();
  }

  onCaChange(fn: () => void): () => void {
    this.caListeners.add(fn);
    return () => this.caListeners.delete(fn);
  }

  private async loadOrCreateKey(dir: string): Promise<SigningKey> {
    const path = join(dir, "sa.key");
    if (existsSync(path)) return signingKeyOf(createPrivateKey(readFileSync(path, "utf8")));
    const key = await newRsaKey();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, key.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
    return signingKeyOf(key);
  }
}

/** The cluster's credentials (cluster scope). */
export const ClusterCredentialsToken = token<ClusterCredentials>("ClusterCredentials");
