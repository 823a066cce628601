import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Secret } from "kubernetes-types/core/v1.js";
import type { UserInfo } from "../admission.js";
import type { Client } from "../../client/client.js";
import type { TokenAuthenticator } from "../http/authentication.js";

/** The Secret type of bootstrap tokens (`bootstrap.kubernetes.io/token`), kept in kube-system as `bootstrap-token-<id>`. */
export const BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
/** The group every bootstrap token's user is in. */
export const BOOTSTRAPPERS_GROUP = "system:bootstrappers";
/** The group kubeadm gives the tokens it creates for joining nodes. */
export const KUBEADM_NODE_TOKEN_GROUP = "system:bootstrappers:kubeadm:default-node-token";
/** kube-public/cluster-info: the kubeconfig a joining node discovers the cluster from. */
export const CLUSTER_INFO = { namespace: "kube-public", name: "cluster-info" } as const;
/** The cluster-info key holding a token's detached signature of the kubeconfig. */
export const JWS_KEY_PREFIX = "jws-kubeconfig-";

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** A token split into its public id and its secret, or undefined when it is not `[a-z0-9]{6}.[a-z0-9]{16}`. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** A new random token, as `kubeadm token generate` makes one. */
export function generateBootstrapToken(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const pick = (n: number): string => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("");
  return `${pick(6)}.${pick(16)}`;
}

/** The Secret holding `token`, as kubeadm writes it: both usages, the extra groups, an expiration `ttlMs` from `now` (0: none). */
export function bootstrapTokenSecret(token: string, options: { now: number; ttlMs: number; description?: string; groups?: readonly string[] }): Secret {
  const parsed = parseBootstrapToken(token);
  if (!parsed) throw new Error(`"${token}" is not a bootstrap token: it must match [a-z0-9]{6}.[a-z0-9]{16}`);
  const text = (s: string): string => Buffer.from(s).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `bootstrap-token-${parsed.id}`, namespace: "kube-system" },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: {
      "token-id": text(parsed.id),
      "token-secret": text(parsed.secret),
      ...(options.description ? { description: text(options.description) } : {}),
      ...(options.ttlMs > 0 ? { expiration: text(new Date(options.now + options.ttlMs).toISOString().replace(/\.\d{3}Z$/, "Z")) } : {}),
      "usage-bootstrap-authentication": text("true"),
      "usage-bootstrap-signing": text("true"),
      "auth-extra-groups": text((options.groups ?? [KUBEADM_NODE_TOKEN_GROUP]).join(",")),
    },
  };
}

/** A Secret's field as text (`data` base64, or `stringData`). */
export function secretField(secret: Secret, key: string): string | undefined {
  const d = secret.data?.[key];
  if (d !== undefined) return Buffer.from(d, "base64").toString("utf8");
  return secret.stringData?.[key];
}

/** Whether a bootstrap token Secret is usable at `now` for `usage` (`authentication`, `signing`): the right type, the usage on, not expired. */
export function bootstrapTokenUsable(secret: Secret, usage: "authentication" | "signing", now: number): boolean {
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || secret.metadata?.deletionTimestamp) return false;
  if (secretField(secret, `usage-bootstrap-${usage}`) !== "true") return false;
  const expiration = secretField(secret, "expiration");
  return !expiration || Date.parse(expiration) > now;
}

/**
 * The detached JWS (RFC 7515 appendix F) the bootstrap signer puts on cluster-info: HS256 with the
 * token's secret as key and its id as `kid`, the payload left out (`header..signature`).
 */
export function detachedSignature(content: string, id: string, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: "HS256", kid: id })).toString("base64url");
  const payload = Buffer.from(content).toString("base64url");
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  return `${header}..${signature}`;
}

/**
 * kube-apiserver's bootstrap token authenticator (`--enable-bootstrap-token-auth`): a bearer token
 * `<id>.<secret>` whose Secret `kube-system/bootstrap-token-<id>` holds that secret, allows
 * authentication and has not expired is the user `system:bootstrap:<id>` in `system:bootstrappers`
 * and the Secret's `auth-extra-groups`.
 */
export function bootstrapTokenAuthenticator(client: Client, now: () => number): TokenAuthenticator {
  return {
    async authenticate(token): Promise<UserInfo | undefined> {
      const parsed = parseBootstrapToken(token);
      if (!parsed) return undefined;
      const secret = await client.resource<Secret>("Secret").get(`bootstrap-token-${parsed.id}`, { namespace: "kube-system" }).catch(() => undefined);
      if (!secret || !bootstrapTokenUsable(secret, "authentication", now())) return undefined;
      const stored = Buffer.from(secretField(secret, "token-secret") ?? "");
      const given = Buffer.from(parsed.secret);
      if (secretField(secret, "token-id") !== parsed.id || stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
      const extra = (secretField(secret, "auth-extra-groups") ?? "").split(",").map((g) => g.trim()).filter((g) => g.startsWith("system:bootstrappers:"));
      return { username: `system:bootstrap:${parsed.id}`, groups: [BOOTSTRAPPERS_GROUP, ...extra, "system:authenticated"] };
    },
  };
}
