import type { DefinedPlugin } from "../plugins/plugin.js";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { availableParallelism } from "node:os";
import { Cluster, type ClusterOptions } from "../cluster/cluster.js";
import { writeKubeconfigFor } from "../apiserver/http/kubeconfig-for-server.js";
import { checkInsecureHost, isLoopbackHost } from "../apiserver/http/insecure-http.js";
import { loadClusterConfig } from "../cluster/cluster-config.js";
import { ClusterDnsAddressToken, ClusterDnsWorkers } from "../cluster/cluster-dns.js";
import { DurableStore } from "../store/durable-store.js";
import { MemoryStore } from "../store/memory-store.js";
import { EtcdStore } from "../store/etcd-store.js";
import { HostEndpoints } from "../cluster/host-endpoints.js";
import { defaultLogLevel, type LogLevel } from "../log/logger.js";
import { DEFAULT_PLUGINS, DEFAULT_POD_NETWORK } from "../cluster/default-distribution.js";
import type { AuthorizationMode } from "../apiserver/authorization/authorization-modes.js";

export interface UpOptions {
  config?: string;
  nodes?: number;
  port: number;
  host: string;
  kubeconfig: string;
  stateDir: string;
  /** Start empty: remove the stored objects under `stateDir` first (certificates are kept). */
  reset?: boolean;
  insecureHttp: boolean;
  /** With `insecureHttp`: allow a non-loopback `host`. */
  insecureAllowRemote?: boolean;
  logLevel?: LogLevel;
  /** Load CoreDNS (default true, as k3s ships it). */
  dns?: boolean;
  /** Load ingress-nginx with host ports (default true, as k3s ships an ingress). */
  ingress?: boolean;
  /** Host port for HTTP into the ingress controller (default 8080; 0 picks a free one). */
  ingressHttpPort?: number;
  /** Host port for HTTPS into the ingress controller (default 8443; 0 picks a free one). */
  ingressHttpsPort?: number;
  /** Load kube-state-metrics (default true: what a Prometheus scrapes for the cluster's objects). */
  kubeStateMetrics?: boolean;
  /** Load the node-exporter DaemonSet (default true). */
  nodeExporter?: boolean;
  /** Load the log pipeline: fluent-bit and Elasticsearch in namespace logging (default true). */
  logging?: boolean;
  /** The pod network instead of flannel (vxlan): `flannel`, `flannel:host-gw`, `flannel:udp`, `calico[:mode]` (as `kubesim compare --cni` names them), or `kindnet`. */
  cni?: string;
  /** Host port of the cluster DNS (UDP+TCP on 127.0.0.1; 0 picks a free one); default: cluster.yaml's dnsPort, else 10053. */
  dnsPort?: number;
  /** Worker processes answering the DNS port's UDP queries (0: in the cluster's process); default: cluster.yaml's dnsWorkers, else {@link defaultDnsWorkers}. */
  dnsWorkers?: number;
  /** Components to leave out, run as processes of their own instead (k3s's `--disable-*`): `agent` = no nodes in this process. */
  disable?: readonly UpComponent[];
  /** Keep the objects in etcd instead of the state dir (`--etcd-servers`, client URLs). */
  etcdServers?: readonly string[];
  /** TLS to etcd: CA bundle, client certificate and key files (`--etcd-cafile`, `--etcd-certfile`, `--etcd-keyfile`). */
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  /** Key prefix in etcd (`--etcd-prefix`, default `/registry`). */
  etcdPrefix?: string;
  /**
   * `kubesim apiserver`: the API server alone (no plugins but `plugins`, no nodes, no add-ons);
   * the scheduler, controller manager and nodes run as processes of their own.
   */
  apiServerOnly?: boolean;
  /** With `apiServerOnly`: plugins to load anyway (API-server side ones: admission plugins, API types). */
  plugins?: readonly string[];
  /** Keep the objects in memory only (`kubesim apiserver --storage-backend memory`): nothing survives a restart. */
  memory?: boolean;
  /** The Service cluster IP range (`--service-cluster-ip-range`, default 10.96.0.0/12). */
  serviceCidr?: string;
  /** The pods' network (`kubesim init --pod-network-cidr`, default 10.244.0.0/16). */
  podNetworkCidr?: string;
  /** kube-controller-manager controllers to run besides `*` (`bootstrapsigner` for `kubesim init`). */
  extraControllers?: readonly string[];
  /** Where the certificates, keys and admin token are kept (`--cert-dir`; default the state dir; kubeadm's layout puts them in `<state-dir>/pki`). */
  certificatesDir?: string;
  /** kube-apiserver's `--authorization-mode` (default Node,RBAC). */
  authorizationModes?: readonly AuthorizationMode[];
  /** kube-apiserver's `--event-ttl` in milliseconds (default 1 h; 0 keeps Events). */
  eventTtlMs?: number;
}

