import { setMaxListeners } from "node:events";
import type { KubeObject, ObjectLike } from "../api/object.js";
import type { ResourceRegistry } from "../api/resource-registry.js";
import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { Client, ResourceRef } from "../client/client.js";
import type { Logger } from "../log/logger.js";
import type { Indexers } from "./indexer.js";
import { SharedInformer } from "./shared-informer.js";
import { token } from "../di/token.js";

export interface SharedInformerFactoryOptions {
  client: Client;
  clock: Clock;
  /** Resync period (ms) of informers that do not ask for one; default 0 (none). */
  defaultResyncPeriod?: number;
  /** Lets "Pod", "pods" and `{group:"",version:"v1",resource:"pods"}` share one informer. */
  registry?: ResourceRegistry;
  /** List page size (default 500). */
  pageSize?: number;
  /**
   * Watches that never time out and ask for no bookmarks, so an idle informer holds no timer: for
   * the API server's own caches over its in-process client (nothing to reconnect), which must not
   * make a virtual clock jump while the cluster waits on a client.
   */
  timerless?: boolean;
  random?: Random;
  logger?: Logger;
}

export interface InformerOptions {
  /** Watch one namespace only (default: all namespaces). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Default resync period (ms) of the informer's handlers; only the call that creates the informer sets it. */
  resyncPeriod?: number;
  /** Indexers to add (to the informer, new or existing). */
  indexers?: Indexers;
}

/**
 * Hands out one {@link SharedInformer} per (resource, namespace, label selector, field selector)
 * however many callers ask, as client-go's `SharedInformerFactory`. `start` starts every informer
 * not yet started (call it again after asking for more); `waitForCacheSync` waits for them all.
 */
export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer>();
  private readonly running = new Set<Promise<void>>();
  private readonly controller = new AbortController();

  constructor(private readonly options: SharedInformerFactoryOptions) {}

  forResource<T extends ObjectLike = KubeObject>(ref: ResourceRef, options: InformerOptions = {}): SharedInformer<T> {
    const key = JSON.stringify([this.resourceKey(ref), options.namespace ?? "", options.labelSelector ?? "", options.fieldSelector ?? ""]);
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new SharedInformer({
        client: this.options.client,
        resource: ref,
        clock: this.options.clock,
        namespace: options.namespace,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        resyncPeriod: options.resyncPeriod ?? this.options.defaultResyncPeriod,
        pageSize: this.options.pageSize,
        timerless: this.options.timerless,
        random: this.options.random,
        logger: this.options.logger,
      });
      this.informers.set(key, informer);
    }
    if (options.indexers) informer.addIndexers(options.indexers);
    return informer as unknown as SharedInformer<T>;
  }

  /** Starts the informers not yet started; they stop when `signal` aborts or on {@link shutdown}. */
  start(signal?: AbortSignal): void {
    const stop = signal ? AbortSignal.any([signal, this.controller.signal]) : this.controller.signal;
    // Shared by every informer and its reflector's watch: as many listeners as informers, by design.
    setMaxListeners(0, stop);
    for (const informer of this.informers.values()) {
      if (informer.isStarted()) continue;
      const run = informer.run(stop);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
  }

  /** Resolves true once every started informer has synced; false if `signal` aborts or one stops first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const started = [...this.informers.values()].filter((i) => i.isStarted());
    const results = await Promise.all(started.map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Every informer handed out so far. */
  all(): SharedInformer[] {
    return [...this.informers.values()];
  }

  /** Stops every informer and resolves when all have stopped (no watch, no timer left). */
  async shutdown(): Promise<void> {
    this.controller.abort();
    await Promise.all([...this.running]);
  }

  private resourceKey(ref: ResourceRef): string {
    const found = this.options.registry?.find(ref);
    if (found) return `${found.descriptor.group}/${found.descriptor.version}/${found.descriptor.plural}`;
    if (typeof ref === "string") return ref;
    return "kind" in ref ? `${ref.apiVersion}/${ref.kind}` : `${ref.group}/${ref.version}/${ref.resource}`;
  }
}

/** The cluster's shared informer factory, for components resolved from its DI scope. */
export const InformerFactory = token<SharedInformerFactory>("InformerFactory");
