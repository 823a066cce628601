import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { POD_TEMPLATE_HASH } from "./pod-template-hash.js";

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
/** Annotations a Deployment does not copy to its ReplicaSets. */
const SKIPPED_ANNOTATIONS = new Set(["kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to"]);
/** Upstream's maxRevHistoryLengthInChars. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

// Condition reasons (deploymentutil).
export const NEW_RS_AVAILABLE = "NewReplicaSetAvailable";
export const RS_UPDATED = "ReplicaSetUpdated";
export const TIMED_OUT = "ProgressDeadlineExceeded";
export const FOUND_NEW_RS = "FoundNewReplicaSet";
export const NEW_RS_CREATED = "NewReplicaSetCreated";
export const FAILED_RS_CREATE = "ReplicaSetCreateError";
export const PAUSED = "DeploymentPaused";
export const RESUMED = "DeploymentResumed";

/** A count or a percentage of `total` (intstr.GetScaledValueFromIntOrPercent). */
export function scaled(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    const n = Number(value);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
  }
  const v = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(v) : Math.floor(v);
}

export const replicasOf = (d: Deployment): number => d.spec?.replicas ?? 1;
export const rsReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;
export const isRollingUpdate = (d: Deployment): boolean => (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";

/** maxSurge rounded up and maxUnavailable rounded down; both zero makes maxUnavailable 1 (ResolveFenceposts). */
export function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const desired = replicasOf(d);
  const surge = scaled(ru?.maxSurge ?? "25%", desired, true);
  let unavailable = scaled(ru?.maxUnavailable ?? "25%", desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: Deployment): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(fenceposts(d).unavailable, desired);
}

