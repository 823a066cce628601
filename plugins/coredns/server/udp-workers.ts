import cluster, { type Worker } from "node:cluster";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
  | { t: "bind"; address: string; port: number; type: "udp4" | "udp6" }
  | { t: "reload"; corefile: string; files: Record<string, string> }
  | { t: "events"; kind: string; events: ReplicaEvent[] }
  | { t: "synced"; kind: string }
  | { t: "metrics"; id: number }
  | { t: "exchanged"; id: number; answer?: Uint8Array; error?: string };
export type FromWorker =
  | { t: "listening" }
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
  /**
   * Told when a serving worker exits unexpectedly (`description` says how) or its restart fails;
   * the pool restarts it after a delay that doubles while it keeps failing (0.5 s up to 30 s).
   */
  onCrash?(index: number, description: string): void;
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

/** Restart delays of a crashed worker: doubling from the first, up to the last. */
const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 30_000;
/** A worker that served this long before exiting starts its restarts from the first delay again. */
const STABLE_MS = 10_000;

/** One worker process and what this process keeps for it. */
interface Slot {
  readonly index: number;
  readonly worker: Worker;
  /** The informer handlers feeding its replicas (removed when it exits). */
  readonly registrations: EventHandlerRegistration[];
  /** Who waits for its next step (loaded, serving), told of its failure too. */
  waiter?: { resolve(): void; reject(err: Error): void };
  servingSince?: number;
}

/**
 * CoreDNS server processes answering one UDP port: each worker (a child process forked through
 * node:cluster) loads the same Corefile and answers from replicas of this process's informers,
 * kept current by the events forwarded to it; this process stays the source of truth, receives
 * the workers' log lines and makes their upstream exchanges. The workers bind the port through
 * node:cluster, whose primary (this process) holds the one socket and hands it to each worker
 * without reading it itself: several processes on one socket use every core for the per-datagram
 * cost a single event loop pays (Node 20 has no SO_REUSEPORT for dgram). A worker that exits
 * unexpectedly is reported and restarted; one whose parent goes away (its IPC channel closes)
 * exits. Metrics merge the workers' (counters and histograms summed).
 */
