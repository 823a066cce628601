import { Command, InvalidArgumentError, Option } from "commander";
import type { LogLevel } from "../../core/index.js";
import { KNOWN_CONTROLLERS } from "./known-controllers.js";
import { runControllerManager } from "./standalone.js";
import type { NodeLifecycleSettings } from "./options.js";

function positive(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--${flag} must be a positive integer`);
    return n;
  };
}

function duration(flag: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
    if (!m) throw new InvalidArgumentError(`--${flag} must be a duration such as 15s`);
    return Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000);
  };
}

/** The node lifecycle flags given on the command line. */
function nodeLifecycleFlags(opts: Record<string, unknown>): Partial<NodeLifecycleSettings> {
  const out: Partial<NodeLifecycleSettings> = {};
  for (const key of ["nodeMonitorPeriod", "nodeMonitorGracePeriod", "nodeStartupGracePeriod", "nodeEvictionRate", "secondaryNodeEvictionRate", "largeClusterSizeThreshold", "unhealthyZoneThreshold"] as const) {
    const v = opts[key];
    if (typeof v === "number" && Number.isFinite(v)) out[key] = v;
  }
  return out;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * `kubesim controller-manager`: kube-controller-manager over HTTP with upstream's flags
 * (`--controllers`, `--concurrent-*-syncs`, `--leader-elect*`). Runs until SIGINT/SIGTERM.
 */
export function controllerManagerCommand(): Command {
  const cmd = new Command("controller-manager")
    .description("run kube-controller-manager against an API server over HTTP")
    .requiredOption("--kubeconfig <path>", "kubeconfig of the API server")
    .option("--context <name>", "kubeconfig context (default: current-context)")
    .option("--controllers <list>", "controllers to enable: '*' enables those on by default, 'foo' enables foo, '-foo' disables it", "*")
    .option("--leader-elect <bool>", "run only while holding the kube-system/kube-controller-manager Lease", (v) => v !== "false", true)
    .option("--leader-elect-lease-duration <d>", "lease duration", duration("leader-elect-lease-duration"))
    .option("--leader-elect-renew-deadline <d>", "renew deadline", duration("leader-elect-renew-deadline"))
    .option("--leader-elect-retry-period <d>", "retry period", duration("leader-elect-retry-period"))
    .option("--allocate-node-cidrs <bool>", "allocate pod CIDRs to Nodes (node-ipam-controller)", (v) => v === "true", false)
    .option("--cluster-cidr <cidr>", "the pod network node CIDRs are cut from")
    .option("--node-cidr-mask-size <n>", "node CIDR prefix length (default 24)", positive("node-cidr-mask-size"))
    .option("--service-cluster-ip-range <cidr>", "service network, kept out of node CIDRs")
    .option("--node-monitor-period <d>", "how often node health is checked (default 5s)", duration("node-monitor-period"))
    .option("--node-monitor-grace-period <d>", "unheard-of time before a node goes Unknown (default 50s)", duration("node-monitor-grace-period"))
    .option("--node-startup-grace-period <d>", "the same for nodes that never reported Ready (default 1m)", duration("node-startup-grace-period"))
    .option("--node-eviction-rate <qps>", "nodes tainted per second per healthy zone (default 0.1)", Number)
    .option("--secondary-node-eviction-rate <qps>", "the rate in an unhealthy zone of a large cluster (default 0.01)", Number)
    .option("--large-cluster-size-threshold <n>", "nodes that make a zone large (default 50)", positive("large-cluster-size-threshold"))
    .option("--unhealthy-zone-threshold <f>", "not-ready fraction that makes a zone unhealthy (default 0.55)", Number)
    .option("--use-service-account-credentials <bool>", "run each controller with a token of its own kube-system service account", (v) => v !== "false", false)
    .option("--cluster-signing-cert-file <path>", "CA certificate the csrsigning controller issues certificates with")
    .option("--cluster-signing-key-file <path>", "that CA's private key")
    .option("--terminated-pod-gc-threshold <n>", "terminated pods kept before the oldest are deleted (default 12500)", Number)
    .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]));
  const flags = KNOWN_CONTROLLERS.filter((d) => d.concurrencyFlag);
  for (const d of flags) cmd.option(`--${d.concurrencyFlag} <n>`, `workers of ${d.name} (default ${d.defaultConcurrency ?? 1})`, positive(d.concurrencyFlag!));
  cmd.action(async (opts: Record<string, unknown>) => {
    const concurrency: Record<string, number> = {};
    for (const d of flags) {
      const v = opts[camel(d.concurrencyFlag!)];
      if (typeof v === "number") concurrency[d.concurrencyFlag!] = v;
    }
    if (Boolean(opts["clusterSigningCertFile"]) !== Boolean(opts["clusterSigningKeyFile"])) {
      process.stderr.write("kube-controller-manager: --cluster-signing-cert-file and --cluster-signing-key-file go together\n");
      process.exit(1);
    }
    let handle;
    try {
      handle = await runControllerManager({
        kubeconfig: opts["kubeconfig"] as string,
        ...(opts["context"] ? { context: opts["context"] as string } : {}),
        controllers: opts["controllers"] as string,
        concurrency,
        leaderElect: opts["leaderElect"] as boolean,
        useServiceAccountCredentials: opts["useServiceAccountCredentials"] as boolean,
        ...(opts["clusterSigningCertFile"] ? { clusterSigning: { certFile: opts["clusterSigningCertFile"] as string, keyFile: opts["clusterSigningKeyFile"] as string } } : {}),
        ...(opts["leaderElectLeaseDuration"] ? { leaseDuration: opts["leaderElectLeaseDuration"] as number } : {}),
        ...(opts["leaderElectRenewDeadline"] ? { renewDeadline: opts["leaderElectRenewDeadline"] as number } : {}),
        ...(opts["leaderElectRetryPeriod"] ? { retryPeriod: opts["leaderElectRetryPeriod"] as number } : {}),
        ...(opts["logLevel"] ? { logLevel: opts["logLevel"] as LogLevel } : {}),
        allocateNodeCidrs: opts["allocateNodeCidrs"] as boolean,
        ...(opts["clusterCidr"] ? { clusterCidr: opts["clusterCidr"] as string } : {}),
        ...(opts["nodeCidrMaskSize"] ? { nodeCidrMaskSize: opts["nodeCidrMaskSize"] as number } : {}),
        ...(opts["serviceClusterIpRange"] ? { serviceClusterIpRange: opts["serviceClusterIpRange"] as string } : {}),
        ...(opts["terminatedPodGcThreshold"] !== undefined ? { terminatedPodGcThreshold: opts["terminatedPodGcThreshold"] as number } : {}),
        nodeLifecycle: nodeLifecycleFlags(opts),
      });
    } catch (err) {
      process.stderr.write(`kube-controller-manager: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    process.stdout.write(`kube-controller-manager: running ${handle.kcm.enabled.map((d) => d.name).join(",")}\n`);
    const stop = (signal: string): void => {
      process.stdout.write(`kube-controller-manager: ${signal}, shutting down\n`);
      void handle.shutdown().then(() => process.exit(0), () => process.exit(1));
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return cmd;
}
