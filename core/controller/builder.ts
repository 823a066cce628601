import { parseApiVersion, type KubeObject, type ObjectLike } from "../api/object.js";
import type { ResourceRef } from "../client/client.js";
import type { InformerOptions } from "../informers/shared-informer-factory.js";
import type { RateLimiter } from "../workqueue/rate-limiter.js";
import { Controller, type WatchSource } from "./controller.js";
import { enqueueRequestForObject, enqueueRequestForOwner, enqueueRequestsFromMapFunc, type GroupKind } from "./enqueue-handlers.js";
import type { Manager } from "./manager.js";
import type { Predicate } from "./predicates.js";
import type { Reconciler, Request } from "./reconciler.js";

/** Options of one watch: event filters, and which informer (namespace, selectors) to use. */
export interface WatchOptions<T extends ObjectLike = KubeObject> extends Pick<InformerOptions, "namespace" | "labelSelector" | "fieldSelector"> {
  predicates?: readonly Predicate<T>[];
}

export interface OwnsOptions<T extends ObjectLike = KubeObject> extends WatchOptions<T> {
  /** Enqueue every owner of the For type, not only the controlling one (default false). */
  matchEveryOwner?: boolean;
}

export interface BuilderOptions {
  maxConcurrentReconciles?: number;
  rateLimiter?: RateLimiter<string>;
  /** Default true: the controller runs only in the elected replica. */
  needLeaderElection?: boolean;
}

/** A watch added by `owns` (mapped to the For-type owner once that type is resolved) or `watches`. */
type PendingWatch =
  | { ref: ResourceRef; options: OwnsOptions<ObjectLike>; owns: true }
  | { ref: ResourceRef; options: WatchOptions<ObjectLike>; owns: false; handler: WatchSource<ObjectLike>["handler"] };

/**
 * Builds a controller and adds it to the manager (controller-runtime's `builder.Builder`):
 *
 * ```ts
 * controllerFor(mgr).named("cm-labels")
 *   .for("Namespace", { predicates: [labelChanged] })
 *   .owns("ConfigMap")
 *   .watches("Secret", (s) => [{ name: s.metadata!.namespace! }])
 *   .withOptions({ maxConcurrentReconciles: 2 })
 *   .complete(reconciler);
 * ```
 *
 * `for(kind)` enqueues the object itself; `owns(kind)` enqueues the For-type object that controls
 * it (its ownerReference with `controller: true` whose group and kind are the For type's);
 * `watches(kind, map)` enqueues what `map` returns. Every informer comes from the manager's shared
 * factory, so two controllers watching Pods share one Pod informer.
 */
export class ControllerBuilder<F extends ObjectLike = KubeObject> {
  private name: string | undefined;
  private forRef: ResourceRef | undefined;
  private forOptions: WatchOptions<ObjectLike> = {};
  private readonly watchList: PendingWatch[] = [];
  private globalPredicates: Predicate<ObjectLike>[] = [];
  private options: BuilderOptions = {};
  private built = false;

  constructor(private readonly mgr: Manager) {}

  /** Names the controller (logs, queue metrics). Default: the For kind in lower case. Must be unique in the manager. */
  named(name: string): this {
    this.name = name;
    return this;
  }

  /** The type this controller reconciles; its events enqueue the object itself. Call once. */
  for<T extends ObjectLike = KubeObject>(kind: ResourceRef, options: WatchOptions<T> = {}): ControllerBuilder<T> {
    if (this.forRef !== undefined) throw new Error("for(...) should only be called once");
    this.forRef = kind;
    this.forOptions = options as WatchOptions<ObjectLike>;
    return this as unknown as ControllerBuilder<T>;
  }

  /** Also reconcile the For-type owner when an object of `kind` it controls changes. */
  owns<T extends ObjectLike = KubeObject>(kind: ResourceRef, options: OwnsOptions<T> = {}): this {
    this.watchList.push({ ref: kind, options: options as OwnsOptions<ObjectLike>, owns: true });
    return this;
  }

