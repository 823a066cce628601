import type { ObjectLike } from "../../../core/api/object.js";
import type { EventHandlerRegistration, ResourceEventHandler } from "../../../core/informers/event-handler.js";
import type { DnsInformers } from "../server/handler.js";

/** One change of a replicated object, as the source informer reported it. */
export type ReplicaEvent = readonly ["add" | "update" | "delete", ObjectLike];

const keyOf = (o: ObjectLike): string => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

/** A replicated informer: the objects of one kind, and the handlers that follow them. */
class ReplicaInformer {
  readonly objects = new Map<string, ObjectLike>();
  private readonly handlers = new Set<ResourceEventHandler<ObjectLike>>();
  synced = false;

  isStarted(): boolean {
    return true;
  }

  addEventHandler(handler: ResourceEventHandler<ObjectLike>): EventHandlerRegistration {
    this.handlers.add(handler);
    for (const o of this.objects.values()) void handler.onAdd?.(o, !this.synced);
    return { remove: () => void this.handlers.delete(handler), hasSynced: () => this.synced && this.handlers.has(handler) };
  }

  apply(events: readonly ReplicaEvent[], initial: boolean): void {
    for (const [kind, obj] of events) {
      const key = keyOf(obj);
      const old = this.objects.get(key);
      if (kind === "delete") {
        this.objects.delete(key);
        for (const h of this.handlers) void h.onDelete?.(obj);
      } else if (old) {
        this.objects.set(key, obj);
        for (const h of this.handlers) void h.onUpdate?.(old, obj);
      } else {
        this.objects.set(key, obj);
        for (const h of this.handlers) void h.onAdd?.(obj, initial);
      }
    }
  }
}

/**
 * Informers whose caches are copies of another process's: each kind asked for is requested from
 * the source (`watch`), which then sends its objects and changes ({@link apply}) and says when its
 * initial list is complete ({@link markSynced}). What a host-port DNS worker reads the cluster by;
 * the main process's informers stay the source of truth.
 */
export class ReplicaInformers implements DnsInformers {
  private readonly kinds = new Map<string, ReplicaInformer>();

  constructor(private readonly watch: (kind: string) => void) {}

  forResource<T extends ObjectLike>(kind: string): { addEventHandler(handler: ResourceEventHandler<T>): EventHandlerRegistration } {
    let r = this.kinds.get(kind);
    if (!r) {
      this.kinds.set(kind, (r = new ReplicaInformer()));
      this.watch(kind);
    }
    return r as unknown as { addEventHandler(handler: ResourceEventHandler<T>): EventHandlerRegistration };
  }

  all(): readonly { isStarted(): boolean }[] {
    return [...this.kinds.values()];
  }

  start(): void {}

  /** Applies the source's changes to `kind`. */
  apply(kind: string, events: readonly ReplicaEvent[]): void {
    const r = this.kinds.get(kind);
    if (r) r.apply(events, !r.synced);
  }

  /** The source delivered its initial list of `kind`. */
  markSynced(kind: string): void {
    const r = this.kinds.get(kind);
    if (r) r.synced = true;
  }
}
