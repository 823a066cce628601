import type { Clock, TimerHandle } from "../clock/clock.js";
import type { Logger } from "../log/logger.js";
import { objectStorageKey, resourcePrefix } from "../store/keys.js";
import { isStoreError, type Store, type StoreEvent, type StoreWatch } from "../store/store.js";

/** kube-apiserver's `--event-ttl` default: one hour. */
export const DEFAULT_EVENT_TTL_MS = 3_600_000;
/** The etcd3 storage's lease manager: a lease is reused for up to 60 s (or 5% of the TTL, if less) and 1,000 objects. */
const LEASE_REUSE_MAX_MS = 60_000;
const LEASE_REUSE_TTL_SHARE = 0.05;
const LEASE_MAX_OBJECTS = 1000;

/** One lease: the keys attached to it and the revision each was written at. */
interface Lease {
  readonly expiresAt: number;
  readonly keys: string[];
  readonly revisions: number[];
}

export interface EventTtlOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** How long after its last write an Event is deleted (default 1 h); 0 keeps Events forever. */
  ttlMs?: number;
}

/**
 * Deletes each Event `ttl` after its last write, on the cluster clock, as kube-apiserver does
 * with etcd leases (`--event-ttl`, default 1 h): every create or update of an Event attaches it
 * to a lease, and a lease is shared by the writes of up to 60 s (1,000 objects at most) and
 * granted for ttl + 60 s, so an Event goes between 1 h and 1 h 1 min after its last write. When
 * a lease expires, the Events still on it (not written since) are deleted; watchers see DELETED.
 * Follows the store's changes to Events (any writer, any backend); Events stored before it
 * started are attached as if written at the start.
 */
export class EventTtl {
  private readonly ttlMs: number;
  private readonly reuseMs: number;
  private readonly prefix = resourcePrefix("events");
  /** Leases in expiry order (each granted later than the one before). */
  private readonly leases: Lease[] = [];
  private timer: TimerHandle | undefined;
  /** Whether the first lease's Events are being deleted (the next timer is armed after). */
  private expiring = false;
  private watch: StoreWatch | undefined;
  private stopped = false;

  constructor(private readonly options: EventTtlOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_EVENT_TTL_MS;
    this.reuseMs = Math.min(LEASE_REUSE_MAX_MS, Math.floor((this.ttlMs * LEASE_REUSE_TTL_SHARE) / 1000) * 1000);
  }

  /** Attaches the stored Events, then every Event written from now on. Resolves once following. */
  async start(): Promise<void> {
    if (this.ttlMs <= 0 || this.watch || this.stopped) return;
    const { store } = this.options;
    let revision = store.currentRevision();
    let token: string | undefined;
    do {
      const page = await store.list(this.prefix, { limit: 1000, ...(token ? { continue: token } : {}) });
      revision = page.revision;
      for (const obj of page.items) this.attach(objectStorageKey("events", obj.metadata?.namespace, obj.metadata?.name ?? ""), Number(obj.metadata?.resourceVersion));
      token = page.continue;
    } while (token);
    if (this.stopped) return;
    this.watch = store.watch(this.prefix, { revision }, (event) => this.onChange(event));
  }

  /** Stops following and forgets the leases: nothing is deleted after this. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.watch = undefined;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.leases.length = 0;
  }

  private onChange(event: StoreEvent): void {
    if (event.type !== "DELETED") this.attach(event.key, event.revision);
  }

  /** The etcd3 lease manager's GetLease: the latest lease if it ends within [now + ttl, now + ttl + reuse] and has room, else a new one. */
  private attach(key: string, revision: number): void {
    const now = this.options.clock.now();
    let lease = this.leases[this.leases.length - 1];
    const reusable = lease && now + this.ttlMs < lease.expiresAt && now + this.ttlMs + this.reuseMs > lease.expiresAt && lease.keys.length < LEASE_MAX_OBJECTS;
    if (!lease || !reusable) {
      lease = { expiresAt: now + this.ttlMs + this.reuseMs, keys: [], revisions: [] };
      this.leases.push(lease);
      if (!this.timer && !this.expiring) this.arm();
    }
    lease.keys.push(key);
    lease.revisions.push(revision);
  }

  private arm(): void {
    const first = this.leases[0];
    if (!first || this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => void this.expire(), Math.max(0, first.expiresAt - this.options.clock.now()));
  }

  /** Deletes the first lease's Events that were not written since they were attached to it, then waits for the next lease. */
  private async expire(): Promise<void> {
    this.timer = undefined;
    const lease = this.leases.shift();
    if (!lease) return;
    this.expiring = true;
    const { store, log } = this.options;
    for (let i = 0; i < lease.keys.length && !this.stopped; i++) {
      const key = lease.keys[i]!;
      const revision = lease.revisions[i]!;
      try {
        const current = await store.get(key);
        // Written again since (attached to a later lease), or deleted: not this lease's to remove.
        if (!current || Number(current.metadata?.resourceVersion) !== revision) continue;
        await store.delete(key, { revision });
      } catch (err) {
        if (!isStoreError(err, "NotFound") && !isStoreError(err, "Conflict")) log.error("Unable to delete an expired Event", { key, error: err });
      }
    }
    this.expiring = false;
    this.arm();
  }
}
