import { isDeepStrictEqual } from "node:util";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import type { KubeObject, ObjectLike } from "../../../core/api/object.js";
import type { RegisteredType, ResourceRegistry } from "../../../core/api/resource-registry.js";
import { isStatusError } from "../../../core/api/status.js";
import type { DeleteOptions } from "../../../core/client/client.js";
import { Controller } from "../../../core/controller/controller.js";
import { enqueueRequestsFromMapFunc } from "../../../core/controller/enqueue-handlers.js";
import type { ControllerRegistration } from "../../../core/controller/extension-point.js";
import type { Manager } from "../../../core/controller/manager.js";
import type { Request } from "../../../core/controller/reconciler.js";
import type { EventRecorder } from "../../../core/events/event-recorder.js";
import type { SharedInformer } from "../../../core/informers/shared-informer.js";

/** Finalizers the API server records for non-background propagation (`metav1.FinalizerOrphanDependents`, `FinalizerDeleteDependents`). */
const ORPHAN = "orphan";
const FOREGROUND = "foregroundDeletion";

const OWNER_INDEX = "gc/owner-uid";
const UID_INDEX = "gc/uid";

/** Field manager of the collector's writes. */
const FIELD_MANAGER = "garbage-collector";

/** Owners confirmed absent, remembered so a thousand dependents of one deleted owner cost one read (upstream's absentOwnerCache). */
const ABSENT_OWNER_CACHE_SIZE = 500;

/** Writes guarded by a precondition are tried again this often against a fresh read before the key is retried with backoff. */
const MAX_PATCH_ATTEMPTS = 3;

interface Tracked {
  type: RegisteredType;
  informer: SharedInformer<KubeObject>;
}

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

/**
 * The garbage collector of kube-controller-manager (pkg/controller/garbagecollector), over the
 * same informers every controller uses, with an owner-uid index in place of the dependency graph.
 * Requests are object uids; an object concerns the collector as an owner (its uid) and as a
 * dependent (its owners' uids). Per object, as upstream's workers:
 * - deleted with `Orphan` (finalizer `orphan`): its ownerReference is removed from each dependent
 *   (a JSON patch removing exactly that entry, guarded by `test` operations on the dependent's
 *   uid and the entry's uid), then the finalizer;
 * - deleted with `Foreground` (finalizer `foregroundDeletion`): every dependent is looked at as
 *   below; the finalizer goes once no dependent blocks it (`blockOwnerDeletion: true`);
 * - a dependent's ownerReferences are classified as solid, dangling (owner absent, including a
 *   namespaced owner that exists only in another namespace, reported with a warning event
 *   `OwnerRefInvalidNamespace`) or waiting (owner deleting in the foreground). With a solid owner
 *   left, the dangling and waiting references are removed; otherwise the dependent is deleted —
 *   in the foreground if an owner waits for it and it has dependents of its own, else with the
 *   propagation its own `orphan` / `foregroundDeletion` finalizer implies (Background without) —
 *   with its uid and resourceVersion as preconditions.
 * Owners of kinds the server does not serve, and namespaced owners of cluster-scoped dependents,
 * are left unresolved: such a dependent is never collected.
 */
