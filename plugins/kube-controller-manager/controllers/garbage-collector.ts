import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import type { KubeObject, ObjectLike } from "../../../core/api/object.js";
import type { RegisteredType, ResourceRegistry } from "../../../core/api/resource-registry.js";
import { isStatusError } from "../../../core/api/status.js";
import { Controller } from "../../../core/controller/controller.js";
import { enqueueRequestsFromMapFunc } from "../../../core/controller/enqueue-handlers.js";
import type { ControllerRegistration } from "../../../core/controller/extension-point.js";
import type { Manager } from "../../../core/controller/manager.js";
import type { Request } from "../../../core/controller/reconciler.js";
import type { SharedInformer } from "../../../core/informers/shared-informer.js";

/** Finalizers the API server records for non-background propagation (`metav1.FinalizerOrphanDependents`, `FinalizerDeleteDependents`). */
const ORPHAN = "orphan";
const FOREGROUND = "foregroundDeletion";

const OWNER_INDEX = "gc/owner-uid";
const UID_INDEX = "gc/uid";

/** Looks again at an owner whose dependents are still going away. */
const RECHECK_MS = 2_000;

interface Tracked {
  type: RegisteredType;
  informer: SharedInformer<KubeObject>;
}

/**
 * The garbage collector of kube-controller-manager (pkg/controller/garbagecollector), reduced to
 * its observable behaviour, over the same informers every controller uses:
 * - an object deleted with `Orphan` propagation (finalizer `orphan`): its dependents lose their
 *   ownerReference to it, then the finalizer is removed;
 * - with `Foreground` (finalizer `foregroundDeletion`): its dependents are deleted (foreground
 *   too), and once none is left the finalizer is removed;
 * - dependents all of whose owners are gone (`Background`, the default) are deleted.
 * Requests are object uids. An owner counts as gone only when a live read by its
 * ownerReference (apiVersion, kind, name) finds nothing with that uid; owners of kinds the
 * server does not serve are left alone.
 */
export function garbageCollector(registry: ResourceRegistry): ControllerRegistration {
  return {
    name: "garbagecollector",
    setup(mgr: Manager) {
      const tracked: Tracked[] = [];
      const controller = new Controller({
        name: "garbagecollector",
        clock: mgr.clock,
        log: mgr.log.child("garbagecollector"),
        needLeaderElection: false,
        reconciler: { reconcile: (request) => reconcileUid(mgr, registry, tracked, request) },
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
        controller.watch({
          informer,
          // An object concerns the collector as an owner (its own uid) and as a dependent (its owners' uids).
          handler: enqueueRequestsFromMapFunc<KubeObject>((o) => [
            ...(o.metadata?.uid ? [{ name: o.metadata.uid }] : []),
            ...(o.metadata?.ownerReferences ?? []).map((r) => ({ name: r.uid })),
          ]),
        });
      }
      mgr.add(controller);
    },
  };
}

function byUid(tracked: readonly Tracked[], uid: string): { obj: KubeObject; type: RegisteredType } | undefined {
  for (const t of tracked) {
    const found = t.informer.indexer.byIndex(UID_INDEX, uid)[0];
    if (found) return { obj: found, type: t.type };
  }
  return undefined;
}

function dependentsOf(tracked: readonly Tracked[], uid: string): { obj: KubeObject; type: RegisteredType }[] {
  const out: { obj: KubeObject; type: RegisteredType }[] = [];
  for (const t of tracked) for (const obj of t.informer.indexer.byIndex(OWNER_INDEX, uid)) out.push({ obj, type: t.type });
  return out;
}

function clientFor(mgr: Manager, type: RegisteredType) {
  const d = type.descriptor;
  return mgr.client.resource({ group: d.group, version: d.version, resource: d.plural });
}

function nsOption(obj: KubeObject): { namespace?: string } {
  return obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {};
}

/** Ignores NotFound (already gone) and Conflict (changed meanwhile: its own event brings it back). */
async function tolerant(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
  }
}

/** Whether the owner named by `ref` (as seen from a dependent in `namespace`) still exists with that uid. */
async function ownerExists(mgr: Manager, registry: ResourceRegistry, tracked: readonly Tracked[], ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
  if (byUid(tracked, ref.uid)) return true;
  const type = registry.find({ apiVersion: ref.apiVersion, kind: ref.kind });
  if (!type) return true; // a kind the server does not serve: never collect on its account
  try {
    const live = await mgr.client.resource({ apiVersion: ref.apiVersion, kind: ref.kind }).get(ref.name, type.descriptor.namespaced && namespace ? { namespace } : {});
    return live.metadata?.uid === ref.uid;
  } catch (err) {
    if (isStatusError(err, "NotFound")) return false;
    throw err;
  }
}

async function reconcileUid(mgr: Manager, registry: ResourceRegistry, tracked: readonly Tracked[], request: Request): Promise<void | { requeueAfter: number }> {
  const uid = request.name;
  const owner = byUid(tracked, uid);
  const dependents = dependentsOf(tracked, uid);
  if (owner) {
    const meta = owner.obj.metadata!;
    if (!meta.deletionTimestamp) return;
    const finalizers = meta.finalizers ?? [];
    if (finalizers.includes(ORPHAN)) {
      for (const d of dependents) {
        const refs = (d.obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
        await tolerant(clientFor(mgr, d.type).patch(d.obj.metadata!.name!, "merge", { metadata: { ownerReferences: refs.length ? refs : null } }, { ...nsOption(d.obj), fieldManager: "garbage-collector" }));
      }
      await removeFinalizer(mgr, owner, ORPHAN);
      return;
    }
    if (finalizers.includes(FOREGROUND)) {
      if (dependents.length > 0) {
        for (const d of dependents) {
          if (!d.obj.metadata?.deletionTimestamp) await tolerant(clientFor(mgr, d.type).delete(d.obj.metadata!.name!, { ...nsOption(d.obj), propagationPolicy: "Foreground" }));
        }
        return { requeueAfter: RECHECK_MS };
      }
      await removeFinalizer(mgr, owner, FOREGROUND);
    }
    return;
  }
  // The owner is gone (or never existed): collect dependents none of whose owners remain.
  for (const d of dependents) {
    if (d.obj.metadata?.deletionTimestamp) continue;
    let orphaned = true;
    for (const ref of d.obj.metadata?.ownerReferences ?? []) {
      if (await ownerExists(mgr, registry, tracked, ref, d.obj.metadata?.namespace)) {
        orphaned = false;
        break;
      }
    }
    if (orphaned) await tolerant(clientFor(mgr, d.type).delete(d.obj.metadata!.name!, { ...nsOption(d.obj), propagationPolicy: "Background", preconditions: { uid: d.obj.metadata!.uid! } }));
  }
}

async function removeFinalizer(mgr: Manager, target: { obj: KubeObject; type: RegisteredType }, finalizer: string): Promise<void> {
  const meta = target.obj.metadata!;
  const finalizers = (meta.finalizers ?? []).filter((f) => f !== finalizer);
  // resourceVersion makes it a compare-and-swap: a concurrent change wins and brings the object back.
  await tolerant(clientFor(mgr, target.type).patch(meta.name!, "merge", { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: meta.resourceVersion } }, { ...nsOption(target.obj), fieldManager: "garbage-collector" }));
}
