import type { Listener, NetworkStack } from "../../core/net/sockets.js";
import { serveHttpConnection, type HttpResponse } from "../../core/cri/http.js";
import type { StatsSummary } from "./stats.js";
import { PROMETHEUS_TEXT_CONTENT_TYPE } from "../../core/metrics/metrics-registry.js";
import type { MetricsSource } from "../../core/metrics/metrics-endpoint.js";

/** The kubelet's port (`--port`, default 10250). */
export const KUBELET_PORT = 10250;

const FAMILIES = {
  container_cpu_usage_seconds_total: ["Cumulative cpu time consumed by the container in core-seconds", "counter"],
  container_memory_working_set_bytes: ["Current working set of the container in bytes", "gauge"],
  container_start_time_seconds: ["Start time of the container since unix epoch in seconds", "gauge"],
  node_cpu_usage_seconds_total: ["Cumulative cpu time consumed by the node in core-seconds", "counter"],
  node_memory_working_set_bytes: ["Current working set of the node in bytes", "gauge"],
  pod_cpu_usage_seconds_total: ["Cumulative cpu time consumed by the pod in core-seconds", "counter"],
  pod_memory_working_set_bytes: ["Current working set of the pod in bytes", "gauge"],
  resource_scrape_error: ["1 if there was an error while getting container metrics, 0 otherwise", "gauge"],
} as const;

type Family = keyof typeof FAMILIES;

/** A sample value as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it (the Prometheus text format's): exponent form from 1e+06 and below 1e-04. */
export function formatFloat(v: number): string {
  if (v === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 6) {
    const [mantissa, e] = v.toExponential().split("e");
    const n = Number(e);
    return `${mantissa}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  return String(v);
}

/**
 * The kubelet's `/metrics/resource` (the resource metrics endpoint metrics-server scrapes), in
 * the Prometheus text format with millisecond timestamps, built from the stats summary.
 */
export function resourceMetrics(summary: StatsSummary): string {
  const lines = new Map<Family, string[]>(Object.keys(FAMILIES).map((k) => [k as Family, []]));
  const ts = (time: string): number => Date.parse(time);
  const add = (family: Family, labels: Record<string, string>, v: number, time?: string): void => {
    const l = Object.entries(labels).map(([k, val]) => `${k}="${val}"`).join(",");
    lines.get(family)!.push(`${family}${l ? `{${l}}` : ""} ${formatFloat(v)}${time ? ` ${ts(time)}` : ""}`);
  };
  for (const p of summary.pods) {
    for (const c of p.containers) {
      const labels = { container: c.name, namespace: p.podRef.namespace, pod: p.podRef.name };
      add("container_cpu_usage_seconds_total", labels, c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time);
      add("container_memory_working_set_bytes", labels, c.memory.workingSetBytes, c.memory.time);
      add("container_start_time_seconds", labels, Date.parse(c.startTime) / 1000);
    }
    const labels = { namespace: p.podRef.namespace, pod: p.podRef.name };
    add("pod_cpu_usage_seconds_total", labels, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time);
    add("pod_memory_working_set_bytes", labels, p.memory.workingSetBytes, p.memory.time);
  }
  add("node_cpu_usage_seconds_total", {}, summary.node.cpu.usageCoreNanoSeconds / 1e9, summary.node.cpu.time);
  add("node_memory_working_set_bytes", {}, summary.node.memory.workingSetBytes, summary.node.memory.time);
  add("resource_scrape_error", {}, 0);
  let out = "";
  for (const [family, samples] of lines) {
    if (!samples.length) continue;
    const [help, type] = FAMILIES[family];
    out += `# HELP ${family} [STABLE] ${help}\n# TYPE ${family} ${type}\n${samples.sort().join("\n")}\n`;
  }
  return out;
}

/**
 * Serves the kubelet's read-only HTTP endpoints on the node's address, port 10250, in the
 * simulated network: `/healthz`, `/stats/summary`, `/metrics/resource` and the other metrics
 * paths given (`/metrics`, `/metrics/cadvisor`, `/metrics/probes`). (The real kubelet serves
 * HTTPS with webhook authentication; the simulated network carries plain HTTP.)
 */
export function serveKubeletEndpoints(stack: NetworkStack, summary: () => Promise<StatsSummary>, metrics: Readonly<Record<string, MetricsSource>> = {}): Listener {
  return stack.listen("TCP", KUBELET_PORT, (conn) =>
    serveHttpConnection(conn, async (req): Promise<HttpResponse> => {
      const path = req.path.split("?")[0];
      if (req.method !== "GET") return { status: 405, body: "" };
      if (path === "/healthz") return { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "ok" };
      if (path === "/stats/summary") return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(await summary()) };
      if (path === "/metrics/resource") return { status: 200, headers: { "Content-Type": PROMETHEUS_TEXT_CONTENT_TYPE }, body: resourceMetrics(await summary()) };
      const source = path !== undefined && Object.hasOwn(metrics, path) ? metrics[path] : undefined;
      if (source) return { status: 200, headers: { "Content-Type": PROMETHEUS_TEXT_CONTENT_TYPE }, body: await source() };
      return { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "404 page not found\n" };
    }),
  );
}
