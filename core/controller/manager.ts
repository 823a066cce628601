import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import type { ResourceRegistry } from "../api/resource-registry.js";
import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { Client } from "../client/client.js";
import { EventBroadcaster } from "../events/event-broadcaster.js";
import type { EventRecorder } from "../events/event-recorder.js";
import type { SharedInformer } from "../informers/shared-informer.js";
import type { SharedInformerFactory } from "../informers/shared-informer-factory.js";
import type { Logger } from "../log/logger.js";
import { LeaderElector, type LeaderCallbacks } from "./leader-election/leader-elector.js";
import type { Runnable } from "./runnable.js";
import type { MetricsProvider } from "../workqueue/metrics.js";

export interface ManagerLeaderElectionOptions extends LeaderCallbacks {
  /** Name of the Lease (controller-runtime's `LeaderElectionID`). */
  id: string;
  /** Namespace of the Lease (default "kube-system"). */
  namespace?: string;
  /** This candidate's identity (default `<hostname>_<uuid>`). */
  identity?: string;
  /** Defaults: 15 000, 10 000 and 2 000 ms. */
  leaseDuration?: number;
  renewDeadline?: number;
  retryPeriod?: number;
  /** Give the lease up on `stop()` so another replica takes over at once (default true). */
  releaseOnCancel?: boolean;
}

export interface ManagerOptions {
  client: Client;
  /** The process's shared informer factory: every controller's informers come from it. */
  informers: SharedInformerFactory;
  clock: Clock;
  log: Logger;
  random?: Random;
  /** Resolves kinds for `owns()` when the For type is named by plural or short name. */
  registry?: ResourceRegistry;
  /** Run leader-elected runnables only while holding this Lease. */
  leaderElection?: ManagerLeaderElectionOptions;
  /** The `workqueue_*` metrics of the controllers added (each controller's queue under its name). */
  metricsProvider?: MetricsProvider;
}

interface Started {
  readonly runnable: Runnable;
  readonly done: Promise<void>;
}

/**
 * Runs controllers and other {@link Runnable}s over one shared informer factory
 * (controller-runtime's `manager.Manager`). `start` starts the informers, waits for their caches,
 * then starts the runnables that do not need leader election and campaigns for the Lease (if
 * configured); runnables that need it (controllers, by default) start once elected. Runnables
 * added later start at once (after their informers sync). Losing the lease stops the manager,
 * as controller-runtime does. `stop` stops runnables (leader-elected first), releases the lease,
 * stops the informers it started, flushes Events, and resolves with nothing left running.
 */
export class Manager {
  readonly client: Client;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: ResourceRegistry | undefined;
  private readonly pendingLeader: Runnable[] = [];
  private readonly pendingOthers: Runnable[] = [];
  private readonly started: Started[] = [];
  private readonly leaderStarted: Started[] = [];
  private readonly ownInformers: Promise<void>[] = [];
  private readonly names = new Set<string>();
  private readonly othersStop = new AbortController();
  private readonly leaderStop = new AbortController();
  private readonly electionStop = new AbortController();
  private readonly informersStop = new AbortController();
  private readonly elector: LeaderElector | undefined;
  private electionRun: Promise<void> | undefined;
  private leadingSignal: AbortSignal | undefined;
  /** Event broadcasters by the client they write through (the manager's, and its views' {@link withClient}). */
  private readonly broadcasters = new Map<Client, EventBroadcaster>();
  private state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  private stopping: Promise<void> | undefined;
  private electedWaiters: (() => void)[] = [];
  private lostLeadership = false;

  constructor(private readonly options: ManagerOptions) {
    this.client = options.client;
    this.informers = options.informers;
    this.clock = options.clock;
    this.log = options.log;
    this.registry = options.registry;
    // Every runnable, its informers' waits and its workers listen on these: no listener limit.
    setMaxListeners(0, this.othersStop.signal, this.leaderStop.signal, this.electionStop.signal, this.informersStop.signal);
    const le = options.leaderElection;
    if (le) {
      this.elector = new LeaderElector({
        client: options.client,
        clock: options.clock,
        lease: { namespace: le.namespace ?? "kube-system", name: le.id },
        identity: le.identity ?? `${hostname()}_${options.random?.uuid() ?? crypto.randomUUID()}`,
        leaseDuration: le.leaseDuration,
        renewDeadline: le.renewDeadline,
        retryPeriod: le.retryPeriod,
        releaseOnCancel: le.releaseOnCancel ?? true,
        random: options.random,
        log: options.log.child("leaderelection"),
        callbacks: {
          onStartedLeading: (signal) => this.onStartedLeading(signal),
          onStoppedLeading: () => this.onStoppedLeading(),
          onNewLeader: (id) => le.onNewLeader?.(id),
        },
      });
    }
  }

  /** The leader election identity, if leader election is on. */
  get identity(): string | undefined {
    return this.elector?.identity;
  }

  /** True when this manager may run leader-elected runnables (always, without leader election). */
  isLeader(): boolean {
    return this.elector ? this.leadingSignal !== undefined && !this.leadingSignal.aborted : this.state === "running";
  }

  /** True after leadership was lost (the manager then stopped). */
  get leadershipLost(): boolean {
    return this.lostLeadership;
  }

  /** Resolves once this manager is elected (at start, without leader election). */
  elected(): Promise<void> {
    if (this.isLeader()) return Promise.resolve();
    return new Promise((resolve) => this.electedWaiters.push(resolve));
  }

