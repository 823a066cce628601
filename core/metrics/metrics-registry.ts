import { collectDefaultMetrics, Registry } from "prom-client";

/** The content type of the Prometheus text exposition format (0.0.4), as every component serves it. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * A component's own metrics registry (prom-client). Every component instance (an API server, a
 * scheduler, one node's kubelet) owns one, never prom-client's global default registry, so two
 * clusters — or two nodes — in one process keep separate series.
 */
export function newMetricsRegistry(): Registry {
  return new Registry();
}

let processRegistry: Registry | undefined;

/**
 * The `process_*` and `nodejs_*` runtime metrics of this process (what the Go components'
 * `process_*` and `go_*` collectors show), in one registry of their own created on first use:
 * they describe the process, which every cluster in it shares, and collecting them once keeps a
 * process with many clusters from running many collectors.
 */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The exposition text of `registries`, one after the other (their metric names must not overlap). */
export async function exposition(...registries: Registry[]): Promise<string> {
  const texts = await Promise.all(registries.map((r) => r.metrics()));
  return texts.filter((t) => t.length > 0).map((t) => (t.endsWith("\n") ? t : `${t}\n`)).join("");
}
