import type { Service } from "kubernetes-types/core/v1.js";
import { token } from "../../di/token.js";
import type { Clock } from "../../clock/clock.js";
import { httpGet } from "../../cri/http.js";
import type { DataPlane } from "../../net/data-plane.js";
import { NetError } from "../../net/sockets.js";

/** A request the aggregation layer forwards to an APIService's Service. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, as the client sent them (`/apis/metrics.k8s.io/v1beta1/nodes?limit=500`). */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Where an APIService sends its group version: a Service's namespace, name and port. */
export interface ServiceRef {
  namespace: string;
  name: string;
  port: number;
}

/**
 * How the aggregation layer reaches a Service (kube-aggregator's proxy transport). Rejects with
 * an Error whose message is what kube-aggregator reports after `error trying to reach service: `.
 */
export interface ApiServiceTransport {
  send(service: ServiceRef, request: ProxiedRequest): Promise<ProxiedResponse>;
}

export const ApiServiceTransportToken = token<ApiServiceTransport>("ApiServiceTransport");

/**
 * Reaches Services through the simulated pod network, as kube-apiserver does from its node: a
 * connection from the first node's root namespace to the Service's cluster IP and port, which
 * kube-proxy's rules send to a ready endpoint. Plain HTTP over the simulated TCP (kube-aggregator
 * speaks TLS to the Service).
 */
export function networkServiceTransport(plane: DataPlane, clock: Clock, readService: (namespace: string, name: string) => Promise<Service | undefined>, timeoutMs = 30_000): ApiServiceTransport {
  return {
    async send(ref, request) {
      const svc = await readService(ref.namespace, ref.name);
      const ip = svc?.spec?.clusterIP;
      if (!ip || ip === "None") throw new Error(`service "${ref.name}" has no cluster IP`);
      const node = plane.nodeNames()[0];
      const ns = node ? plane.node(node) : undefined;
      if (!ns) throw new Error(`dial tcp ${ip}:${ref.port}: connect: network is unreachable`);
      try {
        const res = await httpGet(plane.stack(ns), { host: ip, port: ref.port, path: request.path, method: request.method, headers: request.headers, ...(request.body ? { body: request.body } : {}), timeoutMs, clock });
        return { status: res.status, headers: res.headers, body: res.body };
      } catch (err) {
        if (err instanceof NetError) {
          const what = err.code === "ECONNREFUSED" ? "connection refused" : err.code === "ETIMEDOUT" ? "i/o timeout" : err.code === "EHOSTUNREACH" ? "no route to host" : err.message;
          throw new Error(`dial tcp ${ip}:${ref.port}: connect: ${what}`);
        }
        throw err;
      }
    },
  };
}
