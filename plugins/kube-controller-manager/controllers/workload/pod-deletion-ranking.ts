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

/** What {@link deleteFirst} compares of a pod itself, read once per pod object (pods from the informer are immutable). */
interface PodFacts {
  node: string;
  phase: number;
  ready: boolean;
  cost: number;
  readyTime: number | undefined;
  restarts: [number, number];
  created: number | undefined;
}

/** What {@link deleteFirst} compares: the pod's facts, its rank, and its position (ties keep the input order). */
interface RankKey {
  pod: Pod;
  facts: PodFacts;
  rank: number;
  index: number;
}

const factsOf = new WeakMap<Pod, PodFacts>();

function podFacts(pod: Pod): PodFacts {
  let f = factsOf.get(pod);
  if (!f) {
    f = {
      node: pod.spec?.nodeName ?? "",
      phase: PHASE_ORDINAL[pod.status?.phase ?? "Pending"] ?? 0,
      ready: isPodReady(pod),
      cost: deletionCost(pod),
      readyTime: podReadyTime(pod),
      restarts: restarts(pod),
      created: time(pod.metadata?.creationTimestamp),
    };
    factsOf.set(pod, f);
  }
  return f;
}

function rankKey(pod: Pod, rank: number, index = 0): RankKey {
  return { pod, facts: podFacts(pod), rank, index };
}

function before(x: RankKey, y: RankKey, now: number): boolean {
  const a = x.facts;
  const b = y.facts;
  if (a.node !== b.node && (a.node === "" || b.node === "")) return a.node === "";
  if (a.phase !== b.phase) return a.phase < b.phase;
  if (a.ready !== b.ready) return !a.ready;
  if (a.cost !== b.cost) return a.cost < b.cost;
  if (x.rank !== y.rank) return x.rank > y.rank;
  if (a.ready && b.ready && a.readyTime !== b.readyTime) return newerFirst(x.pod, y.pod, a.readyTime, b.readyTime, now);
  if (a.restarts[0] !== b.restarts[0]) return a.restarts[0] > b.restarts[0];
  if (a.restarts[1] !== b.restarts[1]) return a.restarts[1] > b.restarts[1];
  if (a.created !== b.created) return newerFirst(x.pod, y.pod, a.created, b.created, now);
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

/** Deletion order: negative when `x` goes first; equal ranks keep the input order (a stable sort's). */
function compare(x: RankKey, y: RankKey, now: number): number {
  return before(x, y, now) ? -1 : before(y, x, now) ? 1 : x.index - y.index;
}

/**
 * The `count` pods to delete first (getPodsToDelete): ranked by the number of active `related`
 * pods (the controller's and its siblings') on the same node, then {@link deleteFirst}. The
 * result is what sorting all pods and taking the first `count` gives, found with a bounded heap
 * (n log count, not n log n: a rolling update scales the old set down a few pods at a time).
 */
export function podsToDelete(pods: readonly Pod[], related: Iterable<Pod>, count: number, now: number): Pod[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? "";
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return podsToDeleteRanked(pods, (node) => onNode.get(node) ?? 0, count, now);
}

/**
 * {@link podsToDelete} with the related pods already counted: `activeOnNode(node)` is the number
 * of active related pods on `node` ("" for unassigned), asked once per distinct node.
 */
export function podsToDeleteRanked(pods: readonly Pod[], activeOnNode: (node: string) => number, count: number, now: number): Pod[] {
  if (count >= pods.length) return [...pods];
  if (count <= 0) return [];
  const onNode = new Map<string, number>();
  const rankOn = (node: string): number => {
    let r = onNode.get(node);
    if (r === undefined) onNode.set(node, (r = activeOnNode(node)));
    return r;
  };
  // A max-heap (by deletion order) of the `count` best candidates so far: its root is the one to drop first.
  const heap: RankKey[] = [];
  const later = (i: number, j: number): boolean => compare(heap[i]!, heap[j]!, now) > 0;
  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  // The candidate in hand: filled in place, copied only when it enters the heap (most of a
  // thousand pods do not when a rolling update removes a few).
  const scratch: RankKey = { pod: pods[0]!, facts: podFacts(pods[0]!), rank: 0, index: 0 };
  for (let index = 0; index < pods.length; index++) {
    const pod = pods[index]!;
    const facts = podFacts(pod);
    scratch.pod = pod;
    scratch.facts = facts;
    scratch.rank = rankOn(facts.node);
    scratch.index = index;
    const key = scratch;
    if (heap.length < count) {
      heap.push({ ...key });
      for (let i = heap.length - 1; i > 0; ) {
        const up = (i - 1) >> 1;
        if (!later(i, up)) break;
        swap(i, up);
        i = up;
      }
    } else if (compare(key, heap[0]!, now) < 0) {
      heap[0] = { ...key };
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let top = i;
        if (l < heap.length && later(l, top)) top = l;
        if (r < heap.length && later(r, top)) top = r;
        if (top === i) break;
        swap(i, top);
        i = top;
      }
    }
  }
  heap.sort((x, y) => compare(x, y, now));
  return heap.map((r) => r.pod);
}
