import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { formatQuantity } from "../../core/api/quantity.js";
import { parseLabelSelector, type LabelSelector } from "../../core/api/selectors/label-selector.js";
import { rfc3339 } from "../../core/api/time.js";
import { formatGoDuration } from "../../core/api/duration.js";
import type { HttpRequest, HttpResponse } from "../../core/cri/http.js";
import type { MetricsStorage, Usage } from "./metrics-storage.js";

export const GROUP_VERSION = "metrics.k8s.io/v1beta1";

/** CPU as metrics-server serializes it (a nanocore quantity: `123456789n`, `5m`, `1`), memory as a binary quantity (`1234Ki`). */
export function usageQuantities(u: { cpuNanoCores: number; memoryBytes: number }): { cpu: string; memory: string } {
  return {
    cpu: formatQuantity({ nanos: BigInt(Math.round(u.cpuNanoCores)), format: "DecimalSI" }),
    memory: formatQuantity({ nanos: BigInt(Math.round(u.memoryBytes)) * 1_000_000_000n, format: "BinarySI" }),
  };
}

const API_RESOURCES = {
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion: GROUP_VERSION,
  resources: [
    { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
    { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
  ],
};

function json(status: number, body: unknown): HttpResponse {
  return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

function status(code: number, reason: string, message: string, details?: Record<string, string>): HttpResponse {
  return json(code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code });
}

/** What the API reads: the storage and the cluster's nodes and pods (metrics-server's informers). */
export interface MetricsApiSource {
  storage: MetricsStorage;
  nodes(): readonly Node[];
  pods(): readonly Pod[];
}

function nodeMetrics(node: Node, u: Usage): unknown {
  return {
    metadata: { name: node.metadata!.name, creationTimestamp: rfc3339(u.timestamp), ...(node.metadata?.labels ? { labels: node.metadata.labels } : {}) },
    timestamp: rfc3339(u.timestamp),
    window: formatGoDuration(u.windowMs),
    usage: usageQuantities(u),
  };
}

function podMetrics(pod: Pod, storage: MetricsStorage): unknown {
  const u = storage.podUsage(`${pod.metadata!.namespace}/${pod.metadata!.name}`);
  if (!u) return undefined;
  return {
    metadata: { name: pod.metadata!.name, namespace: pod.metadata!.namespace, creationTimestamp: rfc3339(u.timestamp), ...(pod.metadata?.labels ? { labels: pod.metadata.labels } : {}) },
    timestamp: rfc3339(u.timestamp),
    window: formatGoDuration(u.windowMs),
    containers: [...u.containers].map(([name, c]) => ({ name, usage: usageQuantities(c) })),
  };
}

/**
 * metrics-server's API: `/apis/metrics.k8s.io/v1beta1` (its discovery), NodeMetrics and PodMetrics
 * (get and list, `labelSelector` on lists), its health checks `/livez` and `/readyz` (ready once a
 * node has two scrapes).
 */
export function serveMetricsApi(src: MetricsApiSource, req: HttpRequest): HttpResponse {
  const [pathname = "/", search = ""] = req.path.split("?");
  const query = new URLSearchParams(search);
  if (pathname === "/livez" || pathname === "/healthz") return { status: 200, body: "ok" };
  if (pathname === "/readyz") return src.storage.ready() ? { status: 200, body: "ok" } : { status: 500, body: "[-]metric-storage-ready failed: reason withheld\nreadyz check failed\n" };
  const prefix = `/apis/${GROUP_VERSION}`;
  if (!pathname.startsWith(prefix)) return { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "404 page not found\n" };
  if (req.method !== "GET") return status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
  const parts = pathname.slice(prefix.length).split("/").filter(Boolean);
  if (parts.length === 0) return json(200, API_RESOURCES);
  let selector: LabelSelector | undefined;
  try {
    const s = query.get("labelSelector");
    selector = s ? parseLabelSelector(s) : undefined;
  } catch (err) {
    return status(400, "BadRequest", (err as Error).message);
  }
  const matches = (labels: Record<string, string> | undefined): boolean => !selector || selector.matches(labels ?? {});
  if (parts[0] === "nodes" && parts.length <= 2) {
    if (parts[1]) {
      const node = src.nodes().find((n) => n.metadata?.name === parts[1]);
      const u = node && src.storage.nodeUsage(parts[1]);
      if (!node || !u) return status(404, "NotFound", `nodemetrics.metrics.k8s.io "${parts[1]}" not found`, { name: parts[1], group: "metrics.k8s.io", kind: "nodemetrics" });
      return json(200, { kind: "NodeMetrics", apiVersion: GROUP_VERSION, ...(nodeMetrics(node, u) as object) });
    }
    const items = src.nodes().filter((n) => matches(n.metadata?.labels)).flatMap((n) => {
      const u = src.storage.nodeUsage(n.metadata!.name!);
      return u ? [nodeMetrics(n, u)] : [];
    });
    return json(200, { kind: "NodeMetricsList", apiVersion: GROUP_VERSION, metadata: {}, items });
  }
  let namespace: string | undefined;
  let rest = parts;
  if (parts[0] === "namespaces" && parts[1]) {
    namespace = parts[1];
    rest = parts.slice(2);
  }
  if (rest[0] === "pods" && rest.length <= 2) {
    const pods = src.pods().filter((p) => (!namespace || p.metadata?.namespace === namespace) && p.status?.phase === "Running");
    if (rest[1]) {
      const pod = pods.find((p) => p.metadata?.name === rest[1]);
      const m = pod && podMetrics(pod, src.storage);
      if (!m) return status(404, "NotFound", `podmetrics.metrics.k8s.io "${namespace}/${rest[1]}" not found`, { name: `${namespace}/${rest[1]}`, group: "metrics.k8s.io", kind: "podmetrics" });
      return json(200, { kind: "PodMetrics", apiVersion: GROUP_VERSION, ...(m as object) });
    }
    const items = pods
      .filter((p) => matches(p.metadata?.labels))
      .sort((a, b) => `${a.metadata!.namespace}/${a.metadata!.name}`.localeCompare(`${b.metadata!.namespace}/${b.metadata!.name}`))
      .flatMap((p) => {
        const m = podMetrics(p, src.storage);
        return m ? [m] : [];
      });
    return json(200, { kind: "PodMetricsList", apiVersion: GROUP_VERSION, metadata: {}, items });
  }
  return { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "404 page not found\n" };
}
