import type { Status } from "./status.js";

/**
 * The diagnosis users read (upstream `FitError.Error`): `0/N nodes are available: ` then either
 * the PreFilter message or each node's reasons counted and sorted, then the PostFilter message
 * (preemption), each part ending with `.`.
 */
export function fitErrorMessage(numAllNodes: number, nodeStatuses: ReadonlyMap<string, Status>, preFilterMsg = "", postFilterMsg = ""): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg) msg += ` ${stripDot(preFilterMsg)}.`;
  else {
    const counts = new Map<string, number>();
    for (const s of nodeStatuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length) msg += ` ${parts.join(", ")}.`;
  }
  if (postFilterMsg) msg += ` ${stripDot(postFilterMsg)}.`;
  return msg;
}

function stripDot(s: string): string {
  return s.endsWith(".") ? s.slice(0, -1) : s;
}
