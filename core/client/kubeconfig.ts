import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { parse, stringify } from "yaml";

/** A cluster entry of a kubeconfig (field names as on disk). */
export interface KubeconfigCluster {
  server: string;
  "certificate-authority-data"?: string;
  "certificate-authority"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
}

export interface KubeconfigUser {
  token?: string;
  "client-certificate-data"?: string;
  "client-key-data"?: string;
  username?: string;
  password?: string;
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
}

/** A kubeconfig file (`apiVersion: v1`, `kind: Config`), as kubectl reads and writes it. */
export interface Kubeconfig {
  apiVersion: "v1";
  kind: "Config";
  preferences: Record<string, unknown>;
  clusters: { name: string; cluster: KubeconfigCluster }[];
  users: { name: string; user: KubeconfigUser }[];
  contexts: { name: string; context: KubeconfigContext }[];
  "current-context": string;
}

/** Where a client connects and how it authenticates, resolved from one context. */
export interface ResolvedContext {
  contextName: string;
  server: string;
  /** The CA bundle as PEM text (from certificate-authority-data or the certificate-authority file). */
  caData?: string;
  token?: string;
  clientCertData?: string;
  clientKeyData?: string;
  insecureSkipTLSVerify: boolean;
  tlsServerName?: string;
  /** The context's namespace, `default` if unset. */
  namespace: string;
}

/** An empty kubeconfig. */
export function emptyKubeconfig(): Kubeconfig {
  return { apiVersion: "v1", kind: "Config", preferences: {}, clusters: [], users: [], contexts: [], "current-context": "" };
}

/** Parses kubeconfig YAML; missing lists become empty, unknown fields are kept. */
export function parseKubeconfig(text: string): Kubeconfig {
  const raw = (parse(text) ?? {}) as Partial<Kubeconfig>;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error("kubeconfig: not a YAML mapping");
  return {
    ...raw,
    apiVersion: "v1",
    kind: "Config",
    preferences: raw.preferences ?? {},
    clusters: raw.clusters ?? [],
    users: raw.users ?? [],
    contexts: raw.contexts ?? [],
    "current-context": raw["current-context"] ?? "",
  };
}

/** Serializes a kubeconfig as YAML. */
export function stringifyKubeconfig(config: Kubeconfig): string {
  return stringify(config, { lineWidth: 0 });
}

/** The kubeconfig path kubectl uses: the first entry of `$KUBECONFIG`, else `~/.kube/config`. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = env.KUBECONFIG?.split(delimiter).find((p) => p.length > 0);
  return first ?? join(homedir(), ".kube", "config");
}

export function readKubeconfig(path: string): Kubeconfig {
  return parseKubeconfig(readFileSync(path, "utf8"));
}

/** Writes a kubeconfig (creating its directory), readable by its owner only as kubectl does. */
export function writeKubeconfig(path: string, config: Kubeconfig): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringifyKubeconfig(config), { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** What {@link kubeconfigFor} needs to describe one cluster with a token user. */
export interface KubeconfigEntry {
  /** Used as the cluster, user and context name. */
  name: string;
  server: string;
  /** The cluster CA as PEM text (stored base64-encoded, as certificate-authority-data). */
  caPem?: string;
  token?: string;
  /** A client certificate and its key (PEM), stored as client-certificate-data / client-key-data. */
  clientCertPem?: string;
  clientKeyPem?: string;
  namespace?: string;
  insecureSkipTLSVerify?: boolean;
}

/** A kubeconfig with one cluster, user and context, made current. */
export function kubeconfigFor(entry: KubeconfigEntry): Kubeconfig {
  return mergeKubeconfig(emptyKubeconfig(), entry);
}

function upsert<T extends { name: string }>(list: readonly T[], item: T): T[] {
  const i = list.findIndex((x) => x.name === item.name);
  return i < 0 ? [...list, item] : list.map((x, j) => (j === i ? item : x));
}

/** Adds or replaces the entry's cluster, user and context (same name) and makes the context current. */
export function mergeKubeconfig(config: Kubeconfig, entry: KubeconfigEntry): Kubeconfig {
  const cluster: KubeconfigCluster = { server: entry.server };
  if (entry.caPem) cluster["certificate-authority-data"] = Buffer.from(entry.caPem).toString("base64");
  if (entry.insecureSkipTLSVerify) cluster["insecure-skip-tls-verify"] = true;
  const user: KubeconfigUser = entry.token ? { token: entry.token } : {};
  if (entry.clientCertPem && entry.clientKeyPem) {
    user["client-certificate-data"] = Buffer.from(entry.clientCertPem).toString("base64");
    user["client-key-data"] = Buffer.from(entry.clientKeyPem).toString("base64");
  }
  const context: KubeconfigContext = { cluster: entry.name, user: entry.name };
  if (entry.namespace) context.namespace = entry.namespace;
  return {
    ...config,
    clusters: upsert(config.clusters, { name: entry.name, cluster }),
    users: upsert(config.users, { name: entry.name, user }),
    contexts: upsert(config.contexts, { name: entry.name, context }),
    "current-context": entry.name,
  };
}

/**
 * Resolves a context (default: current-context) to where and how to connect. `basePath` is the
 * kubeconfig's directory, against which relative certificate-authority files are read. Throws
 * with kubectl's wording when the context, cluster or user is missing.
 */
export function resolveContext(config: Kubeconfig, contextName?: string, basePath = process.cwd()): ResolvedContext {
  const name = contextName ?? config["current-context"];
  if (!name) throw new Error("current-context is not set");
  const context = config.contexts.find((c) => c.name === name)?.context;
  if (!context) throw new Error(`context "${name}" does not exist`);
  const cluster = config.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new Error(`cluster "${context.cluster}" does not exist`);
  const user = config.users.find((u) => u.name === context.user)?.user ?? {};
  const decode = (b64: string | undefined): string | undefined => (b64 ? Buffer.from(b64, "base64").toString("utf8") : undefined);
  let caData = decode(cluster["certificate-authority-data"]);
  const caFile = cluster["certificate-authority"];
  if (!caData && caFile) caData = readFileSync(isAbsolute(caFile) ? caFile : resolve(basePath, caFile), "utf8");
  const out: ResolvedContext = {
    contextName: name,
    server: cluster.server,
    insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"] === true,
    namespace: context.namespace || "default",
  };
  if (caData) out.caData = caData;
  if (user.token) out.token = user.token;
  const cert = decode(user["client-certificate-data"]);
  const key = decode(user["client-key-data"]);
  if (cert) out.clientCertData = cert;
  if (key) out.clientKeyData = key;
  if (cluster["tls-server-name"]) out.tlsServerName = cluster["tls-server-name"];
  return out;
}
