import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { HttpClient } from "../client/http-client.js";
import type { LogLevel } from "../log/logger.js";
import { ensureKubeadmPki, PKI_DIR, writeKubeadmKubeconfigs } from "./kubeadm-pki.js";

/** What `kubesim up --split` runs: the same cluster as `kubesim up`, one OS process per component. */
export interface SplitOptions {
  port: number;
  host: string;
  kubeconfig: string;
  stateDir: string;
  /** Nodes (one control plane, the rest workers; default 3), each a kubelet process and a kube-proxy process. */
  nodes?: number;
  reset?: boolean;
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
 * (leader-elected), and per node a `kubelet` and a `kube-proxy`. Certificates and kubeconfigs
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
    const apiserver = start("kube-apiserver", ["apiserver", "--secure-port", String(options.port), "--bind-address", options.host, "--kubeconfig", kubeconfig, "--state-dir", stateDir, "--cert-dir", pkiDir, ...(options.reset ? ["--reset"] : []), ...etcd]);
    const url = (await apiserver.waitFor(/serving the Kubernetes API at (https:\/\/\S+)/))[1]!;
    await apiserver.waitFor(/^ready/m);
    const names = nodeNames(options.nodes ?? 3);
    await ensureKubeadmPki(pkiDir, { nodeName: names[0]!, hostIp: options.host });
    await writeKubeadmKubeconfigs(stateDir, url);
    // The components authenticate with the admin kubeconfig for now: kubesim's controllers, kindnet's
    // manifest and the scheduler's informers need more than the bootstrap policy grants
    // system:kube-controller-manager, system:kube-scheduler and system:node:<node> (per-component
    // identities are their own piece of work); kubeadm's controller-manager.conf and scheduler.conf are written above.
    const credentials = kubeconfig;
    start("kube-controller-manager", ["kube-controller-manager", "--kubeconfig", credentials]);
    start("kube-scheduler", ["kube-scheduler", "--kubeconfig", credentials]);
    const ready: Promise<unknown>[] = [];
    for (const [i, node] of names.entries()) {
      // The control-plane node is tainted as kubeadm marks it, unless it is the only node.
      const taint = i === 0 && names.length > 1 ? ["--register-with-taints", "node-role.kubernetes.io/control-plane:NoSchedule"] : [];
      const kubelet = start(`kubelet/${node}`, ["kubelet", "--kubeconfig", credentials, "--node-name", node, ...taint]);
      const proxy = start(`kube-proxy/${node}`, ["kube-proxy", "--kubeconfig", credentials, "--node-name", node]);
      ready.push(kubelet.waitFor(/kubelet: running on node/), proxy.waitFor(/kube-proxy: running on node/));
    }
    await Promise.all(ready);
    // kubeadm's mark-control-plane: the role label, which a kubelet may not set on itself (NodeRestriction).
    const admin = HttpClient.fromKubeconfig(kubeconfig);
    try {
      await admin.resource("Node").patch(names[0]!, "merge", { metadata: { labels: { "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } } }, { fieldManager: "kubeadm" });
    } finally {
      admin.close();
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
