import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.js";
import { isPodActive, isPodReady, podReadyTime } from "./pod-state.js";

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };
const DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[DELETION_COST];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  return Number(v);
}

function maxRestarts(statuses: readonly ContainerStatus[] | undefined, only?: ReadonlySet<string>): number {
  let max = 0;
  for (const s of statuses ?? []) if ((!only || only.has(s.name)) && s.restartCount > max) max = s.restartCount;
  return max;
}

/** Restarts of regular containers and of sidecars (restartable init containers). */
function restarts(pod: Pod): [number, number] {
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name));
  return [maxRestarts(pod.status?.containerStatuses), maxRestarts(pod.status?.initContainerStatuses, sidecars)];
}

/** log2 of the age in nanoseconds, as an integer (-1 for none): upstream's logarithmic buckets. */
function bucket(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

function time(s: string | undefined): number | undefined {
  return s ? Date.parse(s) : undefined;
}

/** Upstream's afterOrZero: a missing time sorts first, then the later time. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

/** Newer first, compared in logarithmic age buckets (LogarithmicScaleDown); ties by uid. */
function newerFirst(a: Pod, b: Pod, ta: number | undefined, tb: number | undefined, now: number): boolean {
  if (ta === undefined || tb === undefined) return afterOrZero(ta, tb);
  const diff = bucket(ta, now) - bucket(tb, now);
  if (diff === 0) return (a.metadata?.uid ?? "") < (b.metadata?.uid ?? "");
  return diff < 0;
}

/**
 * Upstream's `ActivePodsWithRanks.Less`: true when `a` should be deleted before `b`.
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
 * 4. lower pod-deletion-cost < higher; 5. more related pods on the same node < fewer (rank);
 * 6. ready more recently < longer (logarithmic buckets); 7. more container restarts < fewer;
 * 8. newer < older (logarithmic buckets).
 */
export function deleteFirst(a: Pod, rankA: number, b: Pod, rankB: number, now: number): boolean {
  const nodeA = a.spec?.nodeName ?? "";
  const nodeB = b.spec?.nodeName ?? "";
  if (nodeA !== nodeB && (nodeA === "" || nodeB === "")) return nodeA === "";
  const pa = PHASE_ORDINAL[a.status?.phase ?? "Pending"] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? "Pending"] ?? 0;
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca < cb;
  if (rankA !== rankB) return rankA > rankB;
  if (ra && rb) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return newerFirst(a, b, ta, tb, now);
  }
  const [xa, sa] = restarts(a);
  const [xb, sb] = restarts(b);
  if (xa !== xb) return xa > xb;
  if (sa !== sb) return sa > sb;
  const ka = time(a.metadata?.creationTimestamp);
  const kb = time(b.metadata?.creationTimestamp);
  if (ka !== kb) return newerFirst(a, b, ka, kb, now);
  return false;
}

/**
 * The `count` pods to delete first (getPodsToDelete): ranked by the number of active `related`
 * pods (the controller's and its siblings') on the same node, then {@link deleteFirst}.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec?.nodeName ?? "", (onNode.get(p.spec?.nodeName ?? "") ?? 0) + 1);
  const ranked = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? "") ?? 0 }));
  ranked.sort((x, y) => (deleteFirst(x.pod, x.rank, y.pod, y.rank, now) ? -1 : deleteFirst(y.pod, y.rank, x.pod, x.rank, now) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
