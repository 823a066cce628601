import { spawn, type ChildProcess } from "node:child_process";
import { formatGoDuration } from "../api/duration.js";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { HttpClient } from "../client/http-client.js";
import type { LogLevel } from "../log/logger.js";
import { kubeconfigFor, readKubeconfig, writeKubeconfig } from "../client/kubeconfig.js";
import { ensureKubeadmPki, PKI_DIR, writeKubeadmKubeconfigs } from "./kubeadm-pki.js";
import { KUBE_PROXY_IDENTITY, readCertificateAuthority, writeComponentKubeconfig } from "./component-kubeconfigs.js";
import { createBootstrapToken, publishBootstrapRbac } from "./kubeadm.js";
import { createObjects } from "../cluster/create-objects.js";

/** The pod network the kubelets are started with (`kubesim kubelet --cluster-cidr` default, kind's). */
const CLUSTER_CIDR = "10.244.0.0/16";

/** What `kubesim up --split` runs: the same cluster as `kubesim up`, one OS process per component. */
export interface SplitOptions {
  port: number;
  host: string;
  kubeconfig: string;
  stateDir: string;
  /** Nodes (one control plane, the rest workers; default 3), each a kubelet process, with kube-proxy inside it. */
  nodes?: number;
  reset?: boolean;
  /** The API server's `--event-ttl` in milliseconds (default 1 h). */
  eventTtlMs?: number;
  etcdServers?: readonly string[];
  etcdPrefix?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  logLevel?: LogLevel;
}

/** A running `kubesim up --split`: the API server's URL and the children; `shutdown` stops them all. */
export interface SplitHandle {
  url: string;
  kubeconfig: string;
  /** The component processes by name (`kube-apiserver`, `kube-scheduler`, `kubelet/<node>`, ...). */
  readonly children: ReadonlyMap<string, ChildProcess>;
  shutdown(): Promise<void>;
}

/** kind's node names, as `kubesim up` gives them: `kubesim-control-plane`, `kubesim-worker`, `kubesim-worker2`, ... */
function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? "kubesim-control-plane" : i === 1 ? "kubesim-worker" : `kubesim-worker${i}`));
}

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the first match of `pattern` in the child's output; rejects when it exits first. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
}

/**
 * Starts `kubesim <args>` (this same program, with this Node's flags) as a child. Its output lines
 * are printed with `[name] ` in front. It gets `KUBESIM_EXIT_WITH_PARENT=1`, so it stops itself
 * when this process dies without stopping it (kill -9).
 */
function startChild(name: string, args: readonly string[], print: (line: string) => void): Child {
  const child = spawn(process.execPath, [...process.execArgv, resolvePath(process.argv[1]!), ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBESIM_EXIT_WITH_PARENT: "1" } });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    const text = d.toString();
    out += text;
    for (const line of text.split("\n")) if (line.trim()) print(`[${name}] ${line}`);
    for (const l of listeners) l();
  };
  let partial = "";
  const lines = (d: Buffer): void => {
    // Whole lines only, so prefixes never land mid-line.
    const text = partial + d.toString();
    const cut = text.lastIndexOf("\n");
    partial = cut < 0 ? text : text.slice(cut + 1);
    if (cut >= 0) onData(Buffer.from(text.slice(0, cut + 1)));
  };
  child.stdout!.on("data", lines);
  child.stderr!.on("data", lines);
  return {
    name,
    process: child,
    waitFor: (pattern, ms = 180_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(out);
          if (!m) return;
          cleanup();
          resolve(m);
        };
        const onExit = (code: number | null): void => {
          cleanup();
          reject(new Error(`${name} exited (${code ?? "signal"}) before it was ready:\n${out.trim()}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name} was not ready within ${ms / 1000} s:\n${out.trim()}`));
        }, ms);
        const cleanup = (): void => {
          listeners.delete(check);
          clearTimeout(timer);
          child.off("exit", onExit);
        };
        listeners.add(check);
        child.once("exit", onExit);
        check();
      }),
  };
}

