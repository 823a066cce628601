import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { HttpClient } from "../client/http-client.js";
import { componentUserAgent } from "../client/user-agent.js";
import { readKubeconfig, resolveContext } from "../client/kubeconfig.js";
import { NodeHost, type NodeHostOptions } from "../cluster/node-host.js";
import { KUBELET_SERVER_ANNOTATION, startKubeletStreamServer, type KubeletStreamServer } from "../cluster/kubelet-stream-server.js";
import { PodStreams } from "../apiserver/http/pod-streams.js";
import { UNDERLAY_ENDPOINT_ANNOTATION } from "../net/host-underlay.js";
import { createLogger, type LogLevel } from "../log/logger.js";

export interface NodeProcessOptions extends Omit<NodeHostOptions, "client" | "log"> {
  /** The component's name in logs and messages (`kubelet`, `kube-proxy`). */
  component: string;
  kubeconfig: string;
  context?: string;
  logLevel?: LogLevel;
  /**
   * The kubelet's server for the API server (logs, exec, attach, port-forward of this node's pods):
   * `--address`, `--port` (0 picks a free one) and `--client-ca-file` (default: the kubeconfig's
   * CA). Served when the node's plugins stream pods (the kubelet's).
   */
  server?: { host?: string; port: number; clientCaFile?: string };
}

/**
 * Runs a node component in this process (`kubesim kubelet`, `kubesim kube-proxy`): a
 * {@link NodeHost} over HTTP with the kubeconfig's credentials, until SIGINT/SIGTERM, when it stops
 * its agents and exits 0. A failure to start is printed and exits 1. A kubelet also serves its
 * streaming API and publishes the server's URL on its Node ({@link KUBELET_SERVER_ANNOTATION}).
 */
export async function runNodeProcess(options: NodeProcessOptions): Promise<void> {
  const { component, kubeconfig, context, logLevel, server: serverOptions, ...host } = options;
  let client: HttpClient;
  let node: NodeHost;
  let server: KubeletStreamServer | undefined;
  let addresses: { nodeIP: string; podCidr: string };
  try {
    const resolved = resolveContext(readKubeconfig(kubeconfig), context, dirname(kubeconfig));
    client = new HttpClient({ ...resolved, namespace: resolved.namespace, userAgent: componentUserAgent(component) });
    const log = createLogger(component, { level: logLevel ?? "info" });
    node = new NodeHost({ ...host, client, log });
    addresses = await node.start();
    if (serverOptions && node.container.isRegistered(PodStreams, true)) {
      const clientCaPem = serverOptions.clientCaFile ? readFileSync(serverOptions.clientCaFile, "utf8") : resolved.caData;
      server = await startKubeletStreamServer({ streams: node.container.resolve<PodStreams>(PodStreams), nodeName: host.nodeName, port: serverOptions.port, ...(serverOptions.host ? { host: serverOptions.host } : {}), clientCaPem, log: log.child("server") });
      await client.resource("Node").patch(host.nodeName, "merge", { metadata: { annotations: { [KUBELET_SERVER_ANNOTATION]: server.url } } }, { fieldManager: "kubelet" });
    }
    if (node.underlay) await client.resource("Node").patch(host.nodeName, "merge", { metadata: { annotations: { [UNDERLAY_ENDPOINT_ANNOTATION]: node.underlay.endpoint } } }, { fieldManager: "kubelet" });
  } catch (err) {
    process.stderr.write(`${component}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${component}: running on node ${host.nodeName} (InternalIP ${addresses.nodeIP}, podCIDR ${addresses.podCidr})${server ? `, serving the kubelet API at ${server.url}` : ""}${node.underlay ? `, underlay socket ${node.underlay.endpoint}` : ""}\n`);
  const stop = (signal: string): void => {
    process.stdout.write(`${component}: ${signal}, shutting down\n`);
    void (async () => {
      await server?.close();
      await node.stop();
    })().then(
      () => {
        client.close();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}
