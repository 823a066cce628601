import type { Pod } from "kubernetes-types/core/v1.js";
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin, type NodeScore, type PreFilterPlugin, type PreFilterResult, type PreScorePlugin, type ScoreExtensions, type ScorePlugin } from "../framework/interface.js";
import { Status } from "../framework/status.js";
import { podMatchesNodeSelectorAndAffinity, preferredNodeAffinityScore } from "../framework/node-selector.js";
import { defaultNormalizeScore, defaultNormalizeScores, MAX_NODE_SCORE } from "../framework/normalize.js";
import type { CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";

export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/**
 * Filter: the pod's nodeSelector and required node affinity (upstream reason
 * `node(s) didn't match Pod's node affinity/selector`). PreFilter narrows to the named nodes when
 * every required term selects `metadata.name`. Score: the summed weights of matching preferred terms.
 */
export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions {
  static readonly pluginName = "NodeAffinity";
  readonly name = NodeAffinity.pluginName;

  preFilter(_state: CycleState, pod: Pod): Status | PreFilterResult | null {
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!pod.spec?.nodeSelector && !required) return Status.skip();
    const terms = required?.nodeSelectorTerms ?? [];
    if (terms.length === 0) return null;
    let names: Set<string> | undefined;
    for (const term of terms) {
      const field = term.matchFields?.find((f) => f.key === "metadata.name" && f.operator === "In");
      if (!field) return null; // a term without a name restriction may match any node
      names ??= new Set();
      for (const v of field.values ?? []) names.add(v);
    }
    if (names && names.size === 0) return Status.unresolvable(ERR_REASON_NODE_AFFINITY);
    return names ? { nodeNames: names } : null;
  }

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null {
    if (!nodeInfo.node) return Status.error("node not found");
    return podMatchesNodeSelectorAndAffinity(pod, nodeInfo.node) ? null : Status.unresolvable(ERR_REASON_NODE_AFFINITY);
  }

  preScore(_state: CycleState, pod: Pod): Status | null {
    return pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ? null : Status.skip();
  }

  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    return preferred && nodeInfo.node ? preferredNodeAffinityScore(preferred, nodeInfo.node) : 0;
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status | null {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return null;
  }

  normalizeScores(_state: CycleState, _pod: Pod, scores: Float64Array): Status | null {
    defaultNormalizeScores(MAX_NODE_SCORE, false, scores);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateNodeLabel } }];
  }
}