/** Replicas the new ReplicaSet should have next (NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, all: readonly ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = all.reduce((n, rs) => n + rsReplicas(rs), 0);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return rsReplicas(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - rsReplicas(newRS));
  return rsReplicas(newRS) + up;
}

/** The template without the pod-template-hash label, for comparing (EqualIgnoreHash). */
function withoutHash(t: PodTemplateSpec | undefined): unknown {
  const labels = { ...(t?.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  return { ...t, metadata: { ...t?.metadata, labels } };
}

/** Semantic JSON of templates without their hash label, by template object (templates from the informers are immutable). */
const templateKeys = new WeakMap<PodTemplateSpec, string>();

function templateKey(t: PodTemplateSpec | undefined): string {
  if (!t) return semanticJson(withoutHash(t));
  let k = templateKeys.get(t);
  if (k === undefined) templateKeys.set(t, (k = semanticJson(withoutHash(t))));
  return k;
}

export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return templateKey(a) === templateKey(b);
}

/** JSON with sorted keys and empty maps/lists dropped: Go's semantic equality for templates. */
function semanticJson(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? "" : `[${v.map(semanticJson).join(",")}]`;
  if (v && typeof v === "object") {
    const parts = Object.keys(v as object)
      .sort()
      .map((k) => [k, semanticJson((v as Record<string, unknown>)[k])] as const)
      .filter(([, s]) => s !== "" && s !== "{}")
      .map(([k, s]) => `${JSON.stringify(k)}:${s}`);
    return `{${parts.join(",")}}`;
  }
  return v === undefined || v === null ? "" : JSON.stringify(v);
}

const created = (rs: ReplicaSet): number => Date.parse(rs.metadata?.creationTimestamp ?? "") || 0;

/** Oldest first, then by name (ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata!.name! < b.metadata!.name! ? -1 : a.metadata!.name! > b.metadata!.name! ? 1 : 0);
}

/** The oldest ReplicaSet whose template equals the Deployment's, by {@link byCreation} (FindNewReplicaSet): one pass, no sort. */
export function findNewReplicaSet(d: Deployment, sets: readonly ReplicaSet[]): ReplicaSet | undefined {
  const key = templateKeyOf(d);
  let oldest: ReplicaSet | undefined;
  for (const rs of sets) if (templateKeyOf(rs) === key && (oldest === undefined || byCreation(rs, oldest) < 0)) oldest = rs;
  return oldest;
}

/** An object whose spec carries a pod template: a Deployment or a ReplicaSet. */
type TemplateOwner = Deployment | ReplicaSet;

/** Template keys by owner uid, for the owner's generation: every status write brings a new object (and template object), its spec stays. */
const ownerTemplateKeys = new Map<string, { generation: number; key: string }>();
/** Past this many owners the map starts over (deleted owners' entries go with it). */
const MAX_OWNER_TEMPLATE_KEYS = 4096;

/**
 * {@link templateKey} of an object's `spec.template`, computed once per uid and generation (the
 * API server moves the generation on every spec change), so a Deployment or ReplicaSet that only
 * had its status written is not serialised again.
 */
function templateKeyOf(owner: TemplateOwner): string {
  const uid = owner.metadata?.uid;
  const generation = owner.metadata?.generation;
  if (!uid || generation === undefined) return templateKey(owner.spec?.template);
  const cached = ownerTemplateKeys.get(uid);
  if (cached && cached.generation === generation) return cached.key;
  const key = templateKey(owner.spec?.template);
  if (ownerTemplateKeys.size >= MAX_OWNER_TEMPLATE_KEYS) ownerTemplateKeys.clear();
  ownerTemplateKeys.set(uid, { generation, key });
  return key;
}

export function revisionOf(rs: ReplicaSet): number {
  const v = rs.metadata?.annotations?.[REVISION];
  return v && /^\d+$/.test(v) ? Number(v) : 0;
}

export function conditionOf(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(type: string, status: string, reason: string, message: string, now: string): DeploymentCondition {
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now };
}

/** SetDeploymentCondition: same status and reason changes nothing; same status keeps lastTransitionTime. */
export function setCondition(status: DeploymentStatus, c: DeploymentCondition): void {
  const current = conditionOf(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  const next = current && current.status === c.status ? { ...c, lastTransitionTime: current.lastTransitionTime } : c;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions?.some((c) => c.type === type)) status.conditions = status.conditions.filter((c) => c.type !== type);
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}

/**
 * Copies the Deployment's annotations (but the skipped ones) to the ReplicaSet, raises its
 * revision to `revision` and records the one it had in revision-history (capped at 2000
 * characters, oldest dropped), and on a new ReplicaSet sets desired- and max-replicas
 * (SetNewReplicaSetAnnotations). Returns whether anything changed; mutates `annotations`.
 */
export function setNewReplicaSetAnnotations(d: Deployment, annotations: Record<string, string>, revision: number, exists: boolean): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const old = annotations[REVISION];
  const oldInt = old === undefined ? 0 : /^\d+$/.test(old) ? Number(old) : NaN;
  if (Number.isNaN(oldInt)) return changed;
  if (oldInt < revision) {
    annotations[REVISION] = String(revision);
    changed = true;
    if (old !== undefined) {
      const history = annotations[REVISION_HISTORY];
      if (!history) annotations[REVISION_HISTORY] = old;
      else {
        const revs = history.split(",");
        let total = history.length + old.length + 1;
        let start = 0;
        while (total > MAX_REVISION_HISTORY_CHARS && start < revs.length) total -= revs[start++]!.length + 1;
        if (total <= MAX_REVISION_HISTORY_CHARS) annotations[REVISION_HISTORY] = [...revs.slice(start), old].join(",");
      }
    }
  }
  if (!exists && setReplicasAnnotations(annotations, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** desired-replicas and max-replicas; returns whether they changed. */
export function setReplicasAnnotations(annotations: Record<string, string>, desired: number, max: number): boolean {
  let changed = false;
  if (annotations[DESIRED_REPLICAS] !== String(desired)) (annotations[DESIRED_REPLICAS] = String(desired)), (changed = true);
  if (annotations[MAX_REPLICAS] !== String(max)) (annotations[MAX_REPLICAS] = String(max)), (changed = true);
  return changed;
}

/**
 * The share of `toAdd` for one ReplicaSet in proportional scaling (GetProportion): its fraction
 * of the Deployment's previous size (from max-replicas), bounded by what is left to add.
 */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -rsReplicas(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const max = rs.metadata?.annotations?.[MAX_REPLICAS];
  if (max === undefined || !/^\d+$/.test(max)) return 0;
  const newRSsize = (rsReplicas(rs) * deploymentReplicas) / Number(max);
  return roundHalfAwayFromZero(newRSsize) - rsReplicas(rs);
}

function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}