/** Whether the kubeconfig at `path` exists and names `server`. */
function sameServer(path: string, server: string): boolean {
  try {
    return readKubeconfig(path).clusters.some((c) => c.cluster.server === server);
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const force = setTimeout(() => child.kill("SIGKILL"), graceMs);
  return exited.finally(() => clearTimeout(force));
}

/**
 * `kubesim up --split`: the cluster `kubesim up` runs, as the seeds' architecture draws it — one
 * OS process per component, all talking to the API server over HTTPS: `kubesim apiserver`
 * (durable store in the state dir, or etcd), then `kube-controller-manager` and `kube-scheduler`
 * (leader-elected), and per node a `kubelet` running kube-proxy with its own credentials
 * (`--proxy-kubeconfig`): a node's iptables live in its process, as kube-proxy's hostNetwork pod
 * shares its node's kernel. Certificates and kubeconfigs
 * follow kubeadm's layout (`<state-dir>/pki`, `controller-manager.conf`, ...). Every child stops
 * when `shutdown` is called or when this process dies.
 */
export async function upSplit(options: SplitOptions, print: (line: string) => void): Promise<SplitHandle> {
  const stateDir = resolvePath(options.stateDir);
  const pkiDir = join(stateDir, PKI_DIR);
  const kubeconfig = resolvePath(options.kubeconfig);
  mkdirSync(stateDir, { recursive: true });
  const children = new Map<string, Child>();
  let stopping = false;
  const start = (name: string, args: readonly string[]): Child => {
    const child = startChild(name, [...args, ...(options.logLevel ? ["--log-level", options.logLevel] : [])], print);
    children.set(name, child);
    child.process.once("exit", (code, signal) => {
      if (!stopping) print(`kubesim: ${name} exited (${signal ?? `code ${code}`})`);
    });
    return child;
  };
  const shutdown = async (): Promise<void> => {
    stopping = true;
    // Components first (kubelets stop their pods, the controller manager gives up its lease), the API server last.
    await Promise.all([...children.values()].filter((c) => c.name !== "kube-apiserver").map((c) => stopChild(c.process)));
    const apiserver = children.get("kube-apiserver");
    if (apiserver) await stopChild(apiserver.process);
  };
  try {
    const etcd = options.etcdServers?.length
      ? ["--etcd-servers", options.etcdServers.join(","), ...(options.etcdPrefix ? ["--etcd-prefix", options.etcdPrefix] : []), ...(options.etcdCafile ? ["--etcd-cafile", options.etcdCafile] : []), ...(options.etcdCertfile ? ["--etcd-certfile", options.etcdCertfile] : []), ...(options.etcdKeyfile ? ["--etcd-keyfile", options.etcdKeyfile] : [])]
      : [];
    const apiserver = start("kube-apiserver", ["apiserver", "--secure-port", String(options.port), "--bind-address", options.host, "--kubeconfig", kubeconfig, "--state-dir", stateDir, "--cert-dir", pkiDir, ...(options.reset ? ["--reset"] : []), ...(options.eventTtlMs !== undefined ? ["--event-ttl", formatGoDuration(options.eventTtlMs)] : []), ...etcd]);
    const url = (await apiserver.waitFor(/serving the Kubernetes API at (https:\/\/\S+)/))[1]!;
    await apiserver.waitFor(/^ready/m);
    const names = nodeNames(options.nodes ?? 3);
    await ensureKubeadmPki(pkiDir, { nodeName: names[0]!, hostIp: options.host });
    await writeKubeadmKubeconfigs(stateDir, url);
    // Every component acts as its own user, as kubeadm runs them, and the API server authorizes
    // each by Node,RBAC: kube-controller-manager as system:kube-controller-manager (controller-manager.conf),
    // each of its controllers with a token of its own service account (--use-service-account-credentials);
    // kube-scheduler as system:kube-scheduler (scheduler.conf); kube-proxy as system:kube-proxy
    // (system:node-proxier); each kubelet as system:node:<node> in system:nodes, with a client
    // certificate it bootstraps with a bootstrap token (a CSR the controller manager approves and signs).
    const ca = readCertificateAuthority(pkiDir);
    const proxyKubeconfig = await writeComponentKubeconfig(join(stateDir, "kube-proxy.conf"), { server: url, ca, identity: KUBE_PROXY_IDENTITY });
    const bootstrapKubeconfig = join(stateDir, "bootstrap-kubelet.conf");
    const admin = HttpClient.fromKubeconfig(kubeconfig);
    try {
      await publishBootstrapRbac(admin);
      // What the installer applies with the admin's credentials: the pod network's manifest (kind
      // applies kindnet's) and the scheduler's RBAC for kubesim's explain protocol.
      const { kindnetManifest } = await import("../../plugins/cni-kindnet/index.js");
      const { explainRbac } = await import("../../plugins/kube-scheduler/index.js");
      await createObjects(admin, [...kindnetManifest(CLUSTER_CIDR), ...explainRbac()], (m) => print(`kubesim: ${m}`));
      const token = await createBootstrapToken(admin, { now: Date.now(), description: "The kubelets' bootstrap token of kubesim up --split." });
      writeKubeconfig(bootstrapKubeconfig, kubeconfigFor({ name: "kubernetes", server: url, caPem: ca.certPem, token }));
    } finally {
      admin.close();
    }
    start("kube-controller-manager", ["kube-controller-manager", "--kubeconfig", join(stateDir, "controller-manager.conf"), "--use-service-account-credentials", "true", "--cluster-signing-cert-file", join(pkiDir, "ca.crt"), "--cluster-signing-key-file", join(pkiDir, "ca.key")]);
    start("kube-scheduler", ["kube-scheduler", "--kubeconfig", join(stateDir, "scheduler.conf")]);
    const ready: Promise<unknown>[] = [];
    for (const [i, node] of names.entries()) {
      // The control-plane node is tainted as kubeadm marks it, unless it is the only node.
      const taint = i === 0 && names.length > 1 ? ["--register-with-taints", "node-role.kubernetes.io/control-plane:NoSchedule"] : [];
      // A kubelet.conf of an earlier run may name another server (a new port): the kubelet bootstraps afresh.
      const kubeletDir = join(stateDir, "kubelets", node);
      const kubeletKubeconfig = join(kubeletDir, "kubelet.conf");
      if (!sameServer(kubeletKubeconfig, url)) rmSync(kubeletKubeconfig, { force: true });
      const kubelet = start(`kubelet/${node}`, ["kubelet", "--bootstrap-kubeconfig", bootstrapKubeconfig, "--kubeconfig", kubeletKubeconfig, "--cert-dir", join(kubeletDir, "pki"), "--node-name", node, "--proxy-kubeconfig", proxyKubeconfig, ...taint]);
      ready.push(kubelet.waitFor(/kubelet: running on node/));
    }
    await Promise.all(ready);
    // kubeadm's mark-control-plane: the role label, which a kubelet may not set on itself (NodeRestriction).
    const marker = HttpClient.fromKubeconfig(kubeconfig);
    try {
      await marker.resource("Node").patch(names[0]!, "merge", { metadata: { labels: { "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } } }, { fieldManager: "kubeadm" });
    } finally {
      marker.close();
    }
    print(`kubesim: cluster with ${names.length} node(s) in ${children.size} processes is serving the Kubernetes API at ${url}`);
    print(`processes: ${[...children.entries()].map(([name, c]) => `${name} (pid ${c.process.pid})`).join(", ")}`);
    print(`kubeconfig written to ${kubeconfig}; to use it:`);
    print(``);
    print(`  export KUBECONFIG=${kubeconfig}`);
    print(`  kubectl get nodes`);
    print(``);
    print(`ready (Ctrl-C to stop)`);
    return { url, kubeconfig, children: new Map([...children].map(([n, c]) => [n, c.process])), shutdown };
  } catch (err) {
    await shutdown();
    throw err;
  }
}
