import { Command, InvalidArgumentError, Option } from "commander";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { runNodeProcess } from "../../core/cli/node-process.js";
import { kubeletTlsBootstrap } from "../../core/cli/kubelet-tls-bootstrap.js";
import { HttpClient } from "../../core/client/http-client.js";
import { componentUserAgent } from "../../core/client/user-agent.js";
import { kubeProxy, type ProxyMode } from "../kube-proxy/index.js";
import { readKubeconfig, resolveContext } from "../../core/client/kubeconfig.js";
import type { NodeSpec } from "../../core/cluster/node-spec.js";
import type { LogLevel } from "../../core/log/logger.js";

/**
 * The plugins a kubelet's machine runs besides the kubelet: the images, the container runtimes,
 * the CNI plugins and kindnet (the default distribution's pod network) and the node's shell tools.
 * kube-proxy runs in its own process (`kubesim kube-proxy`), the control plane elsewhere.
 */
export const KUBELET_PROCESS_PLUGINS: readonly string[] = ["images", "runtime-containerd", "runtime-docker", "kubelet", "cni-plugins", "cni-kindnet", "node-net-tools"];

function keyValues(flag: string) {
  return (value: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const part of value.split(",").filter(Boolean)) {
      const eq = part.indexOf("=");
      if (eq <= 0) throw new InvalidArgumentError(`--${flag}: "${part}" is not key=value`);
      out[part.slice(0, eq)] = part.slice(eq + 1);
    }
    return out;
  };
}

