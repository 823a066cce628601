import { isDeepStrictEqual } from "node:util";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../../../core/api/object.js";
import type { RegisteredType, ResourceRegistry } from "../../../core/api/resource-registry.js";
import { isStatusError } from "../../../core/api/status.js";
import type { DeleteOptions } from "../../../core/client/client.js";
import type { ControllerRegistration } from "../../../core/controller/extension-point.js";
import type { Manager } from "../../../core/controller/manager.js";
import type { Runnable } from "../../../core/controller/runnable.js";
import type { EventRecorder } from "../../../core/events/event-recorder.js";
import { objectOrTombstoneObject } from "../../../core/informers/tombstone.js";
import type { Logger } from "../../../core/log/logger.js";
import type { MetricsProvider } from "../../../core/workqueue/metrics.js";
import { RateLimitingQueue } from "../../../core/workqueue/rate-limiting-queue.js";
import { FOREGROUND, GraphBuilder, ORPHAN, type GraphNode, type Monitor } from "./garbagecollector/graph-builder.js";

/** Field manager of the collector's writes. */
const FIELD_MANAGER = "garbage-collector";

/** Owners confirmed absent, remembered so a thousand dependents of one deleted owner cost one read (upstream's absentOwnerCache). */
const ABSENT_OWNER_CACHE_SIZE = 500;

/** Writes guarded by a precondition are tried again this often against a fresh read before the key is retried with backoff. */
const MAX_PATCH_ATTEMPTS = 3;

/** Resources the collector does not watch (upstream's DefaultIgnoredResources): Events own nothing and are owned by nothing. */
const IGNORED = new Set(["/events", "events.k8s.io/events"]);

/** An object the collector looks at, with its registered type. */
interface Item {
  obj: KubeObject;
  type: RegisteredType;
}

/** How an ownerReference of a dependent stands (upstream's classifyReferences). */
interface Classified {
  /** The owner exists and is not deleting its dependents in the foreground. */
  solid: OwnerReference[];
  /** The owner does not exist (not found, another uid under that name, or a namespaced owner outside the dependent's namespace). */
  dangling: OwnerReference[];
  /** The owner is being deleted in the foreground, waiting for its dependents. */
  waiting: OwnerReference[];
}

/** What a worker does with its key after processing it. */
type Outcome = "forget" | "requeue";

/**
 * The garbage collector of kube-controller-manager (pkg/controller/garbagecollector): a
 * {@link GraphBuilder} keeps the ownership graph from the informers of every watchable resource
 * (Events excepted, as upstream) and feeds two rate-limited queues of uids,
 * `garbage_collector_attempt_to_delete` and `garbage_collector_attempt_to_orphan`, worked by
 * `--concurrent-gc-syncs` workers each. Per node, as upstream's workers:
 * - attemptToOrphan (deleted with `Orphan`, finalizer `orphan`): its ownerReference is removed
 *   from each dependent (a JSON patch removing exactly that entry, guarded by `test` operations on
 *   the dependent's uid and the entry's uid), then the finalizer;
 * - attemptToDelete of an owner deleting in the foreground (finalizer `foregroundDeletion`): the
 *   finalizer goes once no dependent blocks it (`blockOwnerDeletion: true`); blocking dependents
 *   not yet deleting are sent to attemptToDelete;
 * - attemptToDelete of any other node: a virtual node (an owner not observed yet) is looked up
 *   live, and reported absent to the graph (whose dependents are then checked) when missing; a
 *   dependent's ownerReferences are classified as solid, dangling (owner absent, including a
 *   namespaced owner that exists only in another namespace, reported with a warning event
 *   `OwnerRefInvalidNamespace`) or waiting (owner deleting in the foreground). With a solid owner
 *   left, the dangling and waiting references are removed; otherwise the dependent is deleted —
 *   in the foreground if an owner waits for it and it has dependents of its own, else with the
 *   propagation its own `orphan` / `foregroundDeletion` finalizer implies (Background without) —
 *   with its uid and resourceVersion as preconditions.
 * Owners of kinds the server does not serve, and namespaced owners of cluster-scoped dependents,
 * are left unresolved: such a dependent is never collected.
 */
