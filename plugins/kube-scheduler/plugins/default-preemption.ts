import type { Pod } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import type { SharedInformer } from "../../../core/informers/shared-informer.js";
import { labelSelectorFromObject, type LabelSelector } from "../../../core/api/selectors/label-selector.js";
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
  /** Victims whose eviction would violate a PodDisruptionBudget. */
  numPDBViolations: number;
}

/** A PDB as preemption reads it: namespace, parsed selector, disruptions left, pods already being disrupted. */
interface Budget {
  namespace: string;
  selector: LabelSelector;
  allowed: number;
  disrupted: Readonly<Record<string, string>>;
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

/** The pod is being deleted because the scheduler preempted it (upstream `podTerminatingByPreemption`). */
function terminatingByPreemption(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp && !!pod.status?.conditions?.some((c) => c.type === "DisruptionTarget" && c.status === "True" && c.reason === "PreemptionByScheduler");
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
 * PodDisruptionBudgets (policy/v1, `status.disruptionsAllowed` as the disruption controller
 * keeps it) are respected where possible: victims whose eviction would violate one are reprieved
 * first, and the node needing the fewest violations wins.
 */
export class DefaultPreemption implements PostFilterPlugin {
  static readonly pluginName = "DefaultPreemption";
  readonly name = DefaultPreemption.pluginName;
  private readonly minPercentage: number;
  private readonly minAbsolute: number;

  private readonly pdbs: SharedInformer<PodDisruptionBudget>;

  constructor(args: DefaultPreemptionArgs, private readonly handle: FrameworkHandle, private readonly hooks?: PreemptionHooks) {
    this.minPercentage = args.minCandidateNodesPercentage ?? 10;
    this.minAbsolute = args.minCandidateNodesAbsolute ?? 100;
    this.pdbs = handle.informers.forResource<PodDisruptionBudget>("PodDisruptionBudget");
  }

  async postFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status | null }> {
    const ineligible = this.notEligible(pod, filtered);
    if (ineligible) return { status: Status.unschedulable(`preemption: ${ineligible}`) };
    const nodes = this.handle.snapshot.list();
    const budgets = this.budgets();
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
      const r = this.selectVictims(state, pod, ni, budgets);
      if (r instanceof Status) statuses.set(ni.name, r);
      else {
        candidates.push({ node: ni.name, ...r });
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

  /**
   * Why `pod` may not preempt (upstream `PodEligibleToPreemptOthers`): `preemptionPolicy: Never`,
   * or victims of an earlier preemption are still terminating on its nominated node (unless that
   * node has since become unresolvable for it).
   */
  private notEligible(pod: Pod, filtered: NodeToStatus): string | undefined {
    if (pod.spec?.preemptionPolicy === "Never") return "not eligible due to preemptionPolicy=Never.";
    const nominated = pod.status?.nominatedNodeName;
    if (!nominated || filtered.get(nominated)?.code === Code.UnschedulableAndUnresolvable) return undefined;
    const ni = this.handle.snapshot.get(nominated);
    const prio = priority(pod);
    if (ni?.pods.some((pi) => priority(pi.pod) < prio && terminatingByPreemption(pi.pod))) return "not eligible due to a terminating pod on the nominated node.";
    return undefined;
  }

  /** The PDBs with a selector (a missing or empty one selects nothing here, as upstream). */
  private budgets(): Budget[] {
    const out: Budget[] = [];
    for (const pdb of this.pdbs.lister().list()) {
      const sel = pdb.spec?.selector;
      if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && !sel.matchExpressions?.length)) continue;
      let selector: LabelSelector;
      try {
        selector = labelSelectorFromObject(sel);
      } catch {
        continue;
      }
      out.push({ namespace: pdb.metadata?.namespace ?? "default", selector, allowed: pdb.status?.disruptionsAllowed ?? 0, disrupted: pdb.status?.disruptedPods ?? {} });
    }
    return out;
  }

  /**
   * Splits `pods` (most important first) into those whose eviction would violate a budget and the
   * rest, spending each budget's allowed disruptions in that order (upstream
   * `filterPodsWithPDBViolation`); pods a budget already lists as disrupted do not spend it again.
   */
  private splitByBudget(pods: readonly PodInfo[], budgets: readonly Budget[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
    const violating: PodInfo[] = [];
    const nonViolating: PodInfo[] = [];
    if (budgets.length === 0) return { violating, nonViolating: [...pods] };
    const allowed = budgets.map((b) => b.allowed);
    for (const pi of pods) {
      const m = pi.pod.metadata!;
      const labels = m.labels ?? {};
      let violates = false;
      budgets.forEach((b, i) => {
        if (b.namespace !== m.namespace || !b.selector.matches(labels) || b.disrupted[m.name!] !== undefined) return;
        if (--allowed[i]! < 0) violates = true;
      });
      (violates ? violating : nonViolating).push(pi);
    }
    return { violating, nonViolating };
  }

  /** Victims on `ni`, or why there are none (upstream `SelectVictimsOnNode`). */
  selectVictims(state: CycleState, pod: Pod, original: NodeInfo, budgets: readonly Budget[] = []): { victims: Pod[]; numPDBViolations: number } | Status {
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
    // Give back as many as still fit: budget-violating ones first, each group most important first.
    const reprieve = (pi: PodInfo): boolean => {
      ni.addPodInfo(pi);
      fw.runPreFilterExtensionAddPod(s, pod, pi, ni);
      if (!fw.runFilterPluginsWithNominatedPods(s, pod, ni)) return true;
      ni.removePod(pi.pod);
      fw.runPreFilterExtensionRemovePod(s, pod, pi, ni);
      victims.push(pi.pod);
      return false;
    };
    const { violating, nonViolating } = this.splitByBudget([...lower].sort((a, b) => moreImportant(a.pod, b.pod)), budgets);
    let numPDBViolations = 0;
    for (const pi of violating) if (!reprieve(pi)) numPDBViolations++;
    for (const pi of nonViolating) reprieve(pi);
    if (victims.length === 0) return Status.error(`expected at least one victim pod on node "${original.name}"`);
    return { victims, numPDBViolations };
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

/**
 * Upstream `pickOneNodeForPreemption`: fewest PDB violations, then lowest highest-victim priority,
 * smallest priority sum, fewest victims, latest start of the most important victims.
 */
function pickCandidate(candidates: Candidate[]): Candidate {
  const score = (c: Candidate): [number, number, number, number, string] => {
    const top = c.victims.reduce((m, v) => Math.max(m, priority(v)), -Infinity);
    const sum = c.victims.reduce((s, v) => s + priority(v) + 2147483648, 0);
    const earliestTop = c.victims.filter((v) => priority(v) === top).map(startTime).sort()[0] ?? "";
    return [c.numPDBViolations, top, sum, c.victims.length, earliestTop];
  };
  const better = (a: ReturnType<typeof score>, b: ReturnType<typeof score>): boolean => {
    for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
    return a[4] > b[4];
  };
  let best = candidates[0]!;
  let bs = score(best);
  for (const c of candidates.slice(1)) {
    const cs = score(c);
    if (better(cs, bs)) {
      best = c;
      bs = cs;
    }
  }
  return best;
}
