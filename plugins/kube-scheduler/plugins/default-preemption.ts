import type { Pod } from "kubernetes-types/core/v1.js";
import type { FrameworkHandle, NodeToStatus, PostFilterPlugin, PostFilterResult } from "../framework/interface.js";
import { Code, Status } from "../framework/status.js";
import { CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { fitErrorMessage } from "../framework/fit-error.js";

export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

export const ERR_PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling";
export const ERR_NO_VICTIMS = "No preemption victims found for incoming pod";

interface Candidate {
  node: string;
  victims: Pod[];
}

/** What DefaultPreemption needs beyond the handle: clearing lower nominations on the chosen node. */
export interface PreemptionHooks {
  /** Pods nominated to `node` with priority lower than `priority`, whose nomination is cleared. */
  clearLowerNominations(node: string, priority: number): Promise<void>;
}

function priority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

function startTime(pod: Pod): string {
  return pod.status?.startTime ?? pod.metadata?.creationTimestamp ?? "";
}

/** Higher priority first, then the one that started earlier (upstream `MoreImportantPod`). */
function moreImportant(a: Pod, b: Pod): number {
  const d = priority(b) - priority(a);
  if (d !== 0) return d;
  return startTime(a) < startTime(b) ? -1 : startTime(a) > startTime(b) ? 1 : 0;
}

/**
 * DefaultPreemption (PostFilter): on nodes where removing lower-priority pods lets the pod fit,
 * finds the fewest, least important victims (reprieving as many as fit back, most important
 * first); picks the node with the lowest highest-victim priority, then the smallest priority sum,
 * then the fewest victims; marks each victim with a DisruptionTarget condition, deletes it and
 * records a `Preempted` event; returns the node as the pod's nominatedNodeName.
 * PodDisruptionBudgets are not consulted yet (no disruption controller).
 */
export class DefaultPreemption implements PostFilterPlugin {
  static readonly pluginName = "DefaultPreemption";
  readonly name = DefaultPreemption.pluginName;
  private readonly minPercentage: number;
  private readonly minAbsolute: number;

  constructor(args: DefaultPreemptionArgs, private readonly handle: FrameworkHandle, private readonly hooks?: PreemptionHooks) {
    this.minPercentage = args.minCandidateNodesPercentage ?? 10;
    this.minAbsolute = args.minCandidateNodesAbsolute ?? 100;
  }

  async postFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status | null }> {
    if (pod.spec?.preemptionPolicy === "Never") return { status: Status.unschedulable("preemption: not eligible due to preemptionPolicy=Never.") };
    const nodes = this.handle.snapshot.list();
    const statuses = new Map<string, Status>();
    const potential: NodeInfo[] = [];
    for (const ni of nodes) {
      const s = filtered.get(ni.name);
      if (s && s.code === Code.UnschedulableAndUnresolvable) statuses.set(ni.name, Status.unresolvable(ERR_PREEMPTION_NOT_HELPFUL));
      else potential.push(ni);
    }
    const limit = Math.max(this.minAbsolute, Math.trunc((potential.length * this.minPercentage) / 100));
    const candidates: Candidate[] = [];
    for (const ni of potential) {
      const r = this.selectVictims(state, pod, ni);
      if (r instanceof Status) statuses.set(ni.name, r);
      else {
        candidates.push({ node: ni.name, victims: r });
        if (candidates.length >= limit) break;
      }
    }
    if (candidates.length === 0) {
      return { status: Status.unschedulable(`preemption: ${fitErrorMessage(nodes.length, statuses)}`) };
    }
    const best = pickCandidate(candidates);
    for (const victim of best.victims) await this.evict(pod, victim, best.node);
    await this.hooks?.clearLowerNominations(best.node, priority(pod));
    return { result: { nominatedNodeName: best.node }, status: null };
  }

  /** Victims on `ni`, or why there are none (upstream `SelectVictimsOnNode`). */
  selectVictims(state: CycleState, pod: Pod, original: NodeInfo): Pod[] | Status {
    const fw = this.handle.framework;
    const ni = original.clone();
    const s = state.clone();
    const prio = priority(pod);
    const lower: PodInfo[] = ni.pods.filter((pi) => priority(pi.pod) < prio);
    if (lower.length === 0) return Status.unresolvable(ERR_NO_VICTIMS);
    for (const pi of lower) {
      ni.removePod(pi.pod);
      const st = fw.runPreFilterExtensionRemovePod(s, pod, pi, ni);
      if (st) return st;
    }
    const fits = fw.runFilterPluginsWithNominatedPods(s, pod, ni);
    if (fits) return fits;
    const victims: Pod[] = [];
    const sorted = [...lower].sort((a, b) => moreImportant(a.pod, b.pod));
    for (const pi of sorted) {
      ni.addPodInfo(pi);
      fw.runPreFilterExtensionAddPod(s, pod, pi, ni);
      if (fw.runFilterPluginsWithNominatedPods(s, pod, ni)) {
        ni.removePod(pi.pod);
        fw.runPreFilterExtensionRemovePod(s, pod, pi, ni);
        victims.push(pi.pod);
      }
    }
    if (victims.length === 0) return Status.error(`expected at least one victim pod on node "${original.name}"`);
    return victims;
  }

  private async evict(preemptor: Pod, victim: Pod, node: string): Promise<void> {
    const waiting = this.handle.waitingPod(victim.metadata!.uid!);
    if (waiting) {
      waiting.reject(this.name, "preempted");
      return;
    }
    const pods = this.handle.client.resource<Pod>("Pod");
    const m = victim.metadata!;
    const now = new Date(this.handle.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    try {
      const conditions = (victim.status?.conditions ?? []).filter((c) => c.type !== "DisruptionTarget");
      conditions.push({ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: `${preemptor.spec?.schedulerName ?? "default-scheduler"}: preempting to accommodate a higher priority pod`, lastTransitionTime: now });
      await pods.patch(m.name!, "merge", { status: { conditions } }, { namespace: m.namespace!, subresource: "status" });
    } catch (err) {
      this.handle.log.warn("could not add DisruptionTarget condition", { pod: `${m.namespace}/${m.name}`, error: String(err) });
    }
    try {
      await pods.delete(m.name!, { namespace: m.namespace! } as never);
    } catch (err) {
      this.handle.log.warn("could not delete preemption victim", { pod: `${m.namespace}/${m.name}`, error: String(err) });
      return;
    }
    this.handle.eventRecorder.eventf(victim, "Normal", "Preempted", "Preempted by pod %v on node %v", preemptor.metadata?.uid, node);
  }
}

/** Upstream `pickOneNodeForPreemption` (without PDB violations): lowest highest-victim priority, smallest sum, fewest victims, latest start. */
function pickCandidate(candidates: Candidate[]): Candidate {
  const score = (c: Candidate): [number, number, number, string] => {
    const top = c.victims.reduce((m, v) => Math.max(m, priority(v)), -Infinity);
    const sum = c.victims.reduce((s, v) => s + priority(v) + 2147483648, 0);
    const earliestTop = c.victims.filter((v) => priority(v) === top).map(startTime).sort()[0] ?? "";
    return [top, sum, c.victims.length, earliestTop];
  };
  let best = candidates[0]!;
  let bs = score(best);
  for (const c of candidates.slice(1)) {
    const cs = score(c);
    if (cs[0] < bs[0] || (cs[0] === bs[0] && (cs[1] < bs[1] || (cs[1] === bs[1] && (cs[2] < bs[2] || (cs[2] === bs[2] && cs[3] > bs[3])))))) {
      best = c;
      bs = cs;
    }
  }
  return best;
}