  /** Registers a runnable; it starts with the manager, or at once if the manager is running. */
  add(runnable: Runnable & { readonly name?: string }): void {
    if (this.state === "stopping" || this.state === "stopped") throw new Error("cannot add a runnable to a manager that is stopping or stopped");
    if (runnable.name !== undefined) {
      if (this.names.has(runnable.name)) throw new Error(`controller with name "${runnable.name}" already exists; controller names must be unique`);
      this.names.add(runnable.name);
    }
    const needsLeader = this.elector !== undefined && (runnable.needLeaderElection ?? true);
    const metrics = this.options.metricsProvider;
    if (metrics && "useMetricsProvider" in runnable && typeof runnable.useMetricsProvider === "function") (runnable as { useMetricsProvider(p: MetricsProvider): void }).useMetricsProvider(metrics);
    if (this.state !== "running") {
      (needsLeader ? this.pendingLeader : this.pendingOthers).push(runnable);
      return;
    }
    if (!needsLeader) this.startRunnable(runnable, this.othersStop.signal, this.started);
    else if (this.leadingSignal && !this.leadingSignal.aborted) {
      const stop = AbortSignal.any([this.leadingSignal, this.leaderStop.signal]);
      setMaxListeners(0, stop);
      this.startRunnable(runnable, stop, this.leaderStarted);
    }
    else this.pendingLeader.push(runnable);
  }

  /** An EventRecorder reporting as `name` (controller-runtime's `GetEventRecorderFor`), writing Events through this manager's client. */
  getEventRecorderFor(name: string, host?: string): EventRecorder {
    let broadcaster = this.broadcasters.get(this.client);
    if (!broadcaster) this.broadcasters.set(this.client, (broadcaster = new EventBroadcaster({ client: this.client, clock: this.clock, log: this.log.child("events") })));
    return broadcaster.newRecorder(host ? { component: name, host } : { component: name });
  }

  /**
   * This manager as a controller acting under its own identity sees it: the same informers,
   * runnables, leader election and lifetime, but `client` — and the Events its recorders write —
   * go through `client` (kube-controller-manager's `--use-service-account-credentials`: each
   * controller its own service account). Runnables added to the view are the manager's.
   */
  withClient(client: Client): Manager {
    if (client === this.client) return this;
    return Object.create(this, { client: { value: client, enumerable: true } }) as Manager;
  }

  /**
   * Starts informers, waits for their caches, starts runnables and the election. Resolves once
   * that is done (not when the manager stops: use {@link stop}, or abort `signal`). Rejects if the
   * caches cannot sync.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.state !== "new") throw new Error("manager already started");
    this.state = "starting";
    signal?.addEventListener("abort", () => void this.stop(), { once: true });
    this.startInformers();
    const synced = await this.informers.waitForCacheSync(this.informersStop.signal);
    if (this.state !== "starting") return;
    if (!synced) throw new Error("failed to wait for caches to sync");
    this.state = "running";
    for (const r of this.pendingOthers.splice(0)) this.startRunnable(r, this.othersStop.signal, this.started);
    if (this.elector) {
      this.electionRun = this.elector.run(this.electionStop.signal);
    } else {
      for (const r of this.pendingLeader.splice(0)) this.startRunnable(r, this.othersStop.signal, this.started);
      this.releaseElectedWaiters();
    }
  }

  /** Stops everything and resolves when nothing is left running: no runnable, watch or timer. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    this.state = "stopping";
    this.leaderStop.abort();
    await settleAll(this.leaderStarted.map((s) => s.done));
    this.othersStop.abort();
    await settleAll(this.started.map((s) => s.done));
    await Promise.all([...this.broadcasters.values()].map((b) => b.shutdown()));
    this.electionStop.abort();
    await this.electionRun;
    this.informersStop.abort();
    await settleAll(this.ownInformers);
    this.state = "stopped";
    this.electedWaiters = [];
  }

  private onStartedLeading(signal: AbortSignal): void {
    this.leadingSignal = signal;
    this.options.leaderElection?.onStartedLeading?.(signal);
    if (this.state !== "running") return;
    const stop = AbortSignal.any([signal, this.leaderStop.signal]);
    setMaxListeners(0, stop);
    for (const r of this.pendingLeader.splice(0)) this.startRunnable(r, stop, this.leaderStarted);
    this.releaseElectedWaiters();
  }

  private onStoppedLeading(): void {
    const wasLeading = this.leadingSignal !== undefined;
    this.options.leaderElection?.onStoppedLeading?.();
    if (wasLeading && this.state === "running") {
      this.lostLeadership = true;
      this.log.error("leader election lost");
      void this.stop();
    }
  }

  /** Starts the factory's informers not started yet, tied to this manager's lifetime. */
  private startInformers(): void {
    const fresh: SharedInformer[] = this.informers.all().filter((i) => !i.isStarted());
    if (fresh.length === 0) return;
    this.informers.start(this.informersStop.signal);
    for (const i of fresh) this.ownInformers.push(i.run(this.informersStop.signal));
  }

  private startRunnable(runnable: Runnable, signal: AbortSignal, into: Started[]): void {
    this.startInformers();
    const done = (async () => {
      try {
        await runnable.start(signal);
      } catch (err) {
        if (!signal.aborted) this.log.error("runnable failed", { runnable: (runnable as { name?: string }).name, error: err });
      }
    })();
    into.push({ runnable, done });
  }

  private releaseElectedWaiters(): void {
    for (const w of this.electedWaiters.splice(0)) w();
  }
}

async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  await Promise.allSettled(promises);
}
