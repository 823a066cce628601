import { randomUUID, sign } from "node:crypto";
import { jwtVerify, type JWTPayload } from "jose";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import { offClock, type Clock } from "../../clock/clock.js";
import type { Client } from "../../client/client.js";
import type { KubeObject } from "../../api/object.js";
import { rfc3339 } from "../../api/time.js";
import { conflict, fieldError, invalid, isStatusError } from "../../api/status.js";
import type { UserInfo } from "../admission.js";
import type { ClusterCredentials, SigningKey } from "./cluster-credentials.js";

/** kube-apiserver's default `--service-account-issuer`, also its default `--api-audiences`. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** `authentication.k8s.io/v1` TokenRequest, as far as kubesim reads and writes it. */
export interface TokenRequest extends KubeObject {
  spec?: {
    audiences?: string[];
    expirationSeconds?: number;
    boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
  };
  status?: { token: string; expirationTimestamp: string };
}

/** The private `kubernetes.io` claim of service account tokens. */
interface KubernetesClaims {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

const BOUND_KINDS: Record<string, string> = { Pod: "Pod", Secret: "Secret", Node: "Node" };
const MIN_EXPIRATION_SECONDS = 600;

/**
 * Service account tokens as kube-apiserver issues and checks them: the `serviceaccounts/token`
 * subresource (TokenRequest) signs a JWT (ES256, or RS256 with an RSA key) with the cluster's service-account key, with its
 * audiences (default: the API server's), expiry and an optional binding to a Pod, Secret or Node;
 * the authenticator accepts such a token for the API server's audience while it is unexpired and
 * its service account (and bound object) still exist with the same uid.
 */
export class ServiceAccountTokens {
  constructor(
    private readonly o: { credentials: ClusterCredentials; clock: Clock; client: () => Client; issuer?: string; apiAudiences?: readonly string[] },
  ) {}

  private get issuer(): string {
    return this.o.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
  }

  private get audiences(): readonly string[] {
    return this.o.apiAudiences ?? [this.issuer];
  }

