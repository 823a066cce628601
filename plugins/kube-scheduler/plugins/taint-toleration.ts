import type { Pod, Taint, Toleration } from "kubernetes-types/core/v1.js";
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin, type NodeScore, type PreScorePlugin, type ScoreExtensions, type ScorePlugin } from "../framework/interface.js";
import { Status } from "../framework/status.js";
import { firstUntoleratedTaint, taintTolerated } from "../framework/taints.js";
import { defaultNormalizeScore, defaultNormalizeScores, MAX_NODE_SCORE } from "../framework/normalize.js";
import type { CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";

const PRE_SCORE_KEY = "PreScoreTaintToleration";

class TolerationsState {
  constructor(readonly preferNoSchedule: readonly Toleration[]) {}
  clone(): TolerationsState {
    return this;
  }
}

const FILTER_EFFECTS = ["NoSchedule", "NoExecute"];

/** How many of the node's PreferNoSchedule taints `tolerations` leave untolerated. */
function untoleratedPreferNoSchedule(taints: readonly Taint[], tolerations: readonly Toleration[]): number {
  let count = 0;
  for (const taint of taints) {
    if (taint.effect !== "PreferNoSchedule") continue;
    if (!taintTolerated(taint, tolerations)) count++;
  }
  return count;
}

/**
 * Filter: every NoSchedule/NoExecute taint of the node must be tolerated (reason
 * `node(s) had untolerated taint {key: value}`). Score: fewer untolerated PreferNoSchedule
 * taints is better (normalized reversed).
 */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions {
  static readonly pluginName = "TaintToleration";
  readonly name = TaintToleration.pluginName;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null {
    const taints = nodeInfo.taints;
    if (taints === undefined) return null;
    const taint = firstUntoleratedTaint(taints, pod.spec?.tolerations, FILTER_EFFECTS);
    if (!taint) return null;
    return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`);
  }

  /** `filter` for a batch: untainted nodes (most) pass without a call. */
  filterNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], count: number, out: (Status | null)[]): void {
    for (let i = 0; i < count; i++) {
      const ni = nodes[i]!;
      out[i] = ni.taints === undefined ? null : this.filter(state, pod, ni);
    }
  }

  preScore(state: CycleState, pod: Pod): Status | null {
    const tolerations = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
    state.write(PRE_SCORE_KEY, new TolerationsState(tolerations));
    return null;
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const taints = nodeInfo.taints;
    if (taints === undefined) return 0;
    return untoleratedPreferNoSchedule(taints, state.read<TolerationsState>(PRE_SCORE_KEY)?.preferNoSchedule ?? []);
  }

  /** `score` for every node: the tolerations are read once; untainted nodes (most) score 0 without a call. */
  scoreNodes(state: CycleState, _pod: Pod, nodes: readonly NodeInfo[], out: Float64Array): void {
    let tolerations: readonly Toleration[] | undefined;
    for (let i = 0; i < nodes.length; i++) {
      const taints = nodes[i]!.taints;
      if (taints === undefined) {
        out[i] = 0;
        continue;
      }
      tolerations ??= state.read<TolerationsState>(PRE_SCORE_KEY)?.preferNoSchedule ?? [];
      out[i] = untoleratedPreferNoSchedule(taints, tolerations);
    }
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status | null {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return null;
  }

  normalizeScores(_state: CycleState, _pod: Pod, scores: Float64Array): Status | null {
    defaultNormalizeScores(MAX_NODE_SCORE, true, scores);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateNodeTaint } },
      { event: { resource: "UnscheduledPod", actionType: ActionType.UpdatePodTolerations } },
    ];
  }
}
