import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Socket } from "node:dgram";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import type { ObjectLike } from "../../../core/api/object.js";
import { isTombstone } from "../../../core/informers/tombstone.js";
import type { EventHandlerRegistration } from "../../../core/informers/event-handler.js";
import type { ReplicaEvent } from "../kubernetes/replica-informers.js";
import type { DnsInformers, DnsLog, DnsTransport } from "./handler.js";
import { withoutEmptyFamilies } from "./metrics.js";

/** What a worker is told, and tells back (structured-clone IPC). */
export type ToWorker =
  | { t: "init"; corefile: string; port: number; files: Record<string, string>; hostname: string; seed: number }
  | { t: "socket" }
  | { t: "events"; kind: string; events: ReplicaEvent[] }
  | { t: "synced"; kind: string }
  | { t: "metrics"; id: number }
  | { t: "exchanged"; id: number; answer?: Uint8Array; error?: string };
export type FromWorker =
  | { t: "watch"; kind: string }
  | { t: "ready" }
  | { t: "serving" }
  | { t: "failed"; message: string }
  | { t: "log"; lines: [Parameters<DnsLog>[0], string][] }
  | { t: "metrics"; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { t: "exchange"; id: number; query: Uint8Array; address: string; port: number; protocol: "udp" | "tcp"; timeoutMs: number };

/** How UDP workers serve: the configuration and the cluster they answer from. */
export interface UdpWorkerOptions {
  /** Worker processes (at least 1). */
  workers: number;
  /** The Corefile every worker loads (built-in plugins only). */
  corefile: string;
  /** The Corefile port the queries are taken as arriving on (selects the server blocks; 53). */
  port: number;
  /** The source of truth the workers' kubernetes plugin replicates. */
  informers: DnsInformers;
  /** Files a worker's plugins read (`/etc/resolv.conf`, `/etc/hosts`). */
  files?: Record<string, string>;
  /** Receives the workers' log lines (log and errors plugins). */
  log?: DnsLog;
  /** Upstream exchanges of the workers' forward plugin, made by this process. */
  transport?: DnsTransport;
  hostname?: string;
  /** Milliseconds a worker may take to load and sync (default 60 s). */
  startTimeoutMs?: number;
}

/** The worker's source, relative to the package root; the build mirrors it under `dist/` as `.js`. */
const WORKER_SOURCE = "plugins/coredns/server/udp-worker-process";

/**
 * The file a worker process starts from. From the sources (tsx) it is the `.ts` beside this one.
 * Built (tsup's `dist/`, the bench runner's bundle) this module may sit in a shared chunk anywhere
 * under `dist/`, so the worker is found from the package root instead: the nearest directory above
 * with a `package.json`, holding `dist/plugins/coredns/server/udp-worker-process.js` (every
 * `*-process.ts` file under `plugins/` is built as its own entry at its mirrored path).
 */
export function workerEntry(self: string = import.meta.url): string {
  const here = fileURLToPath(self);
  if (here.endsWith(".ts")) return join(dirname(here), "udp-worker-process.ts");
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) {
      const built = join(dir, "dist", `${WORKER_SOURCE}.js`);
      if (existsSync(built)) return built;
    }
    if (dirname(dir) === dir) throw new Error(`the DNS worker entry (dist/${WORKER_SOURCE}.js) is not built beside ${here}`);
  }
}

/** The metrics every worker reports alike (merged as one value, not summed). */
const SAME_IN_EVERY_WORKER = new Set(["coredns_build_info", "coredns_plugin_enabled"]);

/**
 * CoreDNS server processes answering one UDP socket: each worker (a child process, given the
 * socket's handle) loads the same Corefile and answers from replicas of this process's informers,
 * kept current by the events forwarded to it; this process stays the source of truth, receives
 * the workers' log lines and makes their upstream exchanges. Several processes on one socket use
 * every core for the per-datagram cost a single event loop pays (Node 20 has no SO_REUSEPORT for
 * dgram; a handle passed between processes is the shared socket). Metrics merge the workers'
 * (counters and histograms summed).
 */