/** What `kubesim up --disable-<component>` can leave to separate processes. */
export type UpComponent = "scheduler" | "controller-manager" | "kube-proxy" | "agent";

const COMPONENT_PLUGINS: Record<Exclude<UpComponent, "agent">, string> = { scheduler: "kube-scheduler", "controller-manager": "kube-controller-manager", "kube-proxy": "kube-proxy" };

/** The etcd store `--etcd-servers` names, with its TLS files read. */
/** The network plugin `--cni` names (loaded on demand: only `kubesim up --cni` needs the plugins' code). */
async function cniPlugin(spec: string): Promise<DefinedPlugin | string> {
  // kind's network stays one flag away (it was the default before flannel).
  if (spec === "kindnet") return "cni-kindnet";
  const { parseCniVariant } = await import("../../plugins/network-compare/index.js");
  return parseCniVariant(spec).plugin;
}

async function openEtcd(options: UpOptions): Promise<EtcdStore> {
  const file = (path: string | undefined, flag: string): Buffer | undefined => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${flag} ${path}: ${(err as Error).message}`);
    }
  };
  const ca = file(options.etcdCafile, "--etcd-cafile");
  const cert = file(options.etcdCertfile, "--etcd-certfile");
  const key = file(options.etcdKeyfile, "--etcd-keyfile");
  try {
    return await EtcdStore.open({ endpoints: options.etcdServers!, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(options.etcdPrefix ? { prefix: options.etcdPrefix } : {}) });
  } catch (err) {
    throw new Error(`cannot use etcd at ${options.etcdServers!.join(",")}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The host port `kubesim up` serves the cluster DNS on unless told otherwise. */
export const DEFAULT_DNS_PORT = 10053;

/**
 * `kubesim up`'s DNS workers: min(2, CPUs). One worker already takes the per-datagram cost off the
 * cluster's event loop; a second uses another core under load; more only compete with the
 * cluster (and each holds a replica of the Services and EndpointSlices).
 */
export function defaultDnsWorkers(): number {
  return Math.min(2, availableParallelism());
}

/** A running `kubesim up`: the cluster and its HTTP server; `shutdown` stops both. */
export interface UpHandle {
  cluster: Cluster;
  url: string;
  kubeconfig: string;
  /** The cluster CA (PEM) the server presents; undefined for plain HTTP. */
  caData: string | undefined;
  shutdown(): Promise<void>;
}

/**
 * `kubesim up`: the embedded default cluster (durable store under the state dir, real clock, one control-plane node
 * and two workers unless the config or `--nodes` says otherwise) served over the Kubernetes HTTP
 * API, with a kubeconfig written for kubectl. Never touches `~/.kube/config`.
 */
export async function up(options: UpOptions, print: (line: string) => void): Promise<UpHandle> {
  if (options.insecureHttp) checkInsecureHost(options.host, options.insecureAllowRemote === true);
  const stateDir = resolvePath(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  if (options.reset) await DurableStore.reset(join(stateDir, "store"));
  const apiOnly = options.apiServerOnly === true;
  const disabled = new Set<UpComponent>(apiOnly ? ["scheduler", "controller-manager", "kube-proxy", "agent"] : (options.disable ?? []));
  if (disabled.has("agent") && options.nodes !== undefined && options.nodes > 0) throw new Error("--disable-agent runs no nodes in this process: drop --nodes (start nodes with kubesim kubelet --node-name N)");
  const omitted = new Set([...disabled].filter((c): c is Exclude<UpComponent, "agent"> => c !== "agent").map((c) => COMPONENT_PLUGINS[c]));
  const store = options.etcdServers?.length ? await openEtcd(options) : options.memory ? new MemoryStore() : undefined;
  const overrides: ClusterOptions = {
    ...(store ? { store } : {}),
    ...(apiOnly ? { plugins: options.plugins ?? [] } : omitted.size || options.cni ? { plugins: [...DEFAULT_PLUGINS.filter((p) => !omitted.has(p) && !(options.cni && p === DEFAULT_POD_NETWORK)), ...(options.cni ? [await cniPlugin(options.cni)] : [])] } : {}),
    ...(options.serviceCidr ? { serviceCidr: options.serviceCidr } : {}),
    ...(options.podNetworkCidr ? { podNetworkCidr: options.podNetworkCidr } : {}),
    ...(disabled.has("agent") ? { nodes: 0 } : {}), ...(options.authorizationModes ? { authorizationModes: options.authorizationModes } : {}), ...(options.eventTtlMs !== undefined ? { eventTtlMs: options.eventTtlMs } : {}), clock: "real", stateDir, ...(options.certificatesDir ? { certificatesDir: resolvePath(options.certificatesDir) } : {}), apiServerPort: options.port || 6443, logLevel: options.logLevel ?? defaultLogLevel(), ...(options.nodes !== undefined && !disabled.has("agent") ? { nodes: options.nodes } : {}), ...(options.dnsPort !== undefined ? { dnsPort: options.dnsPort } : {}) };
  // The cluster DNS is served on the host unless the config file chose a port itself.
  if (!apiOnly && options.dnsPort === undefined && !(options.config && loadClusterConfig(options.config).dnsPort !== undefined)) overrides.dnsPort = DEFAULT_DNS_PORT;
  // Answered by worker processes (the cluster's event loop keeps to the cluster) unless told otherwise.
  if (options.dnsWorkers !== undefined) overrides.dnsWorkers = options.dnsWorkers;
  else if (!apiOnly && !(options.config && loadClusterConfig(options.config).dnsWorkers !== undefined)) overrides.dnsWorkers = defaultDnsWorkers();
  const cluster = options.config ? Cluster.fromConfig(options.config, overrides) : new Cluster({ nodes: 3, ...overrides });
  if (options.extraControllers?.length && !omitted.has("kube-controller-manager") && !apiOnly) cluster.use("kube-controller-manager", { controllers: ["*", ...options.extraControllers] });
  // The add-ons k3s ships: cluster DNS (CoreDNS, answering on the host's DNS port too) and an ingress
  // controller on host ports, unless cluster.yaml loads and configures them itself.
  if (!apiOnly && options.dns !== false && !cluster.hasPlugin("coredns")) cluster.use("coredns");
  if (!apiOnly && options.ingress !== false && !cluster.hasPlugin("ingress-nginx")) cluster.use("ingress-nginx", { httpPort: options.ingressHttpPort ?? 8080, httpsPort: options.ingressHttpsPort ?? 8443, host: isLoopbackHost(options.host) ? "127.0.0.1" : options.host });
  // The observability add-ons (issue 20): kube-state-metrics, node-exporter and the log pipeline.
  if (!apiOnly && options.kubeStateMetrics !== false && !cluster.hasPlugin("kube-state-metrics")) cluster.use("kube-state-metrics");
  if (!apiOnly && options.nodeExporter !== false && !cluster.hasPlugin("node-exporter")) cluster.use("node-exporter");
  if (!apiOnly && options.logging !== false && !cluster.hasPlugin("logging")) cluster.use("logging");
  await cluster.start();
  let server;
  try {
    server = await cluster.serve({
      host: options.host,
      port: options.port,
      stateDir: options.certificatesDir ? resolvePath(options.certificatesDir) : stateDir,
      insecureHttp: options.insecureHttp,
      insecureAllowRemote: options.insecureAllowRemote === true,
    });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const kubeconfig = resolvePath(options.kubeconfig);
  writeKubeconfigFor(server, kubeconfig, cluster.name);
  print(`kubesim: cluster "${cluster.name}" with ${cluster.nodes.size} node(s) is serving the Kubernetes API at ${server.url}`);
  if (options.insecureHttp) {
    print(`WARNING: plain HTTP: kubectl sends no credentials over HTTP, so every request without a token is served as cluster admin (system:masters)${isLoopbackHost(options.host) ? "; reachable from this machine only" : `, from anywhere that reaches ${options.host}`}`);
  }
  if (cluster.container.isRegistered(ClusterDnsAddressToken, true)) {
    const dns = cluster.resolve(ClusterDnsAddressToken);
    const workers = cluster.container.isRegistered(ClusterDnsWorkers, true) ? cluster.resolve(ClusterDnsWorkers) : 0;
    print(`cluster DNS (CoreDNS) on ${dns.host}:${dns.port} UDP and TCP: dig @${dns.host} -p ${dns.port} kubernetes.default.svc.cluster.local${workers > 0 ? ` (UDP answered by ${workers} worker process${workers > 1 ? "es" : ""} once CoreDNS runs)` : ""}`);
  }
  for (const e of cluster.extensions.point(HostEndpoints).all()) print(`kubesim: ${e.description} at ${e.url}`);
  print(`kubeconfig written to ${kubeconfig}; to use it:`);
  print(``);
  print(`  export KUBECONFIG=${kubeconfig}`);
  print(`  kubectl get nodes`);
  print(``);
  cluster.log.info(`ready: serving at ${server.url}`);
  print(`ready (Ctrl-C to stop)`);
  let stopping: Promise<void> | undefined;
  return {
    cluster,
    url: server.url,
    kubeconfig,
    caData: server.caData,
    shutdown: () =>
      (stopping ??= (async () => {
        try {
          await server.close();
        } catch (err) {
          cluster.log.error("stopping: HTTP server close failed", { error: err });
        }
        await cluster.stop();
      })()),
  };
}
