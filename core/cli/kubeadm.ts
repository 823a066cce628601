import { createHash, timingSafeEqual, X509Certificate } from "node:crypto";
import { request as httpsRequest } from "node:https";
import { parse as parseYaml } from "yaml";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.js";
import type { Client } from "../client/client.js";
import { isStatusError } from "../api/status.js";
import { bootstrapTokenSecret, CLUSTER_INFO, detachedSignature, generateBootstrapToken, JWS_KEY_PREFIX, KUBEADM_NODE_TOKEN_GROUP, parseBootstrapToken } from "../apiserver/bootstrap-token/bootstrap-token.js";

/** kubeadm's default token lifetime (`--token-ttl`, `kubeadm token create --ttl`): 24 h. */
export const DEFAULT_TOKEN_TTL_MS = 24 * 3600_000;

/** `sha256:<hex>` of a CA certificate's Subject Public Key Info, as `--discovery-token-ca-cert-hash` pins it. */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

/** The kubeconfig cluster-info carries, as kubeadm writes it: one unnamed cluster, no users or contexts. */
export function clusterInfoKubeconfig(server: string, caPem: string): string {
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${Buffer.from(caPem).toString("base64")}
    server: ${server}
  name: ""
contexts: null
current-context: ""
kind: Config
preferences: {}
users: null
`;
}

/** Creates or refreshes `kube-public/cluster-info` (kubeadm init's bootstrap-token phase); the bootstrap signer signs it. */
export async function publishClusterInfo(client: Client, server: string, caPem: string): Promise<void> {
  const configMaps = client.resource<ConfigMap>("ConfigMap");
  const kubeconfig = clusterInfoKubeconfig(server, caPem);
  const current = await configMaps.get(CLUSTER_INFO.name, { namespace: CLUSTER_INFO.namespace }).catch((err: unknown) => {
    if (isStatusError(err, "NotFound")) return undefined;
    throw err;
  });
  if (!current) {
    await configMaps.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: CLUSTER_INFO.name, namespace: CLUSTER_INFO.namespace }, data: { kubeconfig } }, { fieldManager: "kubeadm" });
  } else if (current.data?.["kubeconfig"] !== kubeconfig) {
    await configMaps.update({ ...current, data: { ...current.data, kubeconfig } }, { fieldManager: "kubeadm" });
  }
}

/**
 * kubeadm init's RBAC for joining nodes (its bootstraptoken phase): cluster-info readable by
 * anonymous callers and bootstrap tokens (Role/RoleBinding `kubeadm:bootstrap-signer-clusterinfo`
 * in kube-public), the default node token's group bound to `system:node-bootstrapper`
 * (`kubeadm:kubelet-bootstrap`: it may create CSRs) and to the `nodeclient` auto-approval role
 * (`kubeadm:node-autoapprove-bootstrap`), `system:nodes` to `selfnodeclient` (certificate rotation),
 * and `kubeadm:cluster-admins` (admin.conf's group) to cluster-admin. Objects that exist are left alone.
 */
export async function publishBootstrapRbac(client: Client): Promise<void> {
  const rbac = "rbac.authorization.k8s.io";
  const objects = [
    { apiVersion: `${rbac}/v1`, kind: "Role", metadata: { name: "kubeadm:bootstrap-signer-clusterinfo", namespace: CLUSTER_INFO.namespace }, rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: [CLUSTER_INFO.name], verbs: ["get"] }] },
    { apiVersion: `${rbac}/v1`, kind: "RoleBinding", metadata: { name: "kubeadm:bootstrap-signer-clusterinfo", namespace: CLUSTER_INFO.namespace }, roleRef: { apiGroup: rbac, kind: "Role", name: "kubeadm:bootstrap-signer-clusterinfo" }, subjects: [{ apiGroup: rbac, kind: "User", name: "system:anonymous" }, { apiGroup: rbac, kind: "Group", name: "system:bootstrappers" }] },
    { apiVersion: `${rbac}/v1`, kind: "ClusterRoleBinding", metadata: { name: "kubeadm:kubelet-bootstrap" }, roleRef: { apiGroup: rbac, kind: "ClusterRole", name: "system:node-bootstrapper" }, subjects: [{ apiGroup: rbac, kind: "Group", name: KUBEADM_NODE_TOKEN_GROUP }] },
    { apiVersion: `${rbac}/v1`, kind: "ClusterRoleBinding", metadata: { name: "kubeadm:cluster-admins" }, roleRef: { apiGroup: rbac, kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ apiGroup: rbac, kind: "Group", name: "kubeadm:cluster-admins" }] },
    { apiVersion: `${rbac}/v1`, kind: "ClusterRoleBinding", metadata: { name: "kubeadm:node-autoapprove-bootstrap" }, roleRef: { apiGroup: rbac, kind: "ClusterRole", name: "system:certificates.k8s.io:certificatesigningrequests:nodeclient" }, subjects: [{ apiGroup: rbac, kind: "Group", name: KUBEADM_NODE_TOKEN_GROUP }] },
    { apiVersion: `${rbac}/v1`, kind: "ClusterRoleBinding", metadata: { name: "kubeadm:node-autoapprove-certificate-rotation" }, roleRef: { apiGroup: rbac, kind: "ClusterRole", name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient" }, subjects: [{ apiGroup: rbac, kind: "Group", name: "system:nodes" }] },
  ];
  for (const obj of objects) {
    await client.resource(obj.kind).create(obj as never, { fieldManager: "kubeadm", ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) }).catch((err: unknown) => {
      if (!isStatusError(err, "AlreadyExists")) throw err;
    });
  }
}

/** Creates a bootstrap token Secret (`kubeadm token create`); returns the token. */
export async function createBootstrapToken(client: Client, options: { now: number; ttlMs?: number; token?: string; description?: string }): Promise<string> {
  const token = options.token ?? generateBootstrapToken();
  await client.resource<Secret>("Secret").create(bootstrapTokenSecret(token, { now: options.now, ttlMs: options.ttlMs ?? DEFAULT_TOKEN_TTL_MS, groups: [KUBEADM_NODE_TOKEN_GROUP], ...(options.description ? { description: options.description } : {}) }), { fieldManager: "kubeadm" });
  return token;
}

/** `kubesim join <endpoint> --token ... --discovery-token-ca-cert-hash ...`, the line `init` and `token create --print-join-command` print. */
export function joinCommand(server: string, token: string, caPem: string): string {
  return `kubesim join ${new URL(server).host} --token ${token} \\\n\t--discovery-token-ca-cert-hash ${caCertHash(caPem)}`;
}

/** GETs `path` on `server` with a bearer token, without verifying the server (discovery has no CA yet). */
function insecureGet(server: string, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, server), { method: "GET", rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

/**
 * kubeadm join's token discovery: fetches `kube-public/cluster-info` from the endpoint, checks the
 * token's JWS signature of its kubeconfig (so the token holder knows the content came from the
 * cluster) and that the CA it names has a pinned public key hash, then returns the API server URL
 * and the CA. kubeadm reads cluster-info anonymously; kubesim's API server has no anonymous
 * access, so the request carries the bootstrap token.
 */
export async function discoverCluster(endpoint: string, token: string, options: { caCertHashes: readonly string[]; unsafeSkipCaVerification?: boolean }): Promise<{ server: string; caPem: string }> {
  const parsed = parseBootstrapToken(token);
  if (!parsed) throw new Error(`the bootstrap token "${token}" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`);
  if (!options.caCertHashes.length && !options.unsafeSkipCaVerification) throw new Error("using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue");
  const base = /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
  let res: { status: number; body: string };
  try {
    res = await insecureGet(base, `/api/v1/namespaces/${CLUSTER_INFO.namespace}/configmaps/${CLUSTER_INFO.name}`, token);
  } catch (err) {
    throw new Error(`couldn't validate the identity of the API Server: Get "${base}/api/v1/namespaces/kube-public/configmaps/cluster-info": ${(err as Error).message}`);
  }
  if (res.status === 401) throw new Error(`couldn't validate the identity of the API Server: the bootstrap token "${parsed.id}" was rejected (Unauthorized): it is invalid or has expired. Use "kubesim token create" on the control-plane node to create a new valid token`);
  if (res.status !== 200) throw new Error(`couldn't validate the identity of the API Server: cluster-info: HTTP ${res.status}: ${res.body.trim()}`);
  const cm = JSON.parse(res.body) as ConfigMap;
  const kubeconfig = cm.data?.["kubeconfig"];
  if (!kubeconfig) throw new Error("there is no kubeconfig in the cluster-info ConfigMap");
  const signature = cm.data?.[`${JWS_KEY_PREFIX}${parsed.id}`];
  if (!signature) throw new Error(`token id "${parsed.id}" is invalid for this cluster or it has expired. Use "kubesim token create" on the control-plane node to create a new valid token`);
  const expected = Buffer.from(detachedSignature(kubeconfig, parsed.id, parsed.secret));
  const got = Buffer.from(signature);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) throw new Error("failed to verify JWS signature of received cluster info object, can't trust this API Server");
  const config = parseYaml(kubeconfig) as { clusters?: { cluster?: { server?: string; "certificate-authority-data"?: string } }[] };
  const cluster = config.clusters?.[0]?.cluster;
  if (!cluster?.server || !cluster["certificate-authority-data"]) throw new Error("the cluster-info kubeconfig names no server or CA");
  const caPem = Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8");
  const hash = caCertHash(caPem);
  if (!options.unsafeSkipCaVerification && !options.caCertHashes.includes(hash)) throw new Error(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${hash}" are pinned`);
  return { server: cluster.server, caPem };
}
