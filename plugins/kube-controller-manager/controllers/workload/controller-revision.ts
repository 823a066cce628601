import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { ControllerRevision } from "kubernetes-types/apps/v1.js";
import { isStatusError, type KubeObject, type ResourceClient } from "../../../../core/index.js";
import { computeHash, safeEncodeString } from "../deployment/pod-template-hash.js";
import { newControllerRef } from "./controller-ref.js";
import { goJsonValue, goMarshalMap } from "./go-json.js";

/** The label on pods naming their revision; a DaemonSet's ControllerRevisions carry it too (DefaultDaemonSetUniqueLabelKey). */
export const CONTROLLER_REVISION_HASH = "controller-revision-hash";
/** The hash label history.NewControllerRevision puts on a StatefulSet's ControllerRevisions (ControllerRevisionHashLabel). */
export const HISTORY_HASH_LABEL = "controller.kubernetes.io/hash";

export interface RevisionPatch {
  /** The revision's `data`: `{"spec":{"template":{..., "$patch":"replace"}}}`. */
  readonly data: { spec: { template: Record<string, unknown> } };
  /** Its bytes as upstream's getPatch marshals them (what the hash and Match compare). */
  readonly raw: string;
}

const patches = new WeakMap<PodTemplateSpec, RevisionPatch>();
const raws = new WeakMap<object, string>();

/**
 * Upstream's getPatch (daemon/update.go, stateful_set_utils.go): the owner marshalled as Go's
 * encoding/json does, read back into a map, and the template alone re-marshalled with
 * `$patch: replace` — keys sorted at every level, zero values Go writes kept
 * (`creationTimestamp: null`, `resources: {}`). Cached per (immutable) template.
 */
export function revisionPatch(template: PodTemplateSpec | undefined): RevisionPatch {
  const t = template ?? {};
  let p = patches.get(t);
  if (!p) {
    const raw = goMarshalMap({ spec: { template: { ...(goJsonValue(t, "core.PodTemplateSpec") as Record<string, unknown>), $patch: "replace" } } });
    // Parsed back so the stored object lists its keys in the same (sorted) order as the bytes.
    p = { data: JSON.parse(raw) as RevisionPatch["data"], raw };
    patches.set(t, p);
  }
  return p;
}

/** A stored revision's data as Go bytes (the Data.Raw upstream compares). */
export function revisionRaw(rev: ControllerRevision): string {
  const data = (rev.data ?? null) as object | null;
  if (data === null) return "null";
  let raw = raws.get(data);
  if (raw === undefined) raws.set(data, (raw = goMarshalMap(data)));
  return raw;
}

/** FNV-1 (not 1a) 32-bit, as Go's hash/fnv New32. */
function fnv1(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const b of bytes) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  return h >>> 0;
}

const encoder = new TextEncoder();
/**
 * history.HashControllerRevision: FNV-1 32 over the data's bytes, then over the collision count
 * written in decimal, printed in decimal and passed through SafeEncodeString.
 */
export function hashControllerRevision(raw: string, probe?: number): string {
  let h = fnv1(encoder.encode(raw));
  if (probe !== undefined) h = fnv1(encoder.encode(String(probe)), h);
  return safeEncodeString(String(h));
}

/** The template a revision stores (what kubectl rollout undo applies). */
export function templateOfRevision(rev: ControllerRevision): unknown {
  const data = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const { $patch: _ignored, ...template } = data?.spec?.template ?? {};
  return template;
}

/** `<owner>-<hash>` with the prefix cut to fit 253 characters (ControllerRevisionName). */
export function revisionName(owner: string, hash: string): string {
  return `${owner.length > 223 ? owner.slice(0, 223) : owner}-${hash}`;
}

export interface RevisionOwner extends KubeObject {
  spec?: { template?: PodTemplateSpec; revisionHistoryLimit?: number };
  status?: { collisionCount?: number };
}

export interface CurrentRevision {
  readonly revision: ControllerRevision;
  /** The collision count the owner's status should carry (raised past name collisions for a StatefulSet). */
  readonly collisionCount: number | undefined;
}

/** A DaemonSet met a revision name taken by other data: its collisionCount was raised, sync again. */
export class RevisionCollision extends Error {}

