import type { Pod } from "kubernetes-types/core/v1.js";
import { isPodReady } from "../workload/pod-state.js";
import { CONTROLLER_REVISION_HASH } from "../workload/controller-revision.js";

/** What one node adds to a DaemonSet's status counters (bits of {@link nodeTally}). */
const DESIRED = 1;
const CURRENT = 2;
const MISSCHEDULED = 4;
const READY = 8;
const AVAILABLE = 16;
const UPDATED = 32;
/** The node holds a live pod of an older revision (a rolling update has work to do). */
const OLD = 64;
const BITS = [DESIRED, CURRENT, MISSCHEDULED, READY, AVAILABLE, UPDATED, OLD] as const;

/** Pods by creation time, then name (the oldest pod on a node is the one counted). */
export const byCreation = (a: Pod, b: Pod): number => (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "") || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");

/**
 * One node's share of a DaemonSet's status (upstream's updateDaemonSetStatus loop): `here` are the
 * set's pods on the node not being deleted, `shouldRun` the node's verdict (undefined for a node
 * that no longer exists: it counts only towards {@link StatusTally.hasOld}).
 */
export function nodeTally(shouldRun: boolean | undefined, here: readonly Pod[], hash: string, available: (p: Pod) => boolean): number {
  let bits = 0;
  for (const p of here) {
    if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH] !== hash) {
      bits |= OLD;
      break;
    }
  }
  if (shouldRun === undefined) return bits;
  if (!shouldRun) return here.length > 0 ? bits | MISSCHEDULED : bits;
  bits |= DESIRED;
  if (here.length === 0) return bits;
  bits |= CURRENT;
  const pod = here.length === 1 ? here[0]! : [...here].sort(byCreation)[0]!;
  if (isPodReady(pod)) {
    bits |= READY;
    if (available(pod)) bits |= AVAILABLE;
  }
  if (here.length === 1 ? here[0]!.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash : here.some((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash)) bits |= UPDATED;
  return bits;
}

/**
 * A DaemonSet's status counters kept per node: each node's {@link nodeTally} and their sums, so a
 * sync that re-evaluates a few nodes adjusts the sums instead of walking every node.
 */
export class StatusTally {
  private readonly byNode = new Map<string, number>();
  private readonly sums = [0, 0, 0, 0, 0, 0, 0];

  /** Records `bits` as `node`'s share (0 removes it). */
  set(node: string, bits: number): void {
    const old = this.byNode.get(node) ?? 0;
    if (old === bits) return;
    if (bits === 0) this.byNode.delete(node);
    else this.byNode.set(node, bits);
    for (let i = 0; i < BITS.length; i++) this.sums[i]! += (bits & BITS[i]! ? 1 : 0) - (old & BITS[i]! ? 1 : 0);
  }

  /** Forgets every node. */
  clear(): void {
    this.byNode.clear();
    this.sums.fill(0);
  }

  get desired(): number {
    return this.sums[0]!;
  }

  /** Whether some node holds a live pod of an older revision. */
  get hasOld(): boolean {
    return this.sums[6]! > 0;
  }

  /** The counters as the status writes them. */
  counters(): { desiredNumberScheduled: number; currentNumberScheduled: number; numberMisscheduled: number; numberReady: number; updatedNumberScheduled: number; numberAvailable: number; numberUnavailable: number } {
    const [desired, current, misscheduled, ready, available, updated] = this.sums as [number, number, number, number, number, number, number];
    return { desiredNumberScheduled: desired, currentNumberScheduled: current, numberMisscheduled: misscheduled, numberReady: ready, updatedNumberScheduled: updated, numberAvailable: available, numberUnavailable: desired - available };
  }
}