export class UdpWorkerPool {
  private readonly slots: (Slot | undefined)[] = [];
  private readonly pendingMetrics = new Map<number, (m: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  private readonly restarts = new Map<number, NodeJS.Timeout>();
  private readonly failures = new Map<number, number>();
  private bound: { address: string; port: number; type: "udp4" | "udp6" } | undefined;
  private corefile: string;
  private files: Record<string, string>;
  private nextId = 0;
  /** Set once every worker first started: from then on an exit is a crash to restart. */
  private live = false;
  private stopped = false;

  private constructor(private readonly options: UdpWorkerOptions) {
    this.corefile = options.corefile;
    this.files = options.files ?? {};
  }

  /**
   * Starts the workers and waits until each has loaded the Corefile and synced its replicas (they
   * answer nothing until {@link serve}); rejects with the first worker's error (the Corefile, a
   * plugin the workers do not have) after stopping them.
   */
  static async start(options: UdpWorkerOptions): Promise<UdpWorkerPool> {
    const pool = new UdpWorkerPool(options);
    try {
      await Promise.all(Array.from({ length: Math.max(1, options.workers) }, (_v, i) => pool.spawn(i)));
    } catch (err) {
      await pool.stop();
      throw err;
    }
    pool.live = true;
    return pool;
  }

  /**
   * Has every worker answer UDP on `address:port` (one socket, shared through node:cluster; the
   * port must be free of other sockets, this process's included). Resolves once all of them
   * answer; rejects with the bind error (`EADDRINUSE` ...).
   */
  async serve(address: string, port: number): Promise<void> {
    this.bound = { address, port, type: address.includes(":") ? "udp6" : "udp4" };
    const bound = this.bound;
    await Promise.all(
      this.slots.map((slot) => {
        if (!slot) return undefined;
        const serving = this.wait(slot, `DNS worker ${slot.index} did not bind ${address}:${port}`);
        send(slot, { t: "bind", ...bound });
        return serving;
      }),
    );
  }

  /** Has every worker load `corefile` with `files` (a failing Corefile leaves a worker's running one, logged). */
  reload(corefile: string, files: Record<string, string> = this.files): void {
    this.corefile = corefile;
    this.files = files;
    for (const slot of this.slots) if (slot) send(slot, { t: "reload", corefile, files });
  }

  /** The Corefile the workers run (the last one given). */
  get runningCorefile(): string {
    return this.corefile;
  }

  /** The files the workers read (the last ones given). */
  get runningFiles(): Readonly<Record<string, string>> {
    return this.files;
  }

  /** The number of workers answering (a restarted one counts once it binds again). */
  get serving(): number {
    return this.slots.filter((s) => s?.servingSince !== undefined).length;
  }

  /** The number of workers running. */
  get size(): number {
    return this.slots.filter((s) => s !== undefined).length;
  }

  /** The workers' process IDs (benchmarks read their CPU time; tests check they end). */
  get pids(): number[] {
    return this.slots.flatMap((s) => (s?.worker.process.pid !== undefined ? [s.worker.process.pid] : []));
  }

  /** Resolves when `slot`'s next step happens (its waiter is told), rejects on its failure or timeout. */
  private wait(slot: Slot, what: string): Promise<void> {
    const ms = this.options.startTimeoutMs ?? 60_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${what} within ${ms} ms`)), ms);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        if (slot.waiter === waiter) slot.waiter = undefined;
        if (err) reject(err);
        else resolve();
      };
      const waiter = { resolve: () => done(), reject: done };
      slot.waiter = waiter;
    });
  }

  /** Forks worker `index`; resolves once it is loaded and synced (and serving, when the pool serves). */
  private spawn(index: number): Promise<void> {
    cluster.setupPrimary({ exec: workerEntry(), args: [], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const worker = cluster.fork();
    const slot: Slot = { index, worker, registrations: [] };
    this.slots[index] = slot;
    const o = this.options;
    let lastFailure: string | undefined;
    const started = this.wait(slot, `DNS worker ${index} did not start`);
    worker.on("error", (err: Error) => slot.waiter?.reject(err));
    worker.on("exit", (code: number | null, signal: string | null) => {
      for (const r of slot.registrations) r.remove();
      if (this.slots[index] === slot) this.slots[index] = undefined;
      const how = lastFailure ?? `DNS worker ${index} exited (${signal ? `signal ${signal}` : `code ${code}`})`;
      slot.waiter?.reject(new Error(how));
      if (this.live && !this.stopped) this.crashed(index, how, slot.servingSince);
    });
    worker.on("message", (m: FromWorker) => {
      switch (m.t) {
        case "listening":
          // Sent only now: a message reaching a worker before its module listens would be lost.
          send(slot, { t: "init", corefile: this.corefile, port: o.port, files: this.files, hostname: o.hostname ?? "coredns", seed: index + 1 });
          break;
        case "watch":
          this.replicate(m.kind, slot);
          break;
        case "ready":
          if (this.bound) send(slot, { t: "bind", ...this.bound });
          else slot.waiter?.resolve();
          break;
        case "serving":
          slot.servingSince = Date.now();
          slot.waiter?.resolve();
          break;
        case "failed":
          lastFailure = m.message;
          if (slot.waiter) slot.waiter.reject(new Error(m.message));
          else o.log?.("ERROR", m.message);
          break;
        case "log":
          for (const [level, text] of m.lines) o.log?.(level, text);
          break;
        case "metrics":
          this.pendingMetrics.get(m.id)?.(m.metrics);
          break;
        case "exchange": {
          const transport = o.transport;
          if (!transport) send(slot, { t: "exchanged", id: m.id, error: "no upstream from the host-port worker" });
          else
            transport.exchange(m.query, m.address, m.port, { protocol: m.protocol, timeoutMs: m.timeoutMs }).then(
              (answer) => send(slot, { t: "exchanged", id: m.id, answer }),
              (err: unknown) => send(slot, { t: "exchanged", id: m.id, error: err instanceof Error ? err.message : String(err) }),
            );
          break;
        }
      }
    });
    return started;
  }

  /** Reports worker `index`'s unexpected exit and starts another in its place after a delay. */
  private crashed(index: number, how: string, servingSince: number | undefined): void {
    const failures = servingSince !== undefined && Date.now() - servingSince >= STABLE_MS ? 0 : (this.failures.get(index) ?? 0);
    this.failures.set(index, failures + 1);
    const delay = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** failures);
    this.options.onCrash?.(index, `${how}; restarting it in ${delay / 1000} s`);
    const timer = setTimeout(() => {
      this.restarts.delete(index);
      if (this.stopped) return;
      this.spawn(index).catch((err: unknown) => {
        if (this.stopped) return;
        // Its exit handler restarts it again; a start that fails without exiting is ended here.
        this.options.onCrash?.(index, `restarting DNS worker ${index} failed: ${err instanceof Error ? err.message : String(err)}`);
        const slot = this.slots[index];
        if (slot && slot.worker.process.exitCode === null && slot.worker.process.signalCode === null) slot.worker.process.kill("SIGKILL");
      });
    }, delay);
    this.restarts.set(index, timer);
  }

  /** Forwards `kind`'s objects and changes to a worker, batched per turn of the event loop. */
  private replicate(kind: string, slot: Slot): void {
    // A worker asking once the pool or its informers are stopping (the cluster shuts down) gets nothing.
    const informer = this.options.informers.forResource<ObjectLike>(kind);
    if (this.stopped || informer.isStopped?.() === true) return;
    let batch: ReplicaEvent[] = [];
    let scheduled = false;
    let synced = false;
    const flush = (): void => {
      scheduled = false;
      if (batch.length) send(slot, { t: "events", kind, events: batch });
      batch = [];
      if (!synced && registration.hasSynced()) {
        synced = true;
        send(slot, { t: "synced", kind });
      }
    };
    const push = (e: ReplicaEvent): void => {
      batch.push(e);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    const registration = informer.addEventHandler({
      onAdd: (o) => push(["add", o]),
      onUpdate: (_old, o) => push(["update", o]),
      onDelete: (o) => push(["delete", isTombstone(o) ? o.obj : o]),
    });
    slot.registrations.push(registration);
    if (this.options.informers.all().some((i) => !i.isStarted())) this.options.informers.start();
    // An informer with nothing to list syncs without an event: look until it has.
    const poll = (): void => {
      if (this.stopped || synced || !slot.worker.isConnected()) return;
      if (!scheduled) flush();
      if (!synced) setTimeout(poll, 10).unref();
    };
    poll();
  }

  /** The workers' metrics merged, in the Prometheus text format (counters and histograms summed). */
  async exposition(): Promise<string> {
    const all = await Promise.all(
      this.slots.flatMap((slot) =>
        slot && slot.worker.isConnected()
          ? [
              new Promise<MetricObjectWithValues<MetricValue<string>>[]>((resolve) => {
                const id = this.nextId++;
                const timer = setTimeout(() => done([]), 5000);
                const done = (m: MetricObjectWithValues<MetricValue<string>>[]): void => {
                  clearTimeout(timer);
                  this.pendingMetrics.delete(id);
                  resolve(m);
                };
                this.pendingMetrics.set(id, done);
                send(slot, { t: "metrics", id });
              }),
            ]
          : [],
      ),
    );
    for (const metrics of all) for (const m of metrics) if (SAME_IN_EVERY_WORKER.has(m.name)) (m as { aggregator: string }).aggregator = "max";
    return withoutEmptyFamilies(await AggregatorRegistry.aggregate(all).metrics());
  }

  /**
   * Stops every worker and the replication; resolves once they have exited (node:cluster then
   * closes the shared socket when no worker holds it: the port is free again).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.restarts.values()) clearTimeout(t);
    this.restarts.clear();
    await Promise.all(
      this.slots.map((slot) => {
        if (!slot) return undefined;
        const p = slot.worker.process;
        if (p.exitCode !== null || p.signalCode !== null) return undefined;
        return new Promise<void>((resolve) => {
          slot.worker.once("exit", () => resolve());
          p.kill("SIGTERM");
        });
      }),
    );
  }
}

function send(slot: Slot, m: ToWorker): void {
  if (slot.worker.isConnected()) slot.worker.send(m);
}