/**
 * The owner's current revision (DaemonSet constructHistory + snapshot, StatefulSet
 * getStatefulSetRevisions + history.CreateControllerRevision): the existing revision whose data
 * equals the owner's patch (moved to the highest revision number when an older one is reused, as
 * a rollback does), or a new one numbered one past the highest, labelled with the template's
 * labels and the hash, annotated with the owner's annotations.
 *
 * Names differ by kind as upstream: a DaemonSet's revision is `<ds>-<ComputeHash(template,
 * collisionCount)>` labelled `controller-revision-hash` (the pod-template-hash function); on a
 * name taken by other data its status collisionCount is raised through `bumpCollisionCount` and
 * {@link RevisionCollision} is thrown. A StatefulSet's is `<set>-<HashControllerRevision(data,
 * collisionCount)>` labelled `controller.kubernetes.io/hash`; on a collision the count is raised
 * locally and returned.
 */
export async function currentRevision(
  client: ResourceClient<ControllerRevision>,
  owner: RevisionOwner,
  apiVersion: string,
  kind: "DaemonSet" | "StatefulSet",
  history: readonly ControllerRevision[],
  bumpCollisionCount?: () => Promise<void>,
): Promise<CurrentRevision> {
  const max = history.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
  const ns = owner.metadata!.namespace!;
  const patch = revisionPatch(owner.spec?.template);
  const stateful = kind === "StatefulSet";
  let collisionCount = owner.status?.collisionCount ?? (stateful ? 0 : undefined);
  const existing = history.filter((r) => revisionRaw(r) === patch.raw).sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
  if (existing) {
    if ((existing.revision ?? 0) >= max) return { revision: existing, collisionCount };
    const moved = (await client.patch(existing.metadata!.name!, "merge", { revision: max + 1 }, { namespace: ns })) as ControllerRevision;
    return { revision: moved, collisionCount };
  }
  const hash = stateful ? hashControllerRevision(patch.raw, collisionCount) : computeHash(owner.spec?.template ?? {}, collisionCount);
  const annotations = owner.metadata?.annotations;
  const rev: ControllerRevision = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(owner.metadata!.name!, hash),
      namespace: ns,
      labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [stateful ? HISTORY_HASH_LABEL : CONTROLLER_REVISION_HASH]: hash },
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
      ownerReferences: [newControllerRef(owner, apiVersion, kind)],
    },
    data: patch.data,
    revision: max + 1,
  };
  for (;;) {
    try {
      const created = (await client.create(rev, { namespace: ns, fieldManager: "kube-controller-manager" })) as ControllerRevision;
      return { revision: created, collisionCount };
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
      const found = (await client.get(rev.metadata!.name!, { namespace: ns })) as ControllerRevision;
      const ours = !stateful ? found.metadata?.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata!.uid) : true;
      if (ours && revisionRaw(found) === patch.raw) return { revision: found, collisionCount };
      if (!stateful) {
        await bumpCollisionCount?.();
        throw new RevisionCollision(`found a hash collision for DaemonSet ${owner.metadata!.name} - bumping collisionCount to ${(collisionCount ?? 0) + 1} to resolve it`);
      }
      collisionCount = (collisionCount ?? 0) + 1;
      rev.metadata!.name = revisionName(owner.metadata!.name!, hashControllerRevision(patch.raw, collisionCount));
    }
  }
}

/** The hash a DaemonSet revision's pods carry. */
export function revisionHash(rev: ControllerRevision): string {
  return rev.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? rev.metadata!.name!.slice(rev.metadata!.name!.lastIndexOf("-") + 1);
}

/**
 * Deletes the oldest revisions past `revisionHistoryLimit` (default 10) that no live pod uses and
 * that are not `keep` (upstream's cleanupHistory / truncateHistory).
 */
export async function truncateHistory(client: ResourceClient<ControllerRevision>, owner: RevisionOwner, history: readonly ControllerRevision[], inUse: (rev: ControllerRevision) => boolean, keep: readonly string[]): Promise<void> {
  const limit = owner.spec?.revisionHistoryLimit ?? 10;
  const candidates = history.filter((r) => !keep.includes(r.metadata!.name!) && !inUse(r)).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const excess = candidates.length - limit;
  for (let i = 0; i < excess; i++) {
    await client.delete(candidates[i]!.metadata!.name!, { namespace: owner.metadata!.namespace! }).catch((err: unknown) => {
      if (!isStatusError(err, "NotFound")) throw err;
    });
  }
}
