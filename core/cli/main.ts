#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=4 --heap-growing-percent=30 --max-old-space-size=5632 --max-inlined-bytecode-size-cumulative=300
/**
 * The `kubesim` command. Its first line runs it with a young generation of at most 2 × 4 MB
 * (`--max-semi-space-size=4`; Node's default grows it to 2 × 16 MB): a cluster process keeps
 * ~24 MB less resident for a few more scavenges; and with the old generation collected once it
 * grows 30 % past what the last full collection left live (`--heap-growing-percent=30`; V8's own
 * factor drifts up to 4 while a cluster churns pods, RSS then holding mostly garbage); and with
 * a heap of up to 5.5 GiB (`--max-old-space-size=5632`; V8's own limit is a quarter of the
 * machine's memory, at most ~4 GiB, which the 5,000-node envelope outgrew), so one process fits
 * the envelope's 6 GiB goal; and with glibc's malloc limited to two arenas (`MALLOC_ARENA_MAX=2`;
 * by default each thread that allocates, V8's helpers and libuv's pool, may get an arena of its
 * own, each keeping freed memory resident), giving back what is freed at the top of its heap past
 * 128 KB (`MALLOC_TRIM_THRESHOLD_=131072`: glibc's default, but fixed; left to itself glibc raises
 * it up to 64 MB after large blocks are freed, and keeps that much freed memory resident); and
 * with less inlining per optimized function (`--max-inlined-bytecode-size-cumulative=300`, V8's
 * default 920): a cluster's hot code is many small handlers, and smaller optimized functions
 * compile sooner on V8's background threads, so a 1,000-pod start spends less CPU compiling and
 * less time in unoptimized code (docs/operations.md, "Memory" and "Compilation"). Once the heap in
 * use passes 512 MB (thousands of pods) the old generation's growth goes back to V8's own factor
 * (`adaptHeapGrowth`).
 */
import { DEFAULT_AUTHORIZATION_MODES, parseAuthorizationModes, type AuthorizationMode } from "../apiserver/authorization/authorization-modes.js";
import { parseGoDuration } from "../api/duration.js";
import { Command, InvalidArgumentError, Option } from "commander";
import { readFileSync } from "node:fs";
import { KUBERNETES_VERSION } from "../cluster/node-registration.js";
import { up, type UpComponent, type UpHandle } from "./up.js";
import { callKubesim, kubeconfigPath } from "./remote.js";
import { formatTrace, type TraceResult } from "../net/cluster-network.js";
import { pathToFileURL } from "node:url";
import { builtInPluginPath } from "../plugins/plugin-loader.js";
import type { LogLevel } from "../log/logger.js";
import { adaptHeapGrowth } from "./heap-growth.js";

function packageVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version: string };
      if (manifest.name === "kubesim") return manifest.version;
    } catch {
      /* try the next layout (source vs dist) */
    }
  }
  return "0.0.0";
}

/** A flag taking a non-negative Go duration (`1h0m0s`, `30m`), in milliseconds. */
function duration(name: string) {
  return (value: string): number => {
    let ms: number;
    try {
      ms = parseGoDuration(value);
    } catch (err) {
      throw new InvalidArgumentError(`${name}: ${(err as Error).message}`);
    }
    if (ms < 0) throw new InvalidArgumentError(`${name} must not be negative`);
    return ms;
  };
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

// A harness that starts kubesim as a child (tests) sets KUBESIM_EXIT_WITH_PARENT=1: when the parent
// is killed and this process is orphaned, it shuts down as on SIGTERM (prctl's PDEATHSIG, portably).
if (process.env["KUBESIM_EXIT_WITH_PARENT"] === "1") {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1000).unref();
}

