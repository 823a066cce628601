import type { LabelAllowlist } from "./family.js";

/**
 * Parses `--metric-labels-allowlist` as kube-state-metrics does:
 * `pods=[app,team],deployments=[*],namespaces=[kubernetes.io/metadata.name]` → label keys (or
 * patterns) per resource plural. Throws with upstream's wording on a malformed value.
 */
export function parseLabelsAllowlist(text: string): Map<string, LabelAllowlist> {
  const out = new Map<string, LabelAllowlist>();
  const s = text.trim();
  if (!s) return out;
  const re = /\s*([a-z0-9.]+)=\[([^\]]*)\]\s*(,|$)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while (end < s.length && (m = re.exec(s))) {
    out.set(m[1]!, m[2]!.split(",").map((k) => k.trim()).filter(Boolean));
    end = re.lastIndex;
  }
  if (end !== s.length) throw new Error(`invalid argument "${text}" for "--metric-labels-allowlist" flag: invalid format: expected resource=[label,...]`);
  return out;
}
