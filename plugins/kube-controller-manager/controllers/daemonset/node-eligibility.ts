import type { Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from "kubernetes-types/core/v1.js";

/**
 * The tolerations the DaemonSet controller adds to every daemon pod (AddOrUpdateDaemonPodTolerations):
 * not-ready and unreachable NoExecute, the pressure and unschedulable NoSchedule taints, and
 * network-unavailable for host-network pods.
 */
export function daemonPodTolerations(spec: PodSpec): Toleration[] {
  const add: Toleration[] = [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
  ];
  if (spec.hostNetwork) add.push({ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" });
  const out = [...(spec.tolerations ?? [])];
  for (const t of add) if (!out.some((o) => o.key === t.key && o.effect === t.effect && o.operator === t.operator)) out.push(t);
  return out;
}

/** {@link daemonPodTolerations} of a template spec (immutable, from the informer), computed once per spec object; read-only. */
const specTolerations = new WeakMap<PodSpec, readonly Toleration[]>();
function tolerationsOf(spec: PodSpec): readonly Toleration[] {
  let out = specTolerations.get(spec);
  if (!out) specTolerations.set(spec, (out = daemonPodTolerations(spec)));
  return out;
}

/** A toleration tolerates a taint (v1helper.ToleratesTaint): same effect (or any), key and value. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if ((t.operator ?? "Equal") === "Exists") return true;
  return !t.key ? false : (t.value ?? "") === (taint.value ?? "");
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && vals.includes(value);
    case "NotIn":
      return value === undefined || !vals.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || !/^-?\d+$/.test(value) || vals.length !== 1) return false;
      return r.operator === "Gt" ? Number(value) > Number(vals[0]) : Number(value) < Number(vals[0]);
    }
    default:
      return false;
  }
}

/** A node selector term: all label expressions and `metadata.name` field expressions hold; an empty term matches nothing. */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return exprs.every((r) => requirementMatches(r, labels[r.key])) && fields.every((r) => r.key === "metadata.name" && requirementMatches(r, node.metadata?.name));
}

/**
 * Whether a daemon pod with `spec` (its automatic tolerations included) should run on `node`
 * (upstream's NodeShouldRunDaemonPod): the nodeSelector and the required node affinity match, and
 * every NoSchedule and NoExecute taint is tolerated. `shouldContinueRunning` is false only when
 * the pod is not wanted there at all: a selector or affinity mismatch or an untolerated NoExecute
 * taint (an untolerated NoSchedule taint keeps an existing pod but places no new one).
 */
export function nodeShouldRunDaemonPod(node: Node, spec: PodSpec): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const no = { shouldRun: false, shouldContinueRunning: false };
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return no;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !(required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node))) return no;
  const tolerations = tolerationsOf(spec);
  let shouldRun = true;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (tolerations.some((t) => tolerates(t, taint))) continue;
    if (taint.effect === "NoExecute") return no;
    shouldRun = false;
  }
  return { shouldRun, shouldContinueRunning: true };
}

/** The node a daemon pod is for: its nodeName, or the `metadata.name` of its required node affinity (GetTargetNodeName). */
export function targetNodeName(spec: PodSpec | undefined): string | undefined {
  if (spec?.nodeName) return spec.nodeName;
  for (const term of spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** The template's spec pinned to `node` by a required `metadata.name` node affinity, replacing any required terms (ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function pinToNode(spec: PodSpec, node: string): PodSpec {
  const term: NodeSelectorTerm = { matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] };
  const affinity = spec.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  return { ...spec, affinity: { ...affinity, nodeAffinity: { ...nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } } };
}
