import { Command } from "commander";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { runNodeProcess } from "../../core/cli/node-process.js";
import { discoverCluster } from "../../core/cli/kubeadm.js";
import { kubeletTlsBootstrap } from "../../core/cli/kubelet-tls-bootstrap.js";
import { HttpClient } from "../../core/client/http-client.js";
import { kubeconfigFor, writeKubeconfig } from "../../core/client/kubeconfig.js";
import type { LogLevel } from "../../core/log/logger.js";
import { KUBELET_PROCESS_PLUGINS } from "./command.js";

/**
 * `kubesim join <endpoint> --token T --discovery-token-ca-cert-hash sha256:H`: kubeadm join's
 * token discovery (core/cli/kubeadm.ts), the kubelet's TLS bootstrap (the token creates a CSR for
 * `system:node:<node>`, approved and signed by kube-controller-manager; the certificate goes to
 * `<state-dir>/pki/kubelet-client-current.pem` and `<state-dir>/kubelet.conf`), then the node's
 * kubelet — with kube-proxy, which kubeadm runs as a DaemonSet — in this process with that certificate.
 */
export function joinCommand(): Command {
  return new Command("join")
    .description("join a node to a cluster started with kubesim init: token discovery, then this node's kubelet and kube-proxy")
    .argument("<endpoint>", "the API server, host:port (as kubesim init printed it)")
    .requiredOption("--token <token>", "the bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})")
    .option("--discovery-token-ca-cert-hash <sha256:hex...>", "pinned hash of the cluster CA's public key (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--discovery-token-unsafe-skip-ca-verification", "trust the CA cluster-info names without a pinned hash", false)
    .option("--node-name <name>", "the Node to register (default: this host's name)")
    .option("--state-dir <dir>", "where kubelet.conf is written", ".kubesim-node")
    .option("--port <port>", "the kubelet API's port (0 picks a free one)", (v: string) => Number(v), 0)
    .option("--cluster-cidr <cidr>", "the cluster's pod network", "10.244.0.0/16")
    .option("--log-level <level>", "log level")
    .action(async (endpoint: string, opts: { token: string; discoveryTokenCaCertHash?: string[]; discoveryTokenUnsafeSkipCaVerification: boolean; nodeName?: string; stateDir: string; port: number; clusterCidr: string; logLevel?: LogLevel }) => {
      const nodeName = (opts.nodeName ?? hostname()).toLowerCase();
      let kubeconfig: string;
      try {
        const { server, caPem } = await discoverCluster(endpoint, opts.token, { caCertHashes: opts.discoveryTokenCaCertHash ?? [], unsafeSkipCaVerification: opts.discoveryTokenUnsafeSkipCaVerification });
        process.stdout.write(`[discovery] cluster-info at ${server} is signed by the token and its CA matches the pinned hash\n`);
        // TLS bootstrap: the token only asks for the kubelet's client certificate (a CSR the controller manager approves and signs).
        const bootstrap = resolve(join(opts.stateDir, "bootstrap-kubelet.conf"));
        writeKubeconfig(bootstrap, kubeconfigFor({ name: "default-cluster", server, caPem, token: opts.token }));
        kubeconfig = resolve(join(opts.stateDir, "kubelet.conf"));
        const client = HttpClient.fromKubeconfig(bootstrap);
        try {
          const { csrName } = await kubeletTlsBootstrap(client, { nodeName, server, caPem, pkiDir: resolve(join(opts.stateDir, "pki")), kubeconfigPath: kubeconfig });
          process.stdout.write(`[kubelet-start] certificate signing request ${csrName} was approved and signed: the kubelet authenticates as system:node:${nodeName}\n[kubelet-start] wrote ${kubeconfig}\n`);
        } finally {
          client.close();
        }
      } catch (err) {
        process.stderr.write(`kubesim join: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      }
      await runNodeProcess({
        component: "kubelet",
        kubeconfig,
        ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
        nodeName,
        mode: "register",
        plugins: [...KUBELET_PROCESS_PLUGINS, "kube-proxy"],
        spec: { name: nodeName, role: "worker" },
        network: { podNetworkCidr: opts.clusterCidr },
        server: { port: opts.port },
      });
      process.stdout.write(`\nThis node has joined the cluster: run 'kubectl get nodes' on the control plane to see node ${nodeName}.\n`);
    });
}