  /** Also reconcile what `map` returns when an object of `kind` changes (on update, for the old and new object). */
  watches<T extends ObjectLike = KubeObject>(kind: ResourceRef, map: (obj: T) => readonly Request[], options: WatchOptions<T> = {}): this {
    const handler = enqueueRequestsFromMapFunc(map as (obj: ObjectLike) => readonly Request[]);
    this.watchList.push({ ref: kind, options: options as WatchOptions<ObjectLike>, owns: false, handler });
    return this;
  }

  /** Predicates applied to every watch (controller-runtime's `WithEventFilter`). */
  withEventFilter(...predicates: Predicate[]): this {
    this.globalPredicates = [...this.globalPredicates, ...(predicates as Predicate<ObjectLike>[])];
    return this;
  }

  withOptions(options: BuilderOptions): this {
    this.options = { ...this.options, ...options };
    return this;
  }

  /** Builds the controller, adds it to the manager and returns it. */
  complete(reconciler: Reconciler): Controller {
    if (this.built) throw new Error("complete(...) was already called on this builder");
    if (this.forRef === undefined) throw new Error("must provide an object for reconciliation: call for(kind) before complete()");
    this.built = true;
    const name = this.name ?? defaultName(this.forRef);
    const controller = new Controller({
      name,
      reconciler,
      clock: this.mgr.clock,
      log: this.mgr.log.child(name),
      maxConcurrentReconciles: this.options.maxConcurrentReconciles,
      rateLimiter: this.options.rateLimiter,
      needLeaderElection: this.options.needLeaderElection,
    });
    controller.watch({
      informer: this.informer(this.forRef, this.forOptions),
      handler: enqueueRequestForObject(),
      predicates: [...this.globalPredicates, ...(this.forOptions.predicates ?? [])],
    });
    const forType = this.watchList.some((w) => w.owns) ? this.resolveGroupKind(this.forRef) : undefined;
    for (const w of this.watchList) {
      controller.watch({
        informer: this.informer(w.ref, w.options),
        handler: w.owns
          ? enqueueRequestForOwner(forType!, { onlyController: !w.options.matchEveryOwner, ownerNamespaced: this.forIsNamespaced() })
          : w.handler,
        predicates: [...this.globalPredicates, ...(w.options.predicates ?? [])],
      });
    }
    this.mgr.add(controller);
    return controller;
  }

  private informer(ref: ResourceRef, options: WatchOptions<ObjectLike>) {
    const informerOptions: InformerOptions = {};
    if (options.namespace !== undefined) informerOptions.namespace = options.namespace;
    if (options.labelSelector !== undefined) informerOptions.labelSelector = options.labelSelector;
    if (options.fieldSelector !== undefined) informerOptions.fieldSelector = options.fieldSelector;
    return this.mgr.informers.forResource<ObjectLike>(ref, informerOptions);
  }

  private forIsNamespaced(): boolean {
    const found = this.mgr.registry?.find(this.forRef!);
    return found ? found.descriptor.namespaced : true;
  }

  /**
   * The group and kind owner references must name: from the registry, an apiVersion + kind, or a
   * bare kind name (then any group matches).
   */
  private resolveGroupKind(ref: ResourceRef): GroupKind {
    const found = this.mgr.registry?.find(ref);
    if (found) return { group: found.descriptor.group, kind: found.descriptor.kind };
    if (typeof ref === "object" && "kind" in ref) return { group: parseApiVersion(ref.apiVersion).group, kind: ref.kind };
    if (typeof ref === "string" && /^[A-Z]/.test(ref) && !ref.includes(".")) return { kind: ref };
    throw new Error(`owns(): cannot tell the kind of the For type ${JSON.stringify(ref)}; name it by { apiVersion, kind } or give the manager a registry`);
  }
}

/** Starts building a controller managed by `mgr`. */
export function controllerFor(mgr: Manager): ControllerBuilder {
  return new ControllerBuilder(mgr);
}

function defaultName(ref: ResourceRef): string {
  if (typeof ref === "string") return ref.toLowerCase();
  return ("kind" in ref ? ref.kind : ref.resource).toLowerCase();
}
