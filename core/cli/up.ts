import { mkdirSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { Cluster, type ClusterOptions } from "../cluster/cluster.js";
import { startHttpServer } from "../apiserver/http/http-server.js";
import { writeKubeconfigFor } from "../apiserver/http/kubeconfig-for-server.js";
import { HttpAuthorizers, systemMastersAuthorizer, unionAuthorizer } from "../apiserver/http/authorization.js";
import { defaultLogLevel, type LogLevel } from "../log/logger.js";
import { PodStreams } from "../apiserver/http/pod-streams.js";

export interface UpOptions {
  config?: string;
  nodes?: number;
  port: number;
  host: string;
  kubeconfig: string;
  stateDir: string;
  insecureHttp: boolean;
  logLevel?: LogLevel;
}

/** A running `kubesim up`: the cluster and its HTTP server; `shutdown` stops both. */
export interface UpHandle {
  cluster: Cluster;
  url: string;
  kubeconfig: string;
  shutdown(): Promise<void>;
}

/**
 * `kubesim up`: the embedded default cluster (in-memory store, real clock, one control-plane node
 * and two workers unless the config or `--nodes` says otherwise) served over the Kubernetes HTTP
 * API, with a kubeconfig written for kubectl. Never touches `~/.kube/config`.
 */
export async function up(options: UpOptions, print: (line: string) => void): Promise<UpHandle> {
  const overrides: ClusterOptions = { clock: "real", apiServerPort: options.port || 6443, logLevel: options.logLevel ?? defaultLogLevel(), ...(options.nodes !== undefined ? { nodes: options.nodes } : {}) };
  const cluster = options.config ? Cluster.fromConfig(options.config, overrides) : new Cluster({ nodes: 3, ...overrides });
  await cluster.start();
  const stateDir = resolvePath(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  // Authorizers contributed by plugins take part after the admin (system:masters); none: allow all.
  const authorizers = cluster.extensions.point(HttpAuthorizers).all();
  // The kubelets' streaming API (logs, exec, attach), reached through the API server's pod subresources.
  const streams = cluster.container.isRegistered(PodStreams, true) ? cluster.resolve(PodStreams) : undefined;
  let server;
  try {
    server = await startHttpServer({
      apiServer: cluster.apiServer,
      registry: cluster.registry,
      clock: cluster.clock,
      log: cluster.log.child("http"),
      random: cluster.random,
      host: options.host,
      port: options.port,
      stateDir,
      insecureHttp: options.insecureHttp,
      ...(streams ? { podLogs: streams.logs, ...(streams.exec ? { podExec: streams.exec } : {}) } : {}),
      ...(authorizers.length ? { authorizer: unionAuthorizer([systemMastersAuthorizer, ...authorizers]) } : {}),
    });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const kubeconfig = resolvePath(options.kubeconfig);
  writeKubeconfigFor(server, kubeconfig, cluster.name);
  print(`kubesim: cluster "${cluster.name}" with ${cluster.nodes.size} node(s) is serving the Kubernetes API at ${server.url}`);
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
    shutdown: () =>
      (stopping ??= (async () => {
        await server.close();
        await cluster.stop();
      })()),
  };
}
