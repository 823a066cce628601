import type { PluginScore } from "../framework/runtime.js";

/** Namespace and label of explain requests: a client creates a ConfigMap labelled `request`, the scheduler answers in it. */
export const EXPLAIN_NAMESPACE = "kube-system";
export const EXPLAIN_LABEL = "kubesim.io/explain-schedule";

/** One node's verdict: the Filter plugin that rejected it (or none) and its scores. */
export interface NodeExplanation {
  name: string;
  filter: { plugin: string; reason: string } | undefined;
  scores: PluginScore[];
  total: number | undefined;
}

/** What the scheduler decides for a pod, node by node (the question kube-scheduler-simulator answers). */
export interface Explanation {
  pod: string;
  schedulerName: string;
  /** The node the pod is bound to, if any (it is evaluated as if unbound). */
  boundTo: string | undefined;
  /** Set when PreFilter rejected the pod for every node. */
  preFilter: { plugin: string; reason: string } | undefined;
  nodes: NodeExplanation[];
  /** The highest-scoring node(s). */
  selected: string[] | undefined;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd()).join("\n");
}

/**
 * Renders an explanation as two tables: each node's Filter verdict, then each feasible node's
 * per-plugin scores as `raw/normalized×weight`, with the weighted total.
 */
export function formatExplanation(e: Explanation): string {
  const out: string[] = [];
  out.push(`Pod ${e.pod} (scheduler ${e.schedulerName})${e.boundTo ? `, bound to ${e.boundTo}` : ""}`);
  if (e.preFilter) out.push(`PreFilter rejected the pod: ${e.preFilter.plugin}: ${e.preFilter.reason}`);
  out.push("");
  out.push("FILTER");
  out.push(table([["NODE", "RESULT", "PLUGIN", "REASON"], ...e.nodes.map((n) => [n.name, n.filter ? "Unschedulable" : "Feasible", n.filter?.plugin ?? "", n.filter?.reason ?? ""])]));
  const feasible = e.nodes.filter((n) => !n.filter && n.scores.length);
  if (feasible.length) {
    const plugins = feasible[0]!.scores.map((s) => s.plugin);
    out.push("");
    out.push("SCORE (raw/normalized × weight)");
    const rows = [["NODE", ...plugins, "TOTAL"]];
    for (const n of [...feasible].sort((a, b) => (b.total ?? 0) - (a.total ?? 0) || a.name.localeCompare(b.name))) {
      rows.push([n.name, ...plugins.map((p) => {
        const s = n.scores.find((x) => x.plugin === p);
        return s ? `${s.raw}/${s.normalized}×${s.weight}` : "";
      }), String(n.total ?? 0)]);
    }
    out.push(table(rows));
  }
  out.push("");
  if (e.selected?.length) out.push(`Selected: ${e.selected.join(", ")}${e.selected.length > 1 ? " (tie: one is picked at random)" : ""}`);
  else if (e.nodes.some((n) => !n.filter)) out.push("Selected: the only feasible node");
  else out.push("Selected: none (no node passes Filter)");
  return out.join("\n");
}
