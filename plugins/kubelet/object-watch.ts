import type { ObjectLike } from "../../core/api/object.js";
import type { Client } from "../../core/client/client.js";
import type { Clock } from "../../core/clock/clock.js";
import { Reflector, type ReflectorStore } from "../../core/informers/reflector.js";
import type { Logger } from "../../core/log/logger.js";

/**
 * One object kept in step with the server by its own reflector (list and watch in its namespace
 * with `fieldSelector=metadata.name=<name>`), as upstream's watch-based manager keeps each
 * referenced object with a reflector and a store. The store is the one object: no indexer, no
 * handlers, no processor — a node keeps one of these per ConfigMap and Secret its pods reference.
 */
export class ObjectWatch<T extends ObjectLike> implements ReflectorStore<T> {
  /** The object as last listed or watched; undefined when it does not exist (or before the first list). */
  object: T | undefined;
  /** Resolves once the reflector has stopped (after {@link stop}). */
  readonly running: Promise<void>;
  private synced = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] | undefined;

  constructor(
    private readonly clock: Clock,
    o: { client: Client; kind: string; namespace: string; name: string; logger?: Logger },
  ) {
    const reflector = new Reflector<T>({ client: o.client, resource: o.kind, store: this, clock, namespace: o.namespace, fieldSelector: `metadata.name=${o.name}`, ...(o.logger ? { logger: o.logger } : {}) });
    this.running = reflector.run(this.abort.signal).then(() => this.stop());
  }

  /** True once the first list has been applied. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced; false if `timeoutMs` passes on the clock or the watch stops first. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (): void => {
        this.clock.clearTimeout(timer);
        resolve(this.synced);
      };
      const timer = this.clock.setTimeout(() => {
        const i = this.waiters?.indexOf(waiter) ?? -1;
        if (i >= 0) this.waiters!.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      (this.waiters ??= []).push(waiter);
    });
  }

  /** Stops the reflector (its watch closes); waiters get false. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.wake();
  }

  // ReflectorStore: called by the reflector only.

  replace(items: readonly T[]): void {
    this.object = items[0];
    if (this.synced) return;
    this.synced = true;
    this.wake();
  }

  add(obj: T): void {
    this.object = obj;
  }

  update(obj: T): void {
    this.object = obj;
  }

  delete(): void {
    this.object = undefined;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = undefined;
    for (const w of waiters ?? []) w();
  }
}
