import type { Node, PodSpec, Taint } from "kubernetes-types/core/v1.js";
import { labelChanged } from "../../../../core/index.js";
import { nodeShouldRunDaemonPod } from "./node-eligibility.js";

/** {@link nodeShouldRunDaemonPod}'s answer. */
export interface NodeVerdict {
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
}

/** Core's label-change predicate, for nodes. */
const labelsDiffer = labelChanged.update as (a: Node, b: Node) => boolean;

function sameTaints(a: readonly Taint[] | undefined, b: readonly Taint[] | undefined): boolean {
  if (a === b) return true;
  const la = a?.length ?? 0;
  if (la !== (b?.length ?? 0)) return false;
  for (let i = 0; i < la; i++) {
    const x = a![i]!;
    const y = b![i]!;
    if (x.key !== y.key || x.value !== y.value || x.effect !== y.effect || x.timeAdded !== y.timeAdded) return false;
  }
  return true;
}

/**
 * Whether two versions of a node agree on everything a daemon pod's eligibility reads: labels and
 * taints (upstream's shouldIgnoreNodeUpdate). Status heartbeats leave both alone.
 */
export function sameSchedulingFacts(a: Node, b: Node): boolean {
  return !labelsDiffer(a, b) && sameTaints(a.spec?.taints, b.spec?.taints);
}

interface Entry {
  /** The last node version seen; a newer one with the same labels and taints keeps the verdicts. */
  node: Node;
  /** Verdicts by DaemonSet uid, for the template of one generation. */
  readonly bySet: Map<string, { generation: number | undefined; spec: PodSpec; verdict: NodeVerdict }>;
}

/**
 * {@link nodeShouldRunDaemonPod} verdicts cached per (DaemonSet template generation, node labels
 * and taints), not per object: a node's status heartbeats and a set's status writes replace the
 * objects but keep the verdicts. Each lookup checks the node it is given against the one the
 * verdicts were computed for, so a stale entry is never used whatever order events arrive in.
 */
export class NodeVerdicts {
  private readonly byNode = new Map<string, Entry>();

  /** The verdict for the set `uid` at `generation` (its template `spec`) on `node`. */
  get(node: Node, uid: string, generation: number | undefined, spec: PodSpec): NodeVerdict {
    const name = node.metadata!.name!;
    let entry = this.byNode.get(name);
    if (!entry || (entry.node !== node && !sameSchedulingFacts(entry.node, node))) this.byNode.set(name, (entry = { node, bySet: new Map() }));
    else entry.node = node;
    const cached = entry.bySet.get(uid);
    if (cached && (cached.spec === spec || (generation !== undefined && cached.generation === generation))) return cached.verdict;
    const verdict = nodeShouldRunDaemonPod(node, spec);
    entry.bySet.set(uid, { generation, spec, verdict });
    return verdict;
  }

  /** Drops a removed node's verdicts. */
  forgetNode(name: string): void {
    this.byNode.delete(name);
  }

  /** Drops a removed set's verdicts. */
  forgetSet(uid: string): void {
    for (const entry of this.byNode.values()) entry.bySet.delete(uid);
  }
}
