import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { ControllerRevision } from "kubernetes-types/apps/v1.js";
import { isStatusError, type KubeObject, type ResourceClient } from "../../../../core/index.js";
import { computeHash } from "../deployment/pod-template-hash.js";
import { newControllerRef } from "./controller-ref.js";

/** The label on ControllerRevisions and on the pods made from them. */
export const CONTROLLER_REVISION_HASH = "controller-revision-hash";

/** The revision's `data`: the strategic merge patch that restores the template (getPatch upstream). */
export function revisionData(template: PodTemplateSpec | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(template ?? {}), $patch: "replace" } } };
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

/** Same stored template (ignoring the `$patch` marker): the history entry for the current spec. */
export function sameTemplate(rev: ControllerRevision, template: PodTemplateSpec | undefined): boolean {
  return JSON.stringify(canonical(templateOfRevision(rev))) === JSON.stringify(canonical(template ?? {}));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)]));
  return v;
}

export interface RevisionOwner extends KubeObject {
  spec?: { template?: PodTemplateSpec; revisionHistoryLimit?: number };
  status?: { collisionCount?: number };
}

/**
 * The owner's current revision (upstream's constructHistory / getStatefulSetRevisions): the
 * existing revision holding the owner's template (moved to the highest revision number when an
 * older one is reused, as a rollback does), or a new `<owner>-<hash>` revision numbered one past
 * the highest, labelled with the template's labels and `controller-revision-hash`.
 */
export async function currentRevision(client: ResourceClient<ControllerRevision>, owner: RevisionOwner, apiVersion: string, kind: string, history: readonly ControllerRevision[]): Promise<ControllerRevision> {
  const max = history.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
  const ns = owner.metadata!.namespace!;
  const existing = history.filter((r) => sameTemplate(r, owner.spec?.template)).sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
  if (existing) {
    if ((existing.revision ?? 0) >= max) return existing;
    return (await client.patch(existing.metadata!.name!, "merge", { revision: max + 1 }, { namespace: ns })) as ControllerRevision;
  }
  const hash = computeHash(owner.spec?.template ?? {}, owner.status?.collisionCount);
  const rev: ControllerRevision = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(owner.metadata!.name!, hash),
      namespace: ns,
      labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      ownerReferences: [newControllerRef(owner, apiVersion, kind)],
    },
    data: revisionData(owner.spec?.template),
    revision: max + 1,
  };
  try {
    return (await client.create(rev, { namespace: ns, fieldManager: "kube-controller-manager" })) as ControllerRevision;
  } catch (err) {
    if (!isStatusError(err, "AlreadyExists")) throw err;
    const found = (await client.get(rev.metadata!.name!, { namespace: ns })) as ControllerRevision;
    if (found.metadata?.ownerReferences?.some((r) => r.uid === owner.metadata!.uid) && sameTemplate(found, owner.spec?.template)) return found;
    throw err;
  }
}

/** The hash a revision's pods carry. */
export function revisionHash(rev: ControllerRevision): string {
  return rev.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? rev.metadata!.name!.slice(rev.metadata!.name!.lastIndexOf("-") + 1);
}

/**
 * Deletes the oldest revisions past `revisionHistoryLimit` (default 10) that no live pod uses and
 * that are not `keep` (upstream's cleanupHistory / truncateHistory).
 */
export async function truncateHistory(client: ResourceClient<ControllerRevision>, owner: RevisionOwner, history: readonly ControllerRevision[], inUse: ReadonlySet<string>, keep: readonly string[]): Promise<void> {
  const limit = owner.spec?.revisionHistoryLimit ?? 10;
  const candidates = history.filter((r) => !keep.includes(r.metadata!.name!) && !inUse.has(revisionHash(r))).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const excess = candidates.length - limit;
  for (let i = 0; i < excess; i++) {
    await client.delete(candidates[i]!.metadata!.name!, { namespace: owner.metadata!.namespace! }).catch((err: unknown) => {
      if (!isStatusError(err, "NotFound")) throw err;
    });
  }
}
