import { serveHttpConnection, type HttpResponse } from "../cri/http.js";
import type { Listener, NetworkStack } from "../net/sockets.js";
import { PROMETHEUS_TEXT_CONTENT_TYPE } from "./metrics-registry.js";

/** Produces one path's exposition text (a registry's `metrics()`, usually). */
export type MetricsSource = () => Promise<string> | string;

/**
 * Serves a component's metrics over HTTP on its port in the simulated network, as the component
 * serves them on its host (kube-controller-manager :10257, kube-scheduler :10259, kube-proxy
 * :10249, the kubelet :10250): `GET <path>` answers the source's text with the Prometheus content
 * type, `/healthz` answers `ok`, other paths 404 as Go's mux does, other methods 405. Plain HTTP:
 * the simulated network carries no TLS (docs/differences.md, "Observability (metrics)").
 */
export function serveMetricsEndpoint(stack: NetworkStack, port: number, paths: Readonly<Record<string, MetricsSource>>, options: { address?: string } = {}): Listener {
  const handle = async (method: string, target: string): Promise<HttpResponse> => {
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    if (path === "/healthz") return { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "ok" };
    const source = Object.hasOwn(paths, path) ? paths[path] : undefined;
    if (!source) return { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "404 page not found\n" };
    if (method !== "GET" && method !== "HEAD") return { status: 405, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "Method Not Allowed\n" };
    return { status: 200, headers: { "Content-Type": PROMETHEUS_TEXT_CONTENT_TYPE }, body: await source() };
  };
  return stack.listen("TCP", port, (conn) => serveHttpConnection(conn, (req) => handle(req.method, req.path)), options.address ? { address: options.address } : {});
}
