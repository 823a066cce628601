import { parseQuantity, milliValue } from "../../../../core/api/quantity.js";
import type { PodMetrics } from "./replica-calculator.js";

/** A GET against an aggregated API (metrics.k8s.io), as the HPA's REST metrics client sends it. */
export type AggregatedGet = (group: string, version: string, path: string) => Promise<{ status: number; body: string } | undefined>;

interface PodMetricsItem {
  metadata: { name: string };
  timestamp: string;
  window: string;
  containers: { name: string; usage: Record<string, string> }[];
}

/** `15s`, `1m0.5s`, `500ms` (Go durations) → ms. */
function durationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as "h" | "m" | "s" | "ms"];
  return total;
}

/**
 * The resource metrics client (upstream's resourceMetricsClient): each pod's usage of `resource`
 * from `metrics.k8s.io/v1beta1` PodMetrics, summed over its containers (or one container), in
 * milli-units. Errors read as upstream's.
 */
export async function resourceMetric(get: AggregatedGet, resource: string, namespace: string, selector: string, container?: string): Promise<PodMetrics> {
  const res = await get("metrics.k8s.io", "v1beta1", `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`);
  if (!res) throw new Error("unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)");
  if (res.status !== 200) {
    let message = res.body.trim();
    try {
      message = (JSON.parse(res.body) as { message?: string }).message ?? message;
    } catch {
      // plain text (503 from the aggregator)
    }
    throw new Error(`unable to fetch metrics from resource metrics API: ${message}`);
  }
  const items = (JSON.parse(res.body) as { items?: PodMetricsItem[] }).items ?? [];
  if (items.length === 0) throw new Error("no metrics returned from resource metrics API");
  const out: PodMetrics = new Map();
  for (const item of items) {
    let value = 0;
    let found = false;
    let missing = false;
    for (const c of item.containers) {
      if (container && c.name !== container) continue;
      const usage = c.usage[resource];
      if (usage === undefined) {
        missing = true;
        break;
      }
      value += Number(milliValue(parseQuantity(usage)));
      found = true;
    }
    if (missing || !found) continue;
    out.set(item.metadata.name, { value, timestamp: Date.parse(item.timestamp), windowMs: durationMs(item.window) });
  }
  return out;
}
