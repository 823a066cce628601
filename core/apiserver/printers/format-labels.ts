import type { LabelSelector } from "kubernetes-types/meta/v1.js";

/** `labels.FormatLabels`: `a=b,c=d` sorted by key, `<none>` when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(",") : "<none>";
}

/**
 * `LabelSelectorAsSelector(...).String()`: requirements sorted by key, `k=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k`, `!k`. Nil and empty selectors print as "".
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string {
  if (!selector) return "";
  const requirements: [string, string][] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) requirements.push([k, `${k}=${v}`]);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",");
    switch (e.operator) {
      case "In": requirements.push([e.key, `${e.key} in (${values})`]); break;
      case "NotIn": requirements.push([e.key, `${e.key} notin (${values})`]); break;
      case "Exists": requirements.push([e.key, e.key]); break;
      case "DoesNotExist": requirements.push([e.key, `!${e.key}`]); break;
      default: return "<error>";
    }
  }
  return requirements.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((r) => r[1]).join(",");
}

/** `metav1.FormatLabelSelector`: the selector string, `<none>` when it selects everything or nothing. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  return labelSelectorString(selector) || "<none>";
}
