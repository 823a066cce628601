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

/** What {@link deleteFirst} compares, read from a pod once (sorting compares each pod many times). */
interface RankKey {
  pod: Pod;
  rank: number;
  node: string;
  phase: number;
  ready: boolean;
  cost: number;
  readyTime: number | undefined;
  restarts: [number, number];
  created: number | undefined;
}

function rankKey(pod: Pod, rank: number): RankKey {
  return {
    pod,
    rank,
    node: pod.spec?.nodeName ?? "",
    phase: PHASE_ORDINAL[pod.status?.phase ?? "Pending"] ?? 0,
    ready: isPodReady(pod),
    cost: deletionCost(pod),
    readyTime: podReadyTime(pod),
    restarts: restarts(pod),
    created: time(pod.metadata?.creationTimestamp),
  };
}

function before(a: RankKey, b: RankKey, now: number): boolean {
  if (a.node !== b.node && (a.node === "" || b.node === "")) return a.node === "";
  if (a.phase !== b.phase) return a.phase < b.phase;
  if (a.ready !== b.ready) return !a.ready;
  if (a.cost !== b.cost) return a.cost < b.cost;
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (a.ready && b.ready && a.readyTime !== b.readyTime) return newerFirst(a.pod, b.pod, a.readyTime, b.readyTime, now);
  if (a.restarts[0] !== b.restarts[0]) return a.restarts[0] > b.restarts[0];
  if (a.restarts[1] !== b.restarts[1]) return a.restarts[1] > b.restarts[1];
  if (a.created !== b.created) return newerFirst(a.pod, b.pod, a.created, b.created, now);
  return false;
}

/**
 * Upstream's `ActivePodsWithRanks.Less`: true when `a` should be deleted before `b`.
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
 * 4. lower pod-deletion-cost < higher; 5. more related pods on the same node < fewer (rank);
 * 6. ready more recently < longer (logarithmic buckets); 7. more container restarts < fewer;
 * 8. newer < older (logarithmic buckets).
 */
export function deleteFirst(a: Pod, rankA: number, b: Pod, rankB: number, now: number): boolean {
  return before(rankKey(a, rankA), rankKey(b, rankB), now);
}

/**
 * The `count` pods to delete first (getPodsToDelete): ranked by the number of active `related`
 * pods (the controller's and its siblings') on the same node, then {@link deleteFirst}.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec?.nodeName ?? "", (onNode.get(p.spec?.nodeName ?? "") ?? 0) + 1);
  const ranked = pods.map((pod) => rankKey(pod, onNode.get(pod.spec?.nodeName ?? "") ?? 0));
  ranked.sort((x, y) => (before(x, y, now) ? -1 : before(y, x, now) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