export function garbageCollector(registry: ResourceRegistry, workers = 1): ControllerRegistration {
  return {
    name: "garbagecollector",
    setup(mgr: Manager) {
      const monitors: Monitor[] = [];
      const seen = new Set<string>();
      for (const type of registry.all()) {
        const d = type.descriptor;
        const key = `${d.group}/${d.plural}`;
        if (seen.has(key) || IGNORED.has(key) || (d.verbs && !d.verbs.includes("watch"))) continue;
        seen.add(key);
        monitors.push({ type, informer: mgr.informers.forResource<KubeObject>({ group: d.group, version: d.version, resource: d.plural }) });
      }
      mgr.add(new GarbageCollector(mgr, registry, monitors, workers, mgr.getEventRecorderFor("garbage-collector-controller")));
    },
  };
}

const hasFinalizer = (obj: KubeObject, finalizer: string): boolean => obj.metadata?.finalizers?.includes(finalizer) ?? false;
const deletingDependents = (obj: KubeObject): boolean => !!obj.metadata?.deletionTimestamp && hasFinalizer(obj, FOREGROUND);
const nsOption = (obj: KubeObject): { namespace?: string } => (obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {});
/** Ignores NotFound (already gone). */
async function unlessGone(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (!isStatusError(err, "NotFound")) throw err;
  }
}

const absentKey = (uid: string, namespace: string): string => `${uid}/${namespace}`;

/** `[v1/ConfigMap, namespace: ns, name: x, uid: u]`, as the collector's objectReference prints. */
function identity(ref: OwnerReference, namespace: string): string {
  return `[${ref.apiVersion}/${ref.kind}, namespace: ${namespace}, name: ${ref.name}, uid: ${ref.uid}]`;
}

class GarbageCollector implements Runnable {
  readonly name = "garbagecollector";
  readonly needLeaderElection = false;
  private readonly graph: GraphBuilder;
  private readonly log: Logger;
  private metrics: MetricsProvider | undefined;
  private deleteQueue: RateLimitingQueue<string> | undefined;
  private orphanQueue: RateLimitingQueue<string> | undefined;
  /** `uid/namespace` of owners confirmed absent (namespace empty for cluster-scoped owners). */
  private readonly absentOwners = new Map<string, true>();

  constructor(
    private readonly mgr: Manager,
    private readonly registry: ResourceRegistry,
    private readonly monitors: readonly Monitor[],
    private readonly workers: number,
    private readonly recorder: EventRecorder,
  ) {
    this.log = mgr.log.child("garbagecollector");
    this.graph = new GraphBuilder({
      attemptToDelete: (n) => this.deleteQueue?.add(n.identity.uid),
      attemptToOrphan: (n) => this.orphanQueue?.add(n.identity.uid),
      ownerAbsent: (id) => this.rememberAbsent(absentKey(id.uid, id.namespace)),
    });
  }

  useMetricsProvider(provider: MetricsProvider): void {
    this.metrics ??= provider;
  }

  async start(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const clock = this.mgr.clock;
    const deleteQueue = (this.deleteQueue = new RateLimitingQueue<string>({ clock, name: "garbage_collector_attempt_to_delete", metricsProvider: this.metrics }));
    const orphanQueue = (this.orphanQueue = new RateLimitingQueue<string>({ clock, name: "garbage_collector_attempt_to_orphan", metricsProvider: this.metrics }));
    const registrations = this.monitors.map((m) =>
      m.informer.addEventHandler({
        onAdd: (obj) => this.graph.observe(m, obj),
        onUpdate: (old, obj) => this.graph.observe(m, obj, old),
        onDelete: (value) => this.graph.forget(objectOrTombstoneObject(value)),
      }),
    );
    const stop = (): void => {
      deleteQueue.shutDown();
      orphanQueue.shutDown();
    };
    signal.addEventListener("abort", stop, { once: true });
    try {
      const synced = await Promise.all(this.monitors.map((m) => m.informer.waitForSync(signal)));
      if (!synced.every(Boolean) || signal.aborted) return;
      const running: Promise<void>[] = [];
      for (let i = 0; i < Math.max(1, this.workers); i++) {
        running.push(this.work(deleteQueue, (n) => this.attemptToDeleteItem(n), signal));
        running.push(this.work(orphanQueue, (n) => this.attemptToOrphanItem(n), signal));
      }
      await Promise.all(running);
    } finally {
      signal.removeEventListener("abort", stop);
      stop();
      for (const r of registrations) r.remove();
    }
  }

