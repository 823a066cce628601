import type { Clock } from "../../clock/clock.js";
import type { Random } from "../../clock/random.js";
import type { Client } from "../../client/client.js";
import type { Logger } from "../../log/logger.js";
import { LeaseLock, type LeaderElectionRecord } from "./lease-lock.js";

/** client-go's `JitterFactor` for the acquire loop: waits are retryPeriod × [1, 2.2). */
export const LEADER_ELECTION_JITTER_FACTOR = 1.2;

export interface LeaderCallbacks {
  /** Became leader; `signal` aborts when leadership ends. May return a long-running promise (not awaited). */
  onStartedLeading?(signal: AbortSignal): void | Promise<void>;
  /** Called once when the elector stops, whether it led or not (as client-go does). */
  onStoppedLeading?(): void;
  /** The observed leader changed (including to ourselves). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  client: Client;
  clock: Clock;
  /** The Lease: namespace and name. */
  lease: { namespace: string; name: string };
  /** Unique per candidate (client-go uses hostname + a UUID). */
  identity: string;
  /** How long non-leaders wait after the last observed change before taking over (default 15 000 ms). */
  leaseDuration?: number;
  /** How long the leader keeps retrying a renewal before giving up leadership (default 10 000 ms). */
  renewDeadline?: number;
  /** Wait between attempts to acquire or renew (default 2 000 ms). */
  retryPeriod?: number;
  /** Give the lease up when stopped, so another candidate takes over at once (default true). */
  releaseOnCancel?: boolean;
  callbacks?: LeaderCallbacks;
  /** Jitters the acquire loop (retryPeriod × [1, 2.2)); without one, waits are exactly retryPeriod. */
  random?: Random;
  log?: Logger;
}

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's `leaderelection.LeaderElector`.
 * `run` tries to acquire the lease every retryPeriod; a lease held by another is taken only once
 * it has gone unchanged for leaseDuration as observed on this clock (so clock skew between
 * candidates does not matter). The leader renews every retryPeriod; if it cannot renew within
 * renewDeadline it stops leading. Lease fields follow Kubernetes: holderIdentity,
 * leaseDurationSeconds, acquireTime, renewTime (MicroTime) and leaseTransitions.
 */
export class LeaderElector {
  private readonly lock: LeaseLock;
  private readonly clock: Clock;
  private readonly leaseDuration: number;
  private readonly renewDeadline: number;
  private readonly retryPeriod: number;
  private observedRecord: LeaderElectionRecord | undefined;
  private observedRaw = "";
  private observedTime = 0;
  private reportedLeader = "";
  private running = false;

  constructor(private readonly config: LeaderElectionConfig) {
    this.leaseDuration = config.leaseDuration ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadline = config.renewDeadline ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriod = config.retryPeriod ?? DEFAULT_RETRY_PERIOD_MS;
    if (this.leaseDuration <= this.renewDeadline) throw new Error("leaseDuration must be greater than renewDeadline");
    if (this.renewDeadline <= LEADER_ELECTION_JITTER_FACTOR * this.retryPeriod) throw new Error("renewDeadline must be greater than retryPeriod*JitterFactor");
    if (this.leaseDuration < 1 || this.renewDeadline < 1 || this.retryPeriod < 1) throw new Error("leaseDuration, renewDeadline and retryPeriod must be greater than zero");
    if (!config.identity) throw new Error("Lock identity is empty");
    this.clock = config.clock;
    this.lock = new LeaseLock(config.client, config.lease.namespace, config.lease.name);
  }

  get identity(): string {
    return this.config.identity;
  }

  /** True while the last observed record names this candidate. */
  isLeader(): boolean {
    return this.observedRecord?.holderIdentity === this.config.identity;
  }

  /** The last observed leader ("" if none). */
  getLeader(): string {
    return this.observedRecord?.holderIdentity ?? "";
  }

