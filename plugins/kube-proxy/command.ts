import { Command, Option } from "commander";
import { runNodeProcess } from "../../core/cli/node-process.js";
import type { LogLevel } from "../../core/log/logger.js";
import { kubeProxy } from "./index.js";

/**
 * `kubesim kube-proxy`: kube-proxy for one node in this process, against an API server over HTTP.
 * Waits for the Node (registered by its kubelet), takes its InternalIP and pod CIDR, and keeps the
 * node's iptables or IPVS rules in sync with Services and EndpointSlices until SIGINT/SIGTERM.
 */
export function kubeProxyCommand(): Command {
  return new Command("kube-proxy")
    .description("run kube-proxy for a node against an API server over HTTP")
    .requiredOption("--kubeconfig <path>", "kubeconfig of the API server")
    .option("--context <name>", "kubeconfig context (default: current-context)")
    .requiredOption("--node-name <name>", "the node whose rules to keep (its Node must be registered)")
    .addOption(new Option("--proxy-mode <mode>", "iptables or ipvs").choices(["iptables", "ipvs"]).default("iptables"))
    .option("--cluster-cidr <cidr>", "the cluster's pod network", "10.244.0.0/16")
    .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]))
    .action(async (opts: { kubeconfig: string; context?: string; nodeName: string; proxyMode: "iptables" | "ipvs"; clusterCidr: string; logLevel?: LogLevel }) => {
      await runNodeProcess({
        component: "kube-proxy",
        kubeconfig: opts.kubeconfig,
        ...(opts.context ? { context: opts.context } : {}),
        ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
        nodeName: opts.nodeName,
        mode: "join",
        plugins: [kubeProxy({ mode: opts.proxyMode, addon: false })],
        network: { podNetworkCidr: opts.clusterCidr },
      });
    });
}
