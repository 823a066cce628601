import type { Process } from "../../../core/cri/process.js";
import { parseCorefile } from "../corefile/parse.js";
import type { DnsServer } from "./dns-server.js";
import type { DnsInformers, DnsTransport } from "./handler.js";
import type { HostDnsListener } from "./host-listener.js";

/** The files of a CoreDNS pod a worker reads as that pod does. */
const MIRRORED_FILES = ["/etc/resolv.conf", "/etc/hosts"];

/** What the host-port workers are given besides the pod they mirror. */
export interface HostWorkersOptions {
  /** Worker processes (at least 1). */
  workers: number;
  /** The cluster's informers (the workers replicate Services, EndpointSlices, Namespaces ...). */
  informers: DnsInformers;
  /** The directives the workers have (the built-in plugins): a Corefile needing others is served in process. */
  builtins: ReadonlySet<string>;
  /** Upstream exchanges (forward) of the workers, made from a node as the pods' go out through it. */
  transport: DnsTransport;
  /** Told what happens to the workers (started, crashed, served in process instead, and why). */
  report(level: "info" | "warn" | "error", message: string): void;
}

interface RunningPod {
  readonly server: DnsServer;
  readonly process: Process;
  readonly offLoad: () => void;
}

/**
 * Serves the host port's UDP queries from worker processes that mirror a running CoreDNS pod: the
 * Corefile it runs (followed through its reloads) and the files its plugins read, answering from
 * replicas of the cluster's informers; their log lines go to that pod's log, as the queries
 * relayed to a pod were logged by it. While no CoreDNS pod runs (nothing would answer a relayed
 * query either), or when the pod's Corefile needs a plugin the workers do not have, the listener
 * answers in this process. Changes are applied one at a time, in order.
 */
export class HostWorkers {
  private readonly pods: RunningPod[] = [];
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The reason the last Corefile was served in process (reported once per Corefile). */
  private inProcessFor: string | undefined;

  constructor(
    private readonly listener: HostDnsListener,
    private readonly options: HostWorkersOptions,
  ) {}

  /** A CoreDNS pod's server started: mirror it (or keep mirroring the first). Returns its detach. */
  podStarted(server: DnsServer, process: Process): () => void {
    const pod: RunningPod = { server, process, offLoad: server.onLoad(() => this.reconcile()) };
    this.pods.push(pod);
    this.reconcile();
    return () => {
      pod.offLoad();
      const i = this.pods.indexOf(pod);
      if (i >= 0) this.pods.splice(i, 1);
      this.reconcile();
    };
  }

  /** Stops following the pods; closing the listener then stops the workers. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
  }

  /** Brings the workers in line with the pod mirrored now (queued behind earlier changes). */
  private reconcile(): void {
    this.queue = this.queue.then(() => this.apply()).catch((err: unknown) => this.options.report("error", `host DNS workers: ${err instanceof Error ? err.message : String(err)}; UDP is answered in process`));
  }

  private async apply(): Promise<void> {
    if (this.stopped) return;
    const pod = this.pods[0];
    const corefile = pod?.server.corefile;
    if (!pod || corefile === undefined) return void (await this.listener.useWorkers(undefined));
    const missing = this.unavailable(corefile);
    if (missing) {
      if (this.inProcessFor !== corefile) this.options.report("warn", `host DNS workers: the Corefile uses ${missing}, which the workers do not have; UDP is answered in process`);
      this.inProcessFor = corefile;
      return void (await this.listener.useWorkers(undefined));
    }
    this.inProcessFor = undefined;
    const files = Object.fromEntries(MIRRORED_FILES.flatMap((path) => {
      const text = pod.process.fs.read(path);
      return text === undefined ? [] : [[path, text]];
    }));
    const pool = this.listener.workers;
    if (!pool) {
      const started = await this.listener.useWorkers({
        workers: this.options.workers,
        corefile,
        port: 53,
        files,
        informers: this.options.informers,
        transport: this.options.transport,
        hostname: pod.process.hostname,
        // Into the log of the pod mirrored when the line arrives.
        log: (level, text) => this.pods[0]?.process.stdout(`[${level}] ${text}\n`),
        onCrash: (index, how) => this.options.report("error", `host DNS worker ${index}: ${how}`),
      });
      if (started) this.options.report("info", `host DNS: UDP answered by ${started.size} worker process(es) (pids ${started.pids.join(", ")})`);
    } else if (pool.runningCorefile !== corefile || !sameFiles(pool.runningFiles, files)) pool.reload(corefile, files);
  }

  /** The first directive of `corefile` the workers do not have (`plugin "x"`), or undefined. */
  private unavailable(corefile: string): string | undefined {
    try {
      for (const block of parseCorefile(corefile)) for (const d of block.directives) if (!this.options.builtins.has(d.name)) return `plugin "${d.name}"`;
    } catch {
      // A pod runs it, so it parses; if not, the workers report the error themselves.
    }
    return undefined;
  }
}

function sameFiles(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
