import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm } from "kubernetes-types/core/v1.js";

/**
 * Node selector matching as upstream's `component-helpers/scheduling/corev1/nodeaffinity`: terms
 * are ORed, the requirements of one term ANDed; an empty term matches nothing. Operators In,
 * NotIn, Exists, DoesNotExist, Gt, Lt on labels; matchFields supports `metadata.name`.
 */
export function nodeMatchesSelectorTerms(node: Node, terms: readonly NodeSelectorTerm[]): boolean {
  for (const term of terms) if (nodeMatchesTerm(node, term)) return true;
  return false;
}

export function nodeMatchesTerm(node: Node, term: NodeSelectorTerm): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const r of exprs) if (!requirementMatches(r, labels)) return false;
  for (const r of fields) {
    if (r.key !== "metadata.name") return false;
    if (!requirementMatches(r, { "metadata.name": node.metadata?.name ?? "" })) return false;
  }
  return true;
}

function requirementMatches(r: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return has && values.includes(value!);
    case "NotIn":
      return !has || !values.includes(value!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      if (!has || values.length !== 1) return false;
      const a = parseInt(value!, 10);
      const b = parseInt(values[0]!, 10);
      if (!/^-?\d+$/.test(value!) || !/^-?\d+$/.test(values[0]!)) return false;
      return r.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** The pod's `nodeSelector` and required node affinity both hold for `node` (upstream `RequiredNodeAffinity.Match`). */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const selector = pod.spec?.nodeSelector;
  if (selector) {
    const labels = node.metadata?.labels ?? {};
    for (const k in selector) if (labels[k] !== selector[k]) return false;
  }
  const required: NodeSelector | undefined = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !nodeMatchesSelectorTerms(node, required.nodeSelectorTerms ?? [])) return false;
  return true;
}

/** Sum of the weights of the preferred terms `node` matches. */
export function preferredNodeAffinityScore(terms: readonly PreferredSchedulingTerm[], node: Node): number {
  let score = 0;
  for (const t of terms) if (t.weight && nodeMatchesTerm(node, t.preference)) score += t.weight;
  return score;
}