function taints(value: string): NonNullable<NodeSpec["taints"]> {
  return value.split(",").filter(Boolean).map((part) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part);
    if (!m) throw new InvalidArgumentError(`--register-with-taints: "${part}" is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
    return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3] as "NoSchedule" };
  });
}

/** An HTTP client with a kubeconfig's current context. */
function clientFromKubeconfig(path: string, userAgent: string): HttpClient {
  const context = resolveContext(readKubeconfig(path), undefined, dirname(path));
  return new HttpClient({ ...context, namespace: context.namespace, userAgent });
}

/**
 * The kubelet's TLS bootstrap on start (`--bootstrap-kubeconfig`): when `kubeconfig` does not
 * exist yet, the bootstrap credentials (a bootstrap token) ask for a client certificate for
 * `system:node:<node>` through a CertificateSigningRequest, and `kubeconfig` is written with the
 * issued certificate (the key and certificate kept in `certDir`), as the kubelet does.
 */
async function bootstrapClientCertificate(options: { kubeconfig: string; bootstrapKubeconfig: string; nodeName: string; certDir: string }): Promise<void> {
  if (existsSync(options.kubeconfig)) return;
  const bootstrap = resolveContext(readKubeconfig(options.bootstrapKubeconfig), undefined, dirname(options.bootstrapKubeconfig));
  if (!bootstrap.caData) throw new Error(`the bootstrap kubeconfig ${options.bootstrapKubeconfig} names no CA`);
  const client = new HttpClient({ ...bootstrap, namespace: bootstrap.namespace, userAgent: componentUserAgent("kubelet") });
  try {
    const { csrName } = await kubeletTlsBootstrap(client, { nodeName: options.nodeName, server: bootstrap.server, caPem: bootstrap.caData, pkiDir: options.certDir, kubeconfigPath: options.kubeconfig });
    process.stdout.write(`kubelet: certificate signing request ${csrName} was approved and signed; authenticating as system:node:${options.nodeName}\n`);
  } finally {
    client.close();
  }
}

/**
 * `kubesim kubelet`: one node's kubelet, container runtime and pod network in this process,
 * against an API server over HTTP (`kubesim up --disable-agent` in another terminal, or any
 * cluster's kubeconfig). Registers the Node and runs the pods bound to it until SIGINT/SIGTERM.
 */
export function kubeletCommand(): Command {
  return new Command("kubelet")
    .description("run a node's kubelet (with its container runtime and pod network) against an API server over HTTP")
    .requiredOption("--kubeconfig <path>", "kubeconfig of the API server")
    .option("--context <name>", "kubeconfig context (default: current-context)")
    .option("--bootstrap-kubeconfig <path>", "credentials (a bootstrap token) to request a client certificate with when --kubeconfig does not exist yet; the kubeconfig is then written")
    .option("--cert-dir <dir>", "where the bootstrapped client certificate and key go (default: pki next to --kubeconfig)")
    .requiredOption("--node-name <name>", "the Node to register and run pods for")
    .addOption(new Option("--runtime <name>", "container runtime").choices(["containerd", "docker"]).default("containerd"))
    .option("--node-ip <ip>", "the node's InternalIP (default: the next free 172.18.0.x)")
    .option("--pod-cidr <cidr>", "the node's pod CIDR (default: the Node's, else the next free /24 of --cluster-cidr)")
    .option("--cluster-cidr <cidr>", "the cluster's pod network", "10.244.0.0/16")
    .option("--node-labels <k=v,...>", "labels to register the Node with", keyValues("node-labels"))
    .option("--register-with-taints <key=value:Effect,...>", "taints to register the Node with", taints)
    .addOption(new Option("--cloud-provider <name>", "external: register the Node with the node.cloudprovider.kubernetes.io/uninitialized taint for cloud-controller-manager to initialise").choices(["external", ""]))
    .option("--address <ip>", "the address the kubelet API (logs, exec, attach, port-forward for the API server) listens on", "127.0.0.1")
    .option("--port <port>", "the kubelet API's port (default: a free one; kubelets of one machine cannot all take 10250)", (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("--port must be an integer from 0 to 65535");
      return n;
    }, 0)
    .option("--pod-manifest-path <dir>", "a directory of static pod manifests to run and keep mirror pods for (the kubelet's staticPodPath; default: the node's simulated /etc/kubernetes/manifests)")
    .option("--underlay-port <port>", "UDP port of the node's underlay socket, which carries its pods' packets to and from nodes in other processes (default: a free one; published on the Node as kubesim.io/underlay-endpoint)", (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("--underlay-port must be an integer from 0 to 65535");
      return n;
    }, 0)
    .option("--proxy-kubeconfig <path>", "also run kube-proxy in this node process, with these credentials (kubeadm's kube-proxy.conf): the node's iptables are this process's, so Service IPs work only with kube-proxy here, as kube-proxy's hostNetwork pod shares its node's kernel")
    .addOption(new Option("--proxy-mode <mode>", "kube-proxy's mode, with --proxy-kubeconfig").choices(["iptables", "ipvs"]).default("iptables"))
    .option("--client-ca-file <path>", "CA that signs the API server's kubelet client certificate (default: the kubeconfig's CA)")
    .option("--plugins <list>", "the node's plugins, comma-separated", KUBELET_PROCESS_PLUGINS.join(","))
    .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]))
    .action(async (opts: { kubeconfig: string; context?: string; bootstrapKubeconfig?: string; certDir?: string; nodeName: string; runtime: string; nodeIp?: string; podCidr?: string; clusterCidr: string; nodeLabels?: Record<string, string>; registerWithTaints?: NodeSpec["taints"]; cloudProvider?: "external" | ""; plugins: string; logLevel?: LogLevel; address: string; port: number; clientCaFile?: string; podManifestPath?: string; underlayPort: number; proxyKubeconfig?: string; proxyMode: ProxyMode }) => {
      if (opts.bootstrapKubeconfig) {
        try {
          await bootstrapClientCertificate({ kubeconfig: resolve(opts.kubeconfig), bootstrapKubeconfig: resolve(opts.bootstrapKubeconfig), nodeName: opts.nodeName, certDir: resolve(opts.certDir ?? join(dirname(opts.kubeconfig), "pki")) });
        } catch (err) {
          process.stderr.write(`kubelet: TLS bootstrap: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exit(1);
        }
      }
      await runNodeProcess({
        component: "kubelet",
        kubeconfig: opts.kubeconfig,
        ...(opts.context ? { context: opts.context } : {}),
        ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
        nodeName: opts.nodeName,
        mode: "register",
        plugins: [...opts.plugins.split(",").filter(Boolean), ...(opts.proxyKubeconfig ? [kubeProxy({ addon: false, mode: opts.proxyMode, client: clientFromKubeconfig(resolve(opts.proxyKubeconfig), componentUserAgent("kube-proxy")) })] : [])],
        spec: { name: opts.nodeName, role: "worker", runtime: opts.runtime, ...(opts.nodeLabels ? { labels: opts.nodeLabels } : {}), ...(opts.registerWithTaints ? { taints: opts.registerWithTaints } : {}), ...(opts.cloudProvider !== undefined ? { cloudProvider: opts.cloudProvider } : {}), ...(opts.podManifestPath ? { kubeletConfig: { staticPodPath: resolve(opts.podManifestPath) } } : {}) },
        ...(opts.nodeIp ? { nodeIP: opts.nodeIp } : {}),
        ...(opts.podCidr ? { podCidr: opts.podCidr } : {}),
        network: { podNetworkCidr: opts.clusterCidr },
        server: { host: opts.address, port: opts.port, ...(opts.clientCaFile ? { clientCaFile: opts.clientCaFile } : {}) },
        underlay: { host: opts.address, port: opts.underlayPort },
      });
    });
}