  /** Handles a TokenRequest for `namespace/name`; throws Status errors as kube-apiserver words them. */
  async request(namespace: string, name: string, body: TokenRequest): Promise<TokenRequest> {
    const spec = body.spec ?? {};
    const expirationSeconds = spec.expirationSeconds ?? 3600;
    if (expirationSeconds < MIN_EXPIRATION_SECONDS) throw invalid("TokenRequest", "authentication.k8s.io", name, [fieldError.invalid("spec.expirationSeconds", expirationSeconds, "may not specify a duration less than 10 minutes")]);
    if (expirationSeconds > 2 ** 32) throw invalid("TokenRequest", "authentication.k8s.io", name, [fieldError.invalid("spec.expirationSeconds", expirationSeconds, "may not specify a duration larger than 2^32 seconds")]);
    const client = this.o.client();
    const sa = await client.resource("ServiceAccount").get(name, { namespace });
    const claims: KubernetesClaims = { namespace, serviceaccount: { name, uid: sa.metadata?.uid ?? "" } };
    const ref = spec.boundObjectRef;
    if (ref) {
      const kind = BOUND_KINDS[ref.kind ?? ""];
      if (!kind) throw invalid("TokenRequest", "authentication.k8s.io", name, [fieldError.notSupported("spec.boundObjectRef.kind", ref.kind ?? "", Object.keys(BOUND_KINDS))]);
      const obj = await client.resource(kind).get(ref.name ?? "", kind === "Node" ? {} : { namespace });
      const uid = obj.metadata?.uid ?? "";
      if (ref.uid && ref.uid !== uid) {
        throw conflict({ group: "", plural: kind, kind }, ref.name ?? "", `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
      const bound = { name: ref.name ?? "", uid };
      if (kind === "Pod") {
        claims.pod = bound;
        const nodeName = (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
        if (nodeName) {
          const node = await client.resource("Node").get(nodeName).catch(() => undefined);
          if (node) claims.node = { name: nodeName, uid: node.metadata?.uid ?? "" };
        }
      } else if (kind === "Secret") claims.secret = bound;
      else claims.node = bound;
    }
    const now = Math.floor(this.o.clock.now() / 1000);
    const exp = now + expirationSeconds;
    const audiences = spec.audiences?.length ? spec.audiences : [...this.audiences];
    const key = await this.o.credentials.signingKey();
    const payload = { "kubernetes.io": claims, iss: this.issuer, sub: `system:serviceaccount:${namespace}:${name}`, aud: audiences, iat: now, nbf: now, exp, jti: randomUUID() };
    const signed = signJws(payload, key);
    const token = typeof signed === "string" ? signed : await offClock(this.o.clock, signed);
    const meta: ObjectMeta = { name, namespace, creationTimestamp: rfc3339(this.o.clock.now()) };
    return {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: meta,
      spec: { audiences, expirationSeconds, ...(ref ? { boundObjectRef: ref } : {}) },
      status: { token, expirationTimestamp: rfc3339(exp * 1000) },
    };
  }

  /**
   * The user a bearer token stands for, or undefined when it is not a valid service account token
   * for the API server (bad signature, other issuer or audience, expired, or its account or bound
   * object gone or replaced).
   */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    if (token.split(".").length !== 3) return undefined;
    let payload: JWTPayload;
    try {
      const key = await this.o.credentials.signingKey();
      ({ payload } = await offClock(this.o.clock, jwtVerify(token, key.publicKey, { issuer: this.issuer, audience: [...this.audiences], currentDate: new Date(this.o.clock.now()), algorithms: [key.alg] })));
    } catch {
      return undefined;
    }
    const k = payload["kubernetes.io"] as KubernetesClaims | undefined;
    if (!k?.namespace || !k.serviceaccount?.name) return undefined;
    const client = this.o.client();
    const live = async (kind: string, ref: { name: string; uid: string }, namespaced: boolean): Promise<boolean> => {
      try {
        const obj = await client.resource(kind).get(ref.name, namespaced ? { namespace: k.namespace } : {});
        return obj.metadata?.uid === ref.uid && !obj.metadata?.deletionTimestamp;
      } catch (err) {
        if (isStatusError(err, "NotFound")) return false;
        throw err;
      }
    };
    if (!(await live("ServiceAccount", k.serviceaccount, true))) return undefined;
    if (k.pod && !(await live("Pod", k.pod, true))) return undefined;
    if (k.secret && !(await live("Secret", k.secret, true))) return undefined;
    const extra: Record<string, string[]> = {};
    if (payload.jti) extra["authentication.kubernetes.io/credential-id"] = [`JTI=${payload.jti}`];
    if (k.pod) {
      extra["authentication.kubernetes.io/pod-name"] = [k.pod.name];
      extra["authentication.kubernetes.io/pod-uid"] = [k.pod.uid];
    }
    if (k.node) {
      extra["authentication.kubernetes.io/node-name"] = [k.node.name];
      extra["authentication.kubernetes.io/node-uid"] = [k.node.uid];
    }
    return {
      username: `system:serviceaccount:${k.namespace}:${k.serviceaccount.name}`,
      uid: k.serviceaccount.uid,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${k.namespace}`, "system:authenticated"],
      extra,
    };
  }
}

/**
 * A JWS compact token of `payload` signed with `key` (header `alg` and `kid` from it), by
 * node:crypto: jose 6 signs through WebCrypto, which costs more CPU per signature, and every
 * pod's projected token is one. ES256 (the cluster's generated key) signs on the calling thread:
 * ~35 µs, less than queueing the job on the thread pool costs the event loop on a busy 2-core
 * machine (~110 µs per call measured in the controllers bench, where the woken pool thread
 * takes the loop's core). RS256 (a user's RSA key, ~1 ms per signature) signs on the thread pool.
 * ECDSA signatures are JWS's fixed-length r‖s (IEEE P1363), not DER. Tokens are still verified by jose.
 */
function signJws(payload: object, key: SigningKey): string | Promise<string> {
  const header = { alg: key.alg, kid: key.kid };
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  if (key.alg === "ES256") return `${input}.${sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  return new Promise((resolve, reject) => {
    sign("sha256", Buffer.from(input), key.privateKey, (err, signature) => (err ? reject(err) : resolve(`${input}.${signature.toString("base64url")}`)));
  });
}