export function garbageCollector(registry: ResourceRegistry): ControllerRegistration {
  return {
    name: "garbagecollector",
    setup(mgr: Manager) {
      const tracked: Tracked[] = [];
      const collector = new Collector(mgr, registry, tracked, mgr.getEventRecorderFor("garbage-collector-controller"));
      const controller = new Controller({
        name: "garbagecollector",
        clock: mgr.clock,
        log: mgr.log.child("garbagecollector"),
        needLeaderElection: false,
        reconciler: { reconcile: (request: Request) => collector.reconcile(request.name) },
      });
      const seen = new Set<string>();
      for (const type of registry.all()) {
        const d = type.descriptor;
        const key = `${d.group}/${d.plural}`;
        if (seen.has(key) || (d.verbs && !d.verbs.includes("watch"))) continue;
        seen.add(key);
        const informer = mgr.informers.forResource<KubeObject>({ group: d.group, version: d.version, resource: d.plural }, {
          indexers: {
            [OWNER_INDEX]: (o: ObjectLike) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid),
            [UID_INDEX]: (o: ObjectLike) => (o.metadata?.uid ? [o.metadata.uid] : []),
          },
        });
        tracked.push({ type, informer });
        const where: Tracked = { type, informer };
        controller.watch({
          informer,
          handler: enqueueRequestsFromMapFunc<KubeObject>((o) => {
            if (o.metadata?.uid) collector.seenIn(o.metadata.uid, where);
            return [...(o.metadata?.uid ? [{ name: o.metadata.uid }] : []), ...(o.metadata?.ownerReferences ?? []).map((r) => ({ name: r.uid }))];
          }),
        });
      }
      mgr.add(controller);
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

/** `[v1/ConfigMap, namespace: ns, name: x, uid: u]`, as the collector's objectReference prints. */
function identity(ref: OwnerReference, namespace: string): string {
  return `[${ref.apiVersion}/${ref.kind}, namespace: ${namespace}, name: ${ref.name}, uid: ${ref.uid}]`;
}

class Collector {
  /** `uid/namespace` of owners confirmed absent (namespace empty for cluster-scoped owners). */
  private readonly absentOwners = new Map<string, true>();
  /**
   * The informer an object was last seen in, by uid: {@link byUid} looks there before asking every
   * tracked informer. An entry goes when a lookup no longer finds the object.
   */
  private readonly lastSeen = new Map<string, Tracked>();

  constructor(
    private readonly mgr: Manager,
    private readonly registry: ResourceRegistry,
    private readonly tracked: readonly Tracked[],
    private readonly recorder: EventRecorder,
  ) {}

  async reconcile(uid: string): Promise<void> {
    const item = this.byUid(uid);
    if (!item) {
      // Gone (or never existed): its dependents may now be garbage.
      for (const dep of this.dependentsOf(uid)) await this.attemptToDelete(dep);
      return;
    }
    const obj = item.obj;
    if (obj.metadata?.deletionTimestamp && hasFinalizer(obj, ORPHAN)) {
      await this.orphanDependents(item);
      await this.removeFinalizer(item, ORPHAN);
      return;
    }
    if (deletingDependents(obj)) {
      for (const dep of this.dependentsOf(uid)) if (!dep.obj.metadata?.deletionTimestamp) await this.attemptToDelete(dep);
      await this.processDeletingDependents(item);
      return;
    }
    await this.attemptToDelete(item);
  }

  // ------------------------------------------------------------------ cache lookups

  /** Notes that an object with `uid` was seen in `where`'s informer (an event of it). */
  seenIn(uid: string, where: Tracked): void {
    this.lastSeen.set(uid, where);
  }

  private byUid(uid: string): Item | undefined {
    const hint = this.lastSeen.get(uid);
    if (hint) {
      const found = hint.informer.indexer.byIndex(UID_INDEX, uid)[0];
      if (found) return { obj: found, type: hint.type };
      this.lastSeen.delete(uid);
    }
    for (const t of this.tracked) {
      const found = t.informer.indexer.byIndex(UID_INDEX, uid)[0];
      if (found) return { obj: found, type: t.type };
    }
    return undefined;
  }

  private dependentsOf(uid: string): Item[] {
    const out: Item[] = [];
    for (const t of this.tracked) for (const obj of t.informer.indexer.byIndex(OWNER_INDEX, uid)) out.push({ obj, type: t.type });
    return out;
  }

  private clientFor(type: RegisteredType) {
    const d = type.descriptor;
    return this.mgr.client.resource({ group: d.group, version: d.version, resource: d.plural });
  }

  // ------------------------------------------------------------------ the workers

  /** Upstream's attemptToDeleteItem: collect the item if none of its owners is solid, prune the references that are not. */
  private async attemptToDelete(item: Item): Promise<void> {
    const obj = item.obj;
    if (obj.metadata?.deletionTimestamp) {
      if (deletingDependents(obj)) await this.processDeletingDependents(item);
      return; // being deleted: its dependents are handled once it is gone
    }
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
    const dependents = waiting.length > 0 ? this.dependentsOf(obj.metadata!.uid!) : [];
    if (dependents.length > 0) {
      // A dependent already deleting its own dependents may be waiting on this item: unblock to break the cycle.
      if (dependents.some((d) => deletingDependents(d.obj))) await this.unblockOwnerReferences(item);
      await this.deleteObject(item, "Foreground");
      return;
    }
    await this.deleteObject(item, hasFinalizer(obj, ORPHAN) ? "Orphan" : hasFinalizer(obj, FOREGROUND) ? "Foreground" : "Background");
  }

  /** An owner deleting in the foreground keeps its finalizer while a dependent blocks it (`blockOwnerDeletion: true`). */
  private async processDeletingDependents(owner: Item): Promise<void> {
    const uid = owner.obj.metadata!.uid!;
    const blocking = this.dependentsOf(uid).filter((d) => d.obj.metadata?.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) await this.removeFinalizer(owner, FOREGROUND);
  }

  private async orphanDependents(owner: Item): Promise<void> {
    const uid = new Set([owner.obj.metadata!.uid!]);
    for (const dep of this.dependentsOf(owner.obj.metadata!.uid!)) await this.removeOwnerReferences(dep, uid);
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
    const absentKey = `${ref.uid}/${ownerNamespace}`;
    if (this.absentOwners.has(absentKey)) return undefined;
    const cached = this.byUid(ref.uid);
    if (cached) {
      const m = cached.obj.metadata ?? {};
      if (namespaced && m.namespace && m.namespace !== namespace) this.reportInvalidNamespace(item, ref, namespace);
      else if (cached.type.descriptor.kind === ref.kind && m.name === ref.name) return cached.obj;
    }
    try {
      const live = await this.mgr.client.resource({ apiVersion: ref.apiVersion, kind: ref.kind }).get(ref.name, namespaced ? { namespace } : {});
      if (live.metadata?.uid === ref.uid) return live;
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
    this.rememberAbsent(absentKey);
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
      const live = await this.liveRead(item);
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
    const live = await this.liveRead(item);
    if (!live || !isDeepStrictEqual(live.metadata?.ownerReferences ?? [], meta.ownerReferences ?? [])) return;
    await unlessGone(client.delete(meta.name!, { ...options, preconditions: { uid: meta.uid! } }).catch((err: unknown) => {
      if (!isStatusError(err, "Conflict")) throw err;
    }));
  }

  /** The item as the server has it now; undefined when it is gone or replaced (another uid under its name). */
  private async liveRead(item: Item): Promise<KubeObject | undefined> {
    const meta = item.obj.metadata!;
    try {
      const live = await this.clientFor(item.type).get(meta.name!, nsOption(item.obj));
      return live.metadata?.uid === meta.uid ? live : undefined;
    } catch (err) {
      if (isStatusError(err, "NotFound")) return undefined;
      throw err;
    }
  }

  /** Removes one finalizer with a merge patch pinned to the resourceVersion; a lost race is retried on the next event. */
  private async removeFinalizer(target: Item, finalizer: string): Promise<void> {
    const meta = target.obj.metadata!;
    const finalizers = (meta.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await this.clientFor(target.type).patch(meta.name!, "merge", { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: meta.resourceVersion } }, { ...nsOption(target.obj), fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
    }
  }
}