  private async work(queue: RateLimitingQueue<string>, process: (node: GraphNode) => Promise<Outcome>, signal: AbortSignal): Promise<void> {
    for (let uid = await queue.get(); uid !== undefined; uid = await queue.get()) {
      try {
        const node = signal.aborted ? undefined : this.graph.node(uid);
        if (!node) queue.forget(uid);
        else if ((await process(node)) === "requeue") queue.addRateLimited(uid);
        else queue.forget(uid);
      } catch (err) {
        if (!signal.aborted) {
          this.log.error("error syncing item", { uid, error: err });
          queue.addRateLimited(uid);
        }
      } finally {
        queue.done(uid);
      }
    }
  }

  // ------------------------------------------------------------------ lookups

  /** The node's type: the informer's it was observed in, else what its reference names (undefined: not served). */
  private typeOf(node: GraphNode): RegisteredType | undefined {
    return node.monitor?.type ?? this.registry.find({ apiVersion: node.identity.apiVersion, kind: node.identity.kind });
  }

  /** The node's object: from its informer's cache when it holds that uid, else read live; undefined when absent. */
  private async objectOf(node: GraphNode, type: RegisteredType): Promise<KubeObject | undefined> {
    const id = node.identity;
    const cached = node.monitor?.informer.indexer.getByKey(id.namespace ? `${id.namespace}/${id.name}` : id.name);
    if (cached?.metadata?.uid === id.uid) return cached;
    const namespace = type.descriptor.namespaced ? id.namespace : "";
    if (type.descriptor.namespaced && !namespace) return undefined;
    return this.liveRead(type, id.name, namespace, id.uid);
  }

  private async liveRead(type: RegisteredType, name: string, namespace: string, uid: string): Promise<KubeObject | undefined> {
    try {
      const live = await this.clientFor(type).get(name, namespace ? { namespace } : {});
      return live.metadata?.uid === uid ? live : undefined;
    } catch (err) {
      if (isStatusError(err, "NotFound")) return undefined;
      throw err;
    }
  }

  private clientFor(type: RegisteredType) {
    const d = type.descriptor;
    return this.mgr.client.resource({ group: d.group, version: d.version, resource: d.plural });
  }

  private itemsOf(nodes: Iterable<GraphNode>): Promise<Item[]> {
    return Promise.all(
      [...nodes].map(async (n) => {
        const type = this.typeOf(n);
        const obj = type && (await this.objectOf(n, type));
        return type && obj ? { obj, type } : undefined;
      }),
    ).then((items) => items.filter((i): i is Item => i !== undefined));
  }

  // ------------------------------------------------------------------ the workers

  /** Upstream's attemptToDeleteItem: collect the item if none of its owners is solid, prune the references that are not. */
  private async attemptToDeleteItem(node: GraphNode): Promise<Outcome> {
    // Being deleted is a one-way trip: its dependents are handled once it is gone.
    if (node.beingDeleted && !node.deletingDependents) return "forget";
    const type = this.typeOf(node);
    if (!type) return "forget"; // a kind the server does not serve: never collect on its account
    const obj = await this.objectOf(node, type);
    if (!obj) {
      return this.graph.virtualDelete(node.identity) ? "requeue" : "forget";
    }
    const item: Item = { obj, type };
    if (node.deletingDependents) {
      await this.processDeletingDependents(node, item);
      return "forget";
    }
    await this.collect(node, item);
    // A virtual node found live: checked again until an informer observes it.
    return node.virtual ? "requeue" : "forget";
  }

  private async collect(node: GraphNode, item: Item): Promise<void> {
    const obj = item.obj;
    const refs = obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    const classified = await this.classify(item, refs);
    if (!classified) return;
    const { solid, dangling, waiting } = classified;
    if (solid.length > 0) {
      // Waiting references go too, or their owners would wait for this dependent forever.
      if (dangling.length > 0 || waiting.length > 0) await this.removeOwnerReferences(item, new Set([...dangling, ...waiting].map((r) => r.uid)));
      return;
    }
    if (waiting.length > 0 && node.dependents?.size) {
      // A dependent already deleting its own dependents may be waiting on this item: unblock to break the cycle.
      for (const dep of node.dependents) {
        if (!dep.deletingDependents) continue;
        await this.unblockOwnerReferences(item);
        break;
      }
      await this.deleteObject(item, "Foreground");
      return;
    }
    await this.deleteObject(item, hasFinalizer(obj, ORPHAN) ? "Orphan" : hasFinalizer(obj, FOREGROUND) ? "Foreground" : "Background");
  }