  /**
   * Campaigns, leads (calling `onStartedLeading`) and renews until `signal` aborts or a renewal
   * fails; then releases the lease if `releaseOnCancel`, calls `onStoppedLeading` and resolves.
   * Leaves no timer behind. One run per elector.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`leader elector ${this.config.identity} is already running`);
    this.running = true;
    try {
      if (!(await this.acquire(signal))) return;
      const leading = new AbortController();
      const onAbort = (): void => leading.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      // Stopped while the acquiring write was in flight: lead not at all (the lease is released below).
      if (signal.aborted) leading.abort();
      try {
        this.startLeading(leading.signal);
        await this.renew(leading.signal);
      } finally {
        signal.removeEventListener("abort", onAbort);
        leading.abort();
      }
      if (this.config.releaseOnCancel ?? true) await this.release();
    } finally {
      this.running = false;
      this.callback("onStoppedLeading", () => this.config.callbacks?.onStoppedLeading?.());
    }
  }

  private startLeading(signal: AbortSignal): void {
    this.callback("onStartedLeading", () => {
      const running = this.config.callbacks?.onStartedLeading?.(signal);
      if (running) running.catch((err: unknown) => this.config.log?.error("onStartedLeading failed", { error: err }));
    });
  }

  /** Tries every retryPeriod (jittered) until acquired (true) or `signal` aborts (false). */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    const desc = this.lock.describe();
    this.config.log?.info("attempting to acquire leader lease", { lease: desc });
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew();
      this.maybeReportTransition();
      if (ok) {
        this.config.log?.info("successfully acquired lease", { lease: desc });
        return true;
      }
      if (!(await this.sleep(this.jittered(), signal))) return false;
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal window of renewDeadline passes without success, or on abort. */
  private async renew(signal: AbortSignal): Promise<void> {
    const desc = this.lock.describe();
    while (!signal.aborted) {
      const deadline = this.clock.now() + this.renewDeadline;
      let renewed = false;
      for (;;) {
        if (await this.tryAcquireOrRenew()) {
          renewed = true;
          break;
        }
        const left = deadline - this.clock.now();
        if (left <= 0 || !(await this.sleep(Math.min(this.retryPeriod, left), signal))) break;
        if (this.clock.now() >= deadline) break;
      }
      this.maybeReportTransition();
      if (signal.aborted) return;
      if (!renewed) {
        this.config.log?.info("failed to renew lease", { lease: desc, error: "timed out waiting for the condition" });
        return;
      }
      if (!(await this.sleep(this.retryPeriod, signal))) return;
    }
  }

  /** Gives the lease up: holder "", leaseDurationSeconds 1 (client-go's `release`). */
  private async release(): Promise<void> {
    if (!this.isLeader() || !this.observedRecord) return;
    const now = this.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaderTransitions: this.observedRecord.leaderTransitions,
    };
    try {
      await this.lock.update(record);
      this.setObserved(record, now);
    } catch (err) {
      this.config.log?.error("Failed to release lock", { lease: this.lock.describe(), error: err });
    }
  }

  /** One attempt (client-go's `tryAcquireOrRenew`): create the lease, renew it, or take it over once expired. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: this.config.identity,
      leaseDurationSeconds: Math.round(this.leaseDuration / 1000),
      acquireTime: now,
      renewTime: now,
      leaderTransitions: 0,
    };
    let old: LeaderElectionRecord | undefined;
    try {
      old = await this.lock.get();
    } catch (err) {
      this.config.log?.error("error retrieving resource lock", { lease: this.lock.describe(), error: err });
      return false;
    }
    if (!old) {
      try {
        await this.lock.create(record);
      } catch (err) {
        this.config.log?.error("error initially creating leader election record", { error: err });
        return false;
      }
      this.setObserved(record, now);
      return true;
    }
    const raw = JSON.stringify(old);
    if (raw !== this.observedRaw) {
      this.observedRecord = old;
      this.observedRaw = raw;
      this.observedTime = this.clock.now();
    }
    if (old.holderIdentity !== "" && this.observedTime + this.leaseDuration > now && !this.isLeader()) {
      this.config.log?.debug("lock is held and has not yet expired", { holder: old.holderIdentity });
      return false;
    }
    if (this.isLeader()) {
      record.acquireTime = old.acquireTime;
      record.leaderTransitions = old.leaderTransitions;
    } else {
      record.leaderTransitions = old.leaderTransitions + 1;
    }
    try {
      await this.lock.update(record);
    } catch (err) {
      this.config.log?.error("Failed to update lock", { error: err });
      return false;
    }
    this.setObserved(record, now);
    return true;
  }

  private setObserved(record: LeaderElectionRecord, time: number): void {
    this.observedRecord = record;
    this.observedRaw = JSON.stringify(record);
    this.observedTime = time;
  }

  private maybeReportTransition(): void {
    const leader = this.getLeader();
    if (leader === this.reportedLeader) return;
    this.reportedLeader = leader;
    if (leader !== "") this.callback("onNewLeader", () => this.config.callbacks?.onNewLeader?.(leader));
  }

  private jittered(): number {
    const r = this.config.random;
    return r ? this.retryPeriod * (1 + r.next() * LEADER_ELECTION_JITTER_FACTOR) : this.retryPeriod;
  }

  /** Sleeps on the clock; false when `signal` aborted. */
  private async sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }

  private callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.config.log?.error(`${name} callback failed`, { error: err });
    }
  }
}
