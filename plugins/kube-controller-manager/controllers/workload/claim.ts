import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { isStatusError, type LabelSelector, type ObjectLike, type ResourceClient, type SharedInformer } from "../../../../core/index.js";
import { POD_CONTROLLER_INDEX, orphanKey } from "./pod-index.js";

export interface ClaimOptions<T extends ObjectLike, O extends ObjectLike> {
  /** The informer of the objects claimed (Pods, ReplicaSets), with {@link POD_CONTROLLER_INDEX}. */
  informer: SharedInformer<T>;
  /** Client for their adoption and release patches. */
  client: ResourceClient<T>;
  owner: O;
  selector: LabelSelector;
  /** The controller reference adoption writes. */
  ref: OwnerReference;
  /** A live read of the owner, done once before adopting (upstream's canAdopt recheck). */
  recheck: () => Promise<O | undefined>;
}

function ignorable(err: unknown): boolean {
  return isStatusError(err, "NotFound") || isStatusError(err, "Invalid") || isStatusError(err, "Conflict");
}

/** A strategic merge patch of `obj`'s ownerReferences guarded by its uid; undefined when it is gone or changed. */
async function patchOwners<T extends ObjectLike>(client: ResourceClient<T>, obj: T, refs: unknown[]): Promise<T | undefined> {
  try {
    return await client.patch(obj.metadata!.name!, "strategic", { metadata: { ownerReferences: refs, uid: obj.metadata!.uid } }, { namespace: obj.metadata!.namespace! });
  } catch (err) {
    if (!ignorable(err)) throw err;
    return undefined;
  }
}

/** Releases `obj` from the owner `ownerUid` (removes that owner reference), as {@link claim} does with objects whose labels stopped matching. */
export async function release<T extends ObjectLike>(client: ResourceClient<T>, obj: T, ownerUid: string): Promise<void> {
  await patchOwners(client, obj, [{ $patch: "delete", uid: ownerUid }]);
}

/**
 * The objects `owner` controls after adoption and release (upstream's ControllerRefManager
 * `ClaimPods` / `ClaimReplicaSets`): owned objects whose labels still match stay; owned ones that
 * stopped matching lose their controller reference; orphans that match and are not being deleted
 * gain one (strategic merge patches on `ownerReferences` keyed by uid, guarded by the object's
 * uid). An owner being deleted neither adopts nor releases. Reads come from the informer's index.
 */
export async function claim<T extends ObjectLike, O extends ObjectLike>(o: ClaimOptions<T, O>): Promise<T[]> {
  const ns = o.owner.metadata!.namespace!;
  const uid = o.owner.metadata!.uid!;
  const deleting = !!o.owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  for (const obj of o.informer.indexer.byIndex(POD_CONTROLLER_INDEX, uid)) {
    if (obj.metadata?.namespace !== ns) continue;
    if (o.selector.matches(obj.metadata?.labels ?? {})) claimed.push(obj);
    else if (!deleting) await release(o.client, obj, uid);
  }
  if (deleting) return claimed;
  const orphans = o.informer.indexer.byIndex(POD_CONTROLLER_INDEX, orphanKey(ns)).filter((p) => !p.metadata?.deletionTimestamp && o.selector.matches(p.metadata?.labels ?? {}));
  if (orphans.length === 0) return claimed;
  const fresh = await o.recheck().catch((err: unknown) => {
    if (isStatusError(err, "NotFound")) return undefined;
    throw err;
  });
  if (fresh?.metadata?.uid !== uid || fresh.metadata?.deletionTimestamp) return claimed;
  for (const obj of orphans) {
    const adopted = await patchOwners(o.client, obj, [o.ref]);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}