export class UdpWorkerPool {
  private readonly children: ChildProcess[] = [];
  private readonly registrations: EventHandlerRegistration[] = [];
  private readonly pendingMetrics = new Map<number, (m: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  private nextId = 0;
  private stopped = false;

  private constructor(private readonly options: UdpWorkerOptions) {}

  /**
   * Starts the workers, waits until each has loaded the Corefile and synced its replicas, then
   * hands each the socket. Resolves once all of them answer on it (the caller may then close its own
   * copy of the socket); rejects with the first worker's error (the Corefile, a plugin the workers
   * do not have) after stopping them.
   */
  static async start(socket: Socket, options: UdpWorkerOptions): Promise<UdpWorkerPool> {
    const pool = new UdpWorkerPool(options);
    try {
      await Promise.all(Array.from({ length: Math.max(1, options.workers) }, (_v, i) => pool.startWorker(socket, i)));
    } catch (err) {
      await pool.stop();
      throw err;
    }
    return pool;
  }

  /** The number of workers serving. */
  get size(): number {
    return this.children.length;
  }

  /** The workers' process IDs (benchmarks read their CPU time). */
  get pids(): number[] {
    return this.children.map((c) => c.pid!).filter((p) => p !== undefined);
  }

  private startWorker(socket: Socket, index: number): Promise<void> {
    const child = fork(workerEntry(), [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.children.push(child);
    const o = this.options;
    const send = (m: ToWorker, handle?: Socket): void => {
      if (child.connected) child.send(m, handle as never);
    };
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`DNS worker ${index} did not start within ${o.startTimeoutMs ?? 60_000} ms`)), o.startTimeoutMs ?? 60_000);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      child.once("error", fail);
      child.once("exit", (code) => fail(new Error(`DNS worker ${index} exited (code ${code})`)));
      child.on("message", (m: FromWorker) => {
        switch (m.t) {
          case "watch":
            this.replicate(m.kind, send);
            break;
          case "ready":
            send({ t: "socket" }, socket);
            break;
          case "serving":
            clearTimeout(timer);
            resolve();
            break;
          case "failed":
            fail(new Error(m.message));
            break;
          case "log":
            for (const [level, text] of m.lines) o.log?.(level, text);
            break;
          case "metrics":
            this.pendingMetrics.get(m.id)?.(m.metrics);
            break;
          case "exchange": {
            const transport = o.transport;
            if (!transport) send({ t: "exchanged", id: m.id, error: "no upstream from the host-port worker" });
            else
              transport.exchange(m.query, m.address, m.port, { protocol: m.protocol, timeoutMs: m.timeoutMs }).then(
                (answer) => send({ t: "exchanged", id: m.id, answer }),
                (err: unknown) => send({ t: "exchanged", id: m.id, error: err instanceof Error ? err.message : String(err) }),
              );
            break;
          }
        }
      });
      send({ t: "init", corefile: o.corefile, port: o.port, files: o.files ?? {}, hostname: o.hostname ?? "coredns", seed: index + 1 });
    });
  }

  /** Forwards `kind`'s objects and changes to a worker, batched per turn of the event loop. */
  private replicate(kind: string, send: (m: ToWorker) => void): void {
    let batch: ReplicaEvent[] = [];
    let scheduled = false;
    let synced = false;
    const flush = (): void => {
      scheduled = false;
      if (batch.length) send({ t: "events", kind, events: batch });
      batch = [];
      if (!synced && registration.hasSynced()) {
        synced = true;
        send({ t: "synced", kind });
      }
    };
    const push = (e: ReplicaEvent): void => {
      batch.push(e);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    const registration = this.options.informers.forResource<ObjectLike>(kind).addEventHandler({
      onAdd: (o) => push(["add", o]),
      onUpdate: (_old, o) => push(["update", o]),
      onDelete: (o) => push(["delete", isTombstone(o) ? o.obj : o]),
    });
    this.registrations.push(registration);
    if (this.options.informers.all().some((i) => !i.isStarted())) this.options.informers.start();
    // An informer with nothing to list syncs without an event: look until it has.
    const poll = (): void => {
      if (this.stopped || synced) return;
      if (!scheduled) flush();
      if (!synced) setTimeout(poll, 10).unref();
    };
    poll();
  }

  /** The workers' metrics merged, in the Prometheus text format (counters and histograms summed). */
  async exposition(): Promise<string> {
    const all = await Promise.all(
      this.children.filter((c) => c.connected).map(
        (c) =>
          new Promise<MetricObjectWithValues<MetricValue<string>>[]>((resolve) => {
            const id = this.nextId++;
            const timer = setTimeout(() => done([]), 5000);
            const done = (m: MetricObjectWithValues<MetricValue<string>>[]): void => {
              clearTimeout(timer);
              this.pendingMetrics.delete(id);
              resolve(m);
            };
            this.pendingMetrics.set(id, done);
            c.send({ t: "metrics", id } satisfies ToWorker);
          }),
      ),
    );
    for (const metrics of all) for (const m of metrics) if (SAME_IN_EVERY_WORKER.has(m.name)) (m as { aggregator: string }).aggregator = "max";
    return withoutEmptyFamilies(await AggregatorRegistry.aggregate(all).metrics());
  }

  /** Stops every worker (they close their copies of the socket) and the replication. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.registrations) r.remove();
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.removeAllListeners("exit");
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
          }),
      ),
    );
  }
}