/** SIGINT/SIGTERM shut a running `kubesim up`/`apiserver` down: exit 0, or 1 if the store cannot close. */
function shutdownOnSignals(handle: UpHandle): void {
  const stop = (signal: string): void => {
    process.stdout.write(`kubesim: ${signal}, shutting down\n`);
    void handle.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`kubesim: shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

// The `#!` line's 30 % heap growth while the heap is small, V8's own once it is large (heap-growth.ts).
adaptHeapGrowth();

const program = new Command();
program
  .name("kubesim")
  .description("Kubernetes rebuilt in TypeScript: a whole cluster in one Node.js process")
  .version(`kubesim ${packageVersion()} (Kubernetes ${KUBERNETES_VERSION})`, "-v, --version");

program
  .command("version")
  .description("print the kubesim version and the Kubernetes version it serves")
  .action(() => {
    process.stdout.write(`kubesim ${packageVersion()}\nKubernetes API ${KUBERNETES_VERSION}\n`);
  });

program
  .command("up")
  .description("start the embedded default cluster and serve the Kubernetes API for kubectl")
  .option("--config <path>", "cluster.yaml describing the cluster")
  .option("--nodes <n>", "number of nodes (one control-plane node, the rest workers; default 3)", integer("--nodes", 1, 5000))
  .option("--port <port>", "API server port (0 picks a free one)", integer("--port", 0, 65535), 6443)
  .option("--host <address>", "listen address", "127.0.0.1")
  .option("--dns-port <port>", "host port of the cluster DNS, UDP and TCP on 127.0.0.1 (0 picks a free one; default 10053)", integer("--dns-port", 0, 65535))
  .option("--dns-workers <n>", "worker processes answering the cluster DNS port's UDP queries (0 answers them in the cluster's process; default min(2, CPUs))", integer("--dns-workers", 0, 64))
  .option("--kubeconfig <path>", "where to write the kubeconfig (never ~/.kube/config unless you say so)", ".kubesim/kubeconfig")
  .option("--state-dir <dir>", "where the cluster's objects (store/), certificates and the admin token are kept", ".kubesim")
  .option("--reset", "start with an empty cluster: remove the stored objects in the state dir first", false)
  .option("--split", "run the API server and every component (kube-controller-manager, kube-scheduler, a kubelet and a kube-proxy per node) as separate processes talking over HTTPS; add-ons are not loaded", false)
  .option("--insecure-http", "serve plain HTTP instead of HTTPS: loopback only, requests without credentials are cluster admin (kubectl sends none over HTTP)", false)
  .option("--insecure-allow-remote", "with --insecure-http, allow a non-loopback --host (anyone who reaches it is cluster admin)", false)
  .option("--ingress-http-port <port>", "host port for HTTP into the ingress controller (0 picks a free one)", integer("--ingress-http-port", 0, 65535), 8080)
  .option("--ingress-https-port <port>", "host port for HTTPS into the ingress controller (0 picks a free one)", integer("--ingress-https-port", 0, 65535), 8443)
  .option("--no-ingress", "do not load the ingress-nginx controller")
  .option("--no-dns", "do not load CoreDNS")
  .option("--etcd-servers <urls>", "keep the objects in etcd (comma-separated client URLs) instead of the state dir", (v: string) => v.split(",").map((u) => u.trim()).filter(Boolean))
  .option("--etcd-prefix <prefix>", "key prefix in etcd", "/registry")
  .option("--etcd-cafile <path>", "CA bundle verifying etcd's serving certificates")
  .option("--etcd-certfile <path>", "client certificate for etcd")
  .option("--etcd-keyfile <path>", "client key for etcd")
  .option("--disable-scheduler", "do not run kube-scheduler in this process (run kubesim kube-scheduler --kubeconfig K)", false)
  .option("--disable-controller-manager", "do not run kube-controller-manager in this process (run kubesim kube-controller-manager --kubeconfig K)", false)
  .option("--disable-kube-proxy", "do not run kube-proxy in this process (run kubesim kube-proxy --kubeconfig K --node-name N per node)", false)
  .option("--disable-agent", "run no nodes in this process: the control plane only (start nodes with kubesim kubelet --kubeconfig K --node-name N)", false)
  .option("--no-kube-state-metrics", "do not load kube-state-metrics")
  .option("--no-node-exporter", "do not load the node-exporter DaemonSet")
  .option("--no-logging", "do not load the log pipeline (fluent-bit and Elasticsearch in namespace logging)")
  .option("--event-ttl <duration>", "how long Events are kept after their last write, on the cluster clock (kube-apiserver's --event-ttl; 0 keeps them)", duration("--event-ttl"), 3_600_000)
  .option("--cni <plugin>", "pod network instead of the default flannel (vxlan): kindnet, flannel, flannel:host-gw, flannel:udp, calico, calico:bgp, calico:vxlan, calico:ipip-crosssubnet, calico:vxlan-crosssubnet")
  .option("--authorization-mode <modes>", "kube-apiserver's --authorization-mode: ordered comma-separated list of Node, RBAC, AlwaysAllow, AlwaysDeny", (v: string) => {
    try {
      return parseAuthorizationModes(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }, [...DEFAULT_AUTHORIZATION_MODES])
  .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]))
  .action(async (opts: { config?: string; nodes?: number; port: number; host: string; kubeconfig: string; stateDir: string; reset: boolean; split: boolean; insecureHttp: boolean; insecureAllowRemote: boolean; logLevel?: LogLevel; dnsPort?: number; dnsWorkers?: number; dns: boolean; ingress: boolean; ingressHttpPort: number; ingressHttpsPort: number; disableScheduler: boolean; disableControllerManager: boolean; disableKubeProxy: boolean; disableAgent: boolean; etcdServers?: string[]; etcdPrefix: string; etcdCafile?: string; etcdCertfile?: string; etcdKeyfile?: string; kubeStateMetrics: boolean; nodeExporter: boolean; logging: boolean; authorizationMode: AuthorizationMode[]; cni?: string; eventTtl: number }) => {
    if (opts.split) return upSplitCommand(opts);
    let handle: UpHandle;
    const disable: UpComponent[] = [];
    if (opts.disableScheduler) disable.push("scheduler");
    if (opts.disableControllerManager) disable.push("controller-manager");
    if (opts.disableKubeProxy) disable.push("kube-proxy");
    if (opts.disableAgent) disable.push("agent");
    try {
      handle = await up({ ...opts, disable, authorizationModes: opts.authorizationMode, eventTtlMs: opts.eventTtl }, (line) => process.stdout.write(line + "\n"));
    } catch (err) {
      process.stderr.write(`kubesim up: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    shutdownOnSignals(handle);
  });

/** `kubesim up --split`: the components as child processes until SIGINT/SIGTERM, then all of them stop. */
async function upSplitCommand(opts: { config?: string; cni?: string; insecureHttp: boolean; nodes?: number; port: number; host: string; kubeconfig: string; stateDir: string; reset: boolean; etcdServers?: string[]; etcdPrefix: string; etcdCafile?: string; etcdCertfile?: string; etcdKeyfile?: string; logLevel?: LogLevel; eventTtl: number }): Promise<void> {
  const { upSplit } = await import("./up-split.js");
  const print = (line: string): void => void process.stdout.write(line + "\n");
  let handle;
  try {
    for (const [flag, set] of [["--config", opts.config], ["--cni", opts.cni], ["--insecure-http", opts.insecureHttp || undefined]] as const) if (set) throw new Error(`--split does not take ${flag}`);
    const { etcdServers, etcdCafile, etcdCertfile, etcdKeyfile, logLevel, nodes } = opts;
    handle = await upSplit({ port: opts.port, host: opts.host, kubeconfig: opts.kubeconfig, stateDir: opts.stateDir, reset: opts.reset, etcdPrefix: opts.etcdPrefix, eventTtlMs: opts.eventTtl, ...(nodes !== undefined ? { nodes } : {}), ...(etcdServers ? { etcdServers } : {}), ...(etcdCafile ? { etcdCafile } : {}), ...(etcdCertfile ? { etcdCertfile } : {}), ...(etcdKeyfile ? { etcdKeyfile } : {}), ...(logLevel ? { logLevel } : {}) }, print);
  } catch (err) {
    process.stderr.write(`kubesim up: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const stop = (signal: string): void => {
    print(`kubesim: ${signal}, stopping every component`);
    void handle.shutdown().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

program
  .command("apiserver")
  .alias("kube-apiserver")
  .description("run the API server alone over a store (the state dir, memory or etcd): the scheduler, controller manager and nodes run as processes of their own (kubesim kube-scheduler|kube-controller-manager|kubelet|kube-proxy --kubeconfig K)")
  .option("--secure-port <port>", "port to serve HTTPS on (0 picks a free one)", integer("--secure-port", 0, 65535), 6443)
  .option("--bind-address <address>", "listen address", "127.0.0.1")
  .option("--kubeconfig <path>", "where to write the admin kubeconfig", ".kubesim/kubeconfig")
  .option("--state-dir <dir>", "where the certificates (ca.crt, ca.key, apiserver.crt, apiserver-kubelet-client.crt), the admin token and the durable store (store/) are kept", ".kubesim")
  .option("--cert-dir <dir>", "keep the certificates, keys and admin token here instead of the state dir (kubeadm's layout: <state-dir>/pki)")
  .addOption(new Option("--storage-backend <backend>", "durable: a write-ahead log in <state-dir>/store; memory: nothing survives a restart; etcd3: --etcd-servers").choices(["durable", "memory", "etcd3"]).default("durable"))
  .option("--reset", "start with an empty durable store", false)
  .option("--etcd-servers <urls>", "keep the objects in etcd (comma-separated client URLs); implies --storage-backend etcd3", (v: string) => v.split(",").map((u) => u.trim()).filter(Boolean))
  .option("--etcd-prefix <prefix>", "key prefix in etcd", "/registry")
  .option("--etcd-cafile <path>", "CA bundle verifying etcd's serving certificates")
  .option("--etcd-certfile <path>", "client certificate for etcd")
  .option("--etcd-keyfile <path>", "client key for etcd")
  .option("--service-cluster-ip-range <cidr>", "the Services' cluster IP range", "10.96.0.0/12")
  .option("--plugins <list>", "API-server side plugins to load (admission plugins, API types), comma-separated", "")
  .option("--insecure-http", "serve plain HTTP instead of HTTPS: loopback only, requests without credentials are cluster admin", false)
  .option("--event-ttl <duration>", "how long Events are kept after their last write, on the cluster clock (kube-apiserver's --event-ttl; 0 keeps them)", duration("--event-ttl"), 3_600_000)
  .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]))
  .action(async (opts: { securePort: number; bindAddress: string; kubeconfig: string; stateDir: string; certDir?: string; storageBackend: "durable" | "memory" | "etcd3"; reset: boolean; etcdServers?: string[]; etcdPrefix: string; etcdCafile?: string; etcdCertfile?: string; etcdKeyfile?: string; serviceClusterIpRange: string; plugins: string; insecureHttp: boolean; eventTtl: number; logLevel?: LogLevel }) => {
    let handle: UpHandle;
    try {
      if (opts.storageBackend === "etcd3" && !opts.etcdServers?.length) throw new Error("--storage-backend etcd3 needs --etcd-servers");
      if (opts.storageBackend === "memory" && opts.etcdServers?.length) throw new Error("--etcd-servers keeps the objects in etcd: drop --storage-backend memory");
      const { securePort, bindAddress, storageBackend, serviceClusterIpRange, plugins, certDir, eventTtl, ...rest } = opts;
      handle = await up({ ...rest, eventTtlMs: eventTtl, ...(certDir ? { certificatesDir: certDir } : {}), port: securePort, host: bindAddress, apiServerOnly: true, memory: storageBackend === "memory", serviceCidr: serviceClusterIpRange, plugins: plugins.split(",").map((p) => p.trim()).filter(Boolean) }, (line) => process.stdout.write(line + "\n"));
    } catch (err) {
      process.stderr.write(`kubesim apiserver: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    shutdownOnSignals(handle);
  });

program
  .command("init")
  .description("kubeadm init: bring up a control plane (API server, controller manager with the bootstrap signer, scheduler, and one control-plane node), publish cluster-info and print the kubesim join command with a new bootstrap token")
  .option("--port <port>", "API server port (0 picks a free one)", integer("--port", 0, 65535), 6443)
  .option("--host <address>", "listen address (the join command's endpoint)", "127.0.0.1")
  .option("--kubeconfig <path>", "where to write admin.conf", ".kubesim/admin.conf")
  .option("--state-dir <dir>", "kubeadm's /etc/kubernetes: pki/ (certificates and keys), admin.conf and the other kubeconfigs, manifests/, and the durable store", ".kubesim")
  .option("--pod-network-cidr <cidr>", "the pods' network; node CIDRs are cut from it", "10.244.0.0/16")
  .option("--service-cidr <cidr>", "the Services' cluster IP range", "10.96.0.0/12")
  .option("--token <token>", "the bootstrap token to create ([a-z0-9]{6}.[a-z0-9]{16}; default: a new random one)")
  .option("--token-ttl <hours>", "hours before the token expires (0: never)", integer("--token-ttl", 0, 87600), 24)
  .option("--nodes <n>", "nodes in this process (the first is the control plane)", integer("--nodes", 1, 5000), 1)
  .option("--reset", "start with an empty cluster", false)
  .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]))
  .action(async (opts: { port: number; host: string; kubeconfig: string; stateDir: string; podNetworkCidr: string; serviceCidr: string; token?: string; tokenTtl: number; nodes: number; reset: boolean; logLevel?: LogLevel }) => {
    const { publishClusterInfo, publishBootstrapRbac, createBootstrapToken, joinCommand } = await import("./kubeadm.js");
    const { ensureKubeadmPki, writeKubeadmKubeconfigs, writeStaticPodManifests, PKI_DIR } = await import("./kubeadm-pki.js");
    const { join: joinPath } = await import("node:path");
    let handle: UpHandle;
    try {
      const pkiDir = joinPath(opts.stateDir, PKI_DIR);
      handle = await up({ port: opts.port, host: opts.host, kubeconfig: opts.kubeconfig, stateDir: opts.stateDir, certificatesDir: pkiDir, reset: opts.reset, nodes: opts.nodes, podNetworkCidr: opts.podNetworkCidr, serviceCidr: opts.serviceCidr, insecureHttp: false, dns: true, ingress: false, kubeStateMetrics: false, nodeExporter: false, logging: false, dnsPort: 0, extraControllers: ["bootstrapsigner"], ...(opts.logLevel ? { logLevel: opts.logLevel } : {}) }, (line) => process.stdout.write(line + "\n"));
      const client = handle.cluster.client;
      // kubeadm's layout: the pki tree, the components' kubeconfigs and the control plane's static pod manifests.
      const nodeName = [...handle.cluster.nodes.keys()][0]!;
      await ensureKubeadmPki(pkiDir, { nodeName, hostIp: opts.host });
      await writeKubeadmKubeconfigs(opts.stateDir, handle.url, nodeName);
      writeStaticPodManifests(opts.stateDir, { advertiseAddress: opts.host, port: new URL(handle.url).port ? Number(new URL(handle.url).port) : 443, serviceCidr: opts.serviceCidr, podNetworkCidr: opts.podNetworkCidr, nodeName });
      process.stdout.write(`[certs] wrote kubeadm's certificate tree to ${pkiDir}\n[kubeconfig] wrote admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf and kubelet.conf to ${opts.stateDir}\n[control-plane] wrote static Pod manifests to ${joinPath(opts.stateDir, "manifests")}\n`);
      await publishClusterInfo(client, handle.url, handle.caData!);
      await publishBootstrapRbac(client);
      const token = await createBootstrapToken(client, { now: Date.now(), ttlMs: opts.tokenTtl * 3600_000, description: "The default bootstrap token generated by 'kubesim init'.", ...(opts.token ? { token: opts.token } : {}) });
      process.stdout.write(`\nYour Kubernetes control-plane has initialized successfully!\n\nTo start using your cluster, run:\n\n  export KUBECONFIG=${handle.kubeconfig}\n\nThen you can join any number of worker nodes by running the following on each:\n\n${joinCommand(handle.url, token, handle.caData!)}\n`);
    } catch (err) {
      process.stderr.write(`kubesim init: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    shutdownOnSignals(handle);
  });

program
  .command("token")
  .description("manage bootstrap tokens (kubeadm token)")
  .command("create")
  .description("create a bootstrap token for joining nodes (a Secret in kube-system); the bootstrap signer signs cluster-info with it")
  .argument("[token]", "the token ([a-z0-9]{6}.[a-z0-9]{16}; default: a new random one)")
  .option("--ttl <hours>", "hours before the token expires (0: never)", integer("--ttl", 0, 87600), 24)
  .option("--description <text>", "a description of the token")
  .option("--print-join-command", "print the whole kubesim join command instead of the token alone", false)
  .option("--kubeconfig <path>", "admin kubeconfig (default: $KUBECONFIG, else .kubesim/kubeconfig)")
  .action(async (token: string | undefined, opts: { ttl: number; description?: string; printJoinCommand: boolean; kubeconfig?: string }) => {
    const { createBootstrapToken, joinCommand } = await import("./kubeadm.js");
    const { HttpClient } = await import("../client/http-client.js");
    const { readKubeconfig, resolveContext } = await import("../client/kubeconfig.js");
    const { dirname } = await import("node:path");
    try {
      const path = kubeconfigPath(opts.kubeconfig);
      const ctx = resolveContext(readKubeconfig(path), undefined, dirname(path));
      const client = new HttpClient({ ...ctx });
      try {
        const created = await createBootstrapToken(client, { now: Date.now(), ttlMs: opts.ttl * 3600_000, ...(token ? { token } : {}), ...(opts.description ? { description: opts.description } : {}) });
        if (!opts.printJoinCommand) process.stdout.write(created + "\n");
        else if (!ctx.caData) throw new Error("the kubeconfig has no CA (certificate-authority-data): a join command needs the CA's hash");
        else process.stdout.write(joinCommand(ctx.server, created, ctx.caData).replace(" \\\n\t", " ") + "\n");
      } finally {
        client.close();
      }
    } catch (err) {
      process.stderr.write(`kubesim token create: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  });

const node = program.command("node").description("inspect a node of a running cluster (through the kubeconfig)");
node
  .command("exec")
  .description("run a program on a node's shell, e.g. `kubesim node exec kubesim-worker -- iptables-save -t nat`")
  .argument("<node>", "node name")
  .argument("<argv...>", "the program and its arguments (after --)")
  .option("--kubeconfig <path>", "kubeconfig of the cluster (default: $KUBECONFIG, else .kubesim/kubeconfig)")
  .option("--context <name>", "kubeconfig context")
  .action(async (nodeName: string, argv: string[], opts: { kubeconfig?: string; context?: string }) => {
    try {
      const r = await callKubesim<{ stdout: string; stderr?: string; exitCode: number }>(kubeconfigPath(opts.kubeconfig), opts.context, `/kubesim/v1/nodes/${encodeURIComponent(nodeName)}/exec`, { argv });
      process.stdout.write(r.stdout);
      if (r.stderr) process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    } catch (err) {
      process.stderr.write(`kubesim node exec: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  });

program
  .command("trace")
  .description("walk a packet through the pod network and print each hop: endpoints are pod/<ns>/<name>[:port], node/<name>, svc/<ns>/<name>:<port>, nodeport/<node>:<port>, outside, <ip>[:port]")
  .argument("<from>", "source endpoint")
  .argument("<to>", "destination endpoint")
  .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
  .addOption(new Option("--protocol <protocol>", "protocol").choices(["tcp", "udp"]).default("tcp"))
  .option("--payload <bytes>", "payload bytes (to probe the MTU)", integer("--payload", 0, 65000))
  .option("--kubeconfig <path>", "kubeconfig of the cluster (default: $KUBECONFIG, else .kubesim/kubeconfig)")
  .option("--context <name>", "kubeconfig context")
  .action(async (from: string, to: string, opts: { output: string; protocol: string; payload?: number; kubeconfig?: string; context?: string }) => {
    try {
      const t = await callKubesim<TraceResult>(kubeconfigPath(opts.kubeconfig), opts.context, "/kubesim/v1/trace", { from, to, protocol: opts.protocol, ...(opts.payload !== undefined ? { payload: opts.payload } : {}) });
      process.stdout.write(opts.output === "json" ? JSON.stringify(t, null, 2) + "\n" : formatTrace(t));
      process.exitCode = t.outcome === "delivered" ? 0 : 1;
    } catch (err) {
      process.stderr.write(`kubesim trace: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  });

program
  .command("prometheus-config")
  .description("print a Prometheus scrape configuration for the running cluster: every component scraped through the API server's proxy subresources, with the kubeconfig's credentials")
  .option("--kubeconfig <path>", "kubeconfig of the cluster (default: $KUBECONFIG, else .kubesim/kubeconfig)")
  .option("--context <name>", "kubeconfig context")
  .option("--server <url>", "the API server URL Prometheus should use (default: the kubeconfig's)")
  .option("--ca-file <path>", "where to write the cluster CA for tls_config.ca_file (default: prometheus-ca.crt next to the kubeconfig)")
  .option("--cert-file <path>", "where to write an inline client certificate (default: prometheus-client.crt next to the kubeconfig)")
  .option("--key-file <path>", "where to write an inline client key (default: prometheus-client.key next to the kubeconfig)")
  .option("--scrape-interval <duration>", "global scrape_interval", "15s")
  .action(async (opts: { kubeconfig?: string; context?: string; server?: string; caFile?: string; certFile?: string; keyFile?: string; scrapeInterval: string }) => {
    const { prometheusConfig } = await import("./prometheus-config.js");
    const { HttpClient } = await import("../client/http-client.js");
    const { readKubeconfig, resolveContext } = await import("../client/kubeconfig.js");
    const { dirname, join, resolve } = await import("node:path");
    try {
      const path = kubeconfigPath(opts.kubeconfig);
      const dir = dirname(resolve(path));
      const ctx = resolveContext(readKubeconfig(path), opts.context, dir);
      if (opts.server) ctx.server = opts.server;
      const client = new HttpClient({ ...ctx });
      try {
        process.stdout.write(await prometheusConfig(client, ctx, { scrapeInterval: opts.scrapeInterval, caFile: resolve(opts.caFile ?? join(dir, "prometheus-ca.crt")), certFile: resolve(opts.certFile ?? join(dir, "prometheus-client.crt")), keyFile: resolve(opts.keyFile ?? join(dir, "prometheus-client.key")) }));
      } finally {
        client.close();
      }
    } catch (err) {
      process.stderr.write(`kubesim prometheus-config: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  });

program
  .command("scheduler")
  .alias("kube-scheduler")
  .description("run kube-scheduler against an API server over HTTP (leader-elected on kube-system/kube-scheduler)")
  .requiredOption("--kubeconfig <path>", "kubeconfig of the API server to schedule for")
  .option("--config <path>", "KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)")
  .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]).default("info"))
  .action(async (opts: { kubeconfig: string; config?: string; logLevel: LogLevel }) => {
    // Loaded lazily: the scheduler is a plugin, not part of the core.
    const { runStandaloneScheduler } = await import("../../plugins/kube-scheduler/standalone.js");
    let handle;
    try {
      handle = await runStandaloneScheduler(opts);
    } catch (err) {
      process.stderr.write(`kubesim scheduler: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    const stop = (): void => void handle.stop().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

program
  .command("explain-schedule")
  .description("explain how a pod is scheduled: each node's Filter verdict and each plugin's scores")
  .argument("<pod>", "the pod, as namespace/name (or name in default)")
  .option("--kubeconfig <path>", "kubeconfig of the cluster", ".kubesim/kubeconfig")
  .option("--timeout <seconds>", "how long to wait for the scheduler's answer", integer("--timeout", 1, 600), 10)
  .action(async (pod: string, opts: { kubeconfig: string; timeout: number }) => {
    const { explainSchedule } = await import("../../plugins/kube-scheduler/index.js");
    const { HttpClient } = await import("../client/http-client.js");
    try {
      process.stdout.write((await explainSchedule(HttpClient.fromKubeconfig(opts.kubeconfig), pod, { timeoutMs: opts.timeout * 1000 })) + "\n");
    } catch (err) {
      process.stderr.write(`kubesim explain-schedule: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
  });
program
  .command("compare")
  .description("run the same cluster and workload once per network plugin and write a side-by-side report (Markdown and HTML)")
  .requiredOption("--cni <list>", "comma-separated: flannel, flannel:host-gw, flannel:udp, calico, calico:bgp, calico:vxlan, calico:ipip-crosssubnet, calico:vxlan-crosssubnet")
  .option("--nodes <n>", "nodes per cluster", integer("--nodes", 3, 200), 5)
  .option("--out <dir>", "where report.md and report.html go", "kubesim-compare")
  .action(async (opts: { cni: string; nodes: number; out: string }) => {
    // Loaded lazily: the comparison drives the network plugins, which are not part of the core.
    const { writeComparison } = await import("../../plugins/network-compare/index.js");
    try {
      const { files } = await writeComparison({ cni: opts.cni.split(","), nodes: opts.nodes, out: opts.out });
      process.stdout.write(files.map((f) => `wrote ${f}\n`).join(""));
    } catch (err) {
      process.stderr.write(`kubesim compare: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  });
// Components shipped as plugins bring their own subcommand (and flags); loaded only when named.
// Each is also reachable by the upstream binary's name (`kubesim kube-controller-manager`).
const COMPONENT_COMMANDS: Record<string, { plugin: string; factory: string; description: string; alias?: string }> = {
  "controller-manager": { plugin: "kube-controller-manager", factory: "controllerManagerCommand", description: "run kube-controller-manager against an API server over HTTP (--kubeconfig K)", alias: "kube-controller-manager" },
  kubelet: { plugin: "kubelet", factory: "kubeletCommand", description: "run a node's kubelet, container runtime and pod network against an API server over HTTP (--kubeconfig K --node-name N)" },
  join: { plugin: "kubelet", factory: "joinCommand", description: "kubeadm join: discover the cluster with a bootstrap token (checking cluster-info's signature and the CA's pinned hash) and run this node's kubelet and kube-proxy against it" },
  "kube-proxy": { plugin: "kube-proxy", factory: "kubeProxyCommand", description: "run kube-proxy for a node against an API server over HTTP (--kubeconfig K --node-name N)" },
};
const requested = process.argv[2];
for (const [name, spec] of Object.entries(COMPONENT_COMMANDS)) {
  if (requested !== name && (!spec.alias || requested !== spec.alias)) {
    const stub = program.command(name).description(spec.description).allowUnknownOption().helpOption(false);
    if (spec.alias) stub.alias(spec.alias);
    continue;
  }
  const path = builtInPluginPath(spec.plugin);
  if (!path) throw new Error(`kubesim ${name}: the ${spec.plugin} plugin is not installed`);
  const mod = (await import(pathToFileURL(path).href)) as Record<string, () => Command>;
  const command = mod[spec.factory]!();
  if (spec.alias) command.alias(spec.alias);
  program.addCommand(command);
}

await program.parseAsync(process.argv);
