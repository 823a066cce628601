import { HttpClient } from "../client/http-client.js";
import { NodeHost, type NodeHostOptions } from "../cluster/node-host.js";
import { createLogger, type LogLevel } from "../log/logger.js";

export interface NodeProcessOptions extends Omit<NodeHostOptions, "client" | "log"> {
  /** The component's name in logs and messages (`kubelet`, `kube-proxy`). */
  component: string;
  kubeconfig: string;
  context?: string;
  logLevel?: LogLevel;
}

/**
 * Runs a node component in this process (`kubesim kubelet`, `kubesim kube-proxy`): a
 * {@link NodeHost} over HTTP with the kubeconfig's credentials, until SIGINT/SIGTERM, when it stops
 * its agents and exits 0. A failure to start is printed and exits 1.
 */
export async function runNodeProcess(options: NodeProcessOptions): Promise<void> {
  const { component, kubeconfig, context, logLevel, ...host } = options;
  let client: HttpClient;
  let node: NodeHost;
  let addresses: { nodeIP: string; podCidr: string };
  try {
    client = HttpClient.fromKubeconfig(kubeconfig, context);
    node = new NodeHost({ ...host, client, log: createLogger(component, { level: logLevel ?? "info" }) });
    addresses = await node.start();
  } catch (err) {
    process.stderr.write(`${component}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${component}: running on node ${host.nodeName} (InternalIP ${addresses.nodeIP}, podCIDR ${addresses.podCidr})\n`);
  const stop = (signal: string): void => {
    process.stdout.write(`${component}: ${signal}, shutting down\n`);
    void node.stop().then(
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