  /** An owner deleting in the foreground keeps its finalizer while a dependent blocks it (`blockOwnerDeletion: true`). */
  private async processDeletingDependents(node: GraphNode, owner: Item): Promise<void> {
    const blocking = node.blockingDependents();
    if (blocking.length === 0) {
      await this.removeFinalizer(owner, FOREGROUND);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.deleteQueue?.add(dep.identity.uid);
  }

  /** Upstream's attemptToOrphanWorker: the owner's reference goes from every dependent, then its `orphan` finalizer. */
  private async attemptToOrphanItem(node: GraphNode): Promise<Outcome> {
    const type = this.typeOf(node);
    const obj = type && (await this.objectOf(node, type));
    if (!type || !obj) return "forget";
    const uid = new Set([node.identity.uid]);
    for (const dep of await this.itemsOf(node.dependents ?? [])) await this.removeOwnerReferences(dep, uid);
    await this.removeFinalizer({ obj, type }, ORPHAN);
    return "forget";
  }

  // ------------------------------------------------------------------ owners

  /** Sorts the item's references; undefined when one cannot be resolved (unserved kind, namespaced owner of a cluster-scoped item). */
  private async classify(item: Item, refs: readonly OwnerReference[]): Promise<Classified | undefined> {
    const out: Classified = { solid: [], dangling: [], waiting: [] };
    for (const ref of refs) {
      const owner = await this.resolveOwner(item, ref);
      if (owner === "unresolvable") return undefined;
      if (owner === undefined) out.dangling.push(ref);
      else if (deletingDependents(owner)) out.waiting.push(ref);
      else out.solid.push(ref);
    }
    return out;
  }

  /**
   * The owner `ref` names as seen from `item` (upstream's isDangling): a namespaced owner is
   * looked for in the item's namespace only. The cache answers when it holds the owner under
   * those coordinates; otherwise a live read by name decides (absent, or another uid: dangling).
   */
  private async resolveOwner(item: Item, ref: OwnerReference): Promise<KubeObject | undefined | "unresolvable"> {
    const namespace = item.obj.metadata?.namespace ?? "";
    const type = this.registry.find({ apiVersion: ref.apiVersion, kind: ref.kind });
    if (!type) return "unresolvable"; // a kind the server does not serve: never collect on its account
    const namespaced = type.descriptor.namespaced;
    if (namespaced && !namespace) {
      this.reportInvalidNamespace(item, ref, namespace);
      return "unresolvable";
    }
    const ownerNamespace = namespaced ? namespace : "";
    const absent = absentKey(ref.uid, ownerNamespace);
    if (this.absentOwners.has(absent)) return undefined;
    const node = this.graph.node(ref.uid);
    if (node?.monitor) {
      const id = node.identity;
      if (namespaced && id.namespace && id.namespace !== namespace) this.reportInvalidNamespace(item, ref, namespace);
      else if (id.kind === ref.kind && id.name === ref.name) {
        const cached = await this.objectOf(node, node.monitor.type);
        if (cached) return cached;
      }
    }
    try {
      const live = await this.mgr.client.resource({ apiVersion: ref.apiVersion, kind: ref.kind }).get(ref.name, namespaced ? { namespace } : {});
      if (live.metadata?.uid === ref.uid) return live;
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
    this.rememberAbsent(absent);
    return undefined;
  }

  private rememberAbsent(key: string): void {
    this.absentOwners.set(key, true);
    if (this.absentOwners.size > ABSENT_OWNER_CACHE_SIZE) this.absentOwners.delete(this.absentOwners.keys().next().value!);
  }

  private reportInvalidNamespace(item: Item, ref: OwnerReference, namespace: string): void {
    this.recorder.eventf(item.obj, "Warning", "OwnerRefInvalidNamespace", "ownerRef %s does not exist in namespace %q", identity(ref, namespace), namespace);
  }

  // ------------------------------------------------------------------ writes

  /**
   * Removes the references to `uids` from the item: a JSON patch whose `test` operations pin the
   * item's uid and each removed entry's uid, so nothing else in the list is touched. A stale cache
   * fails the tests; the patch is then rebuilt from a live read.
   */
  private async removeOwnerReferences(item: Item, uids: ReadonlySet<string>): Promise<void> {
    await this.patchOwnerReferences(item, (refs) => {
      const hits = refs.flatMap((r, i) => (uids.has(r.uid) ? [i] : []));
      if (hits.length === 0) return undefined;
      const tests = hits.map((i) => ({ op: "test", path: `/metadata/ownerReferences/${i}/uid`, value: refs[i]!.uid }));
      if (hits.length === refs.length) return [...tests, { op: "remove", path: "/metadata/ownerReferences" }];
      return [...tests, ...hits.reverse().map((i) => ({ op: "remove", path: `/metadata/ownerReferences/${i}` }))];
    });
  }

  /** Sets `blockOwnerDeletion: false` on the item's blocking references (upstream's unblockOwnerReferences patch). */
  private async unblockOwnerReferences(item: Item): Promise<void> {
    await this.patchOwnerReferences(item, (refs) => {
      const hits = refs.flatMap((r, i) => (r.blockOwnerDeletion === true ? [i] : []));
      if (hits.length === 0) return undefined;
      return hits.flatMap((i) => [
        { op: "test", path: `/metadata/ownerReferences/${i}/uid`, value: refs[i]!.uid },
        { op: "replace", path: `/metadata/ownerReferences/${i}/blockOwnerDeletion`, value: false },
      ]);
    });
  }

  private async patchOwnerReferences(item: Item, build: (refs: readonly OwnerReference[]) => object[] | undefined): Promise<void> {
    const meta = item.obj.metadata!;
    const client = this.clientFor(item.type);
    let refs = meta.ownerReferences ?? [];
    for (let attempt = 1; ; attempt++) {
      const ops = build(refs);
      if (!ops) return;
      try {
        await client.patch(meta.name!, "json", [{ op: "test", path: "/metadata/uid", value: meta.uid }, ...ops], { ...nsOption(item.obj), fieldManager: FIELD_MANAGER });
        return;
      } catch (err) {
        if (isStatusError(err, "NotFound")) return;
        if (!isStatusError(err, "Invalid") || attempt >= MAX_PATCH_ATTEMPTS) throw err;
      }
      // A failed test: the cached object was stale. Rebuild from the live object.
      const live = await this.liveItem(item);
      if (!live) return;
      refs = live.metadata?.ownerReferences ?? [];
    }
  }

  /**
   * Deletes the item with its uid and resourceVersion as preconditions. When the object changed
   * meanwhile, it is deleted anyway if its ownerReferences did not (upstream's deleteObject);
   * otherwise its own event brings it back.
   */
  private async deleteObject(item: Item, policy: NonNullable<DeleteOptions["propagationPolicy"]>): Promise<void> {
    const meta = item.obj.metadata!;
    const client = this.clientFor(item.type);
    const options = { ...nsOption(item.obj), propagationPolicy: policy };
    try {
      await client.delete(meta.name!, { ...options, preconditions: { uid: meta.uid!, resourceVersion: meta.resourceVersion! } });
      return;
    } catch (err) {
      if (isStatusError(err, "NotFound")) return;
      if (!isStatusError(err, "Conflict")) throw err;
    }
    const live = await this.liveItem(item);
    if (!live) return;
    if (!isDeepStrictEqual(live.metadata?.ownerReferences ?? [], meta.ownerReferences ?? [])) throw new Error(`the ownerReferences of ${meta.name} changed while it was being collected`);
    await unlessGone(client.delete(meta.name!, { ...options, preconditions: { uid: meta.uid! } }));
  }

  /** The item as the server has it now; undefined when it is gone or replaced (another uid under its name). */
  private liveItem(item: Item): Promise<KubeObject | undefined> {
    const meta = item.obj.metadata!;
    return this.liveRead(item.type, meta.name!, meta.namespace ?? "", meta.uid!);
  }

  /**
   * Removes one finalizer with a merge patch pinned to the resourceVersion; a lost race is tried
   * again on a fresh read, then left to the queue's backoff (upstream's removeFinalizer retries on conflict).
   */
  private async removeFinalizer(target: Item, finalizer: string): Promise<void> {
    let obj: KubeObject | undefined = target.obj;
    for (let attempt = 1; obj && hasFinalizer(obj, finalizer); attempt++) {
      const meta = obj.metadata!;
      const finalizers = (meta.finalizers ?? []).filter((f) => f !== finalizer);
      try {
        await this.clientFor(target.type).patch(meta.name!, "merge", { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: meta.resourceVersion } }, { ...nsOption(obj), fieldManager: FIELD_MANAGER });
        return;
      } catch (err) {
        if (isStatusError(err, "NotFound")) return;
        if (!isStatusError(err, "Conflict") || attempt >= MAX_PATCH_ATTEMPTS) throw err;
      }
      obj = await this.liveItem({ obj, type: target.type });
    }
  }
}
