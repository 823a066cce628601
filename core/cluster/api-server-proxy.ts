import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { Node, Pod, Service } from "kubernetes-types/core/v1.js";
import { badRequest, StatusError } from "../api/status.js";
import type { Client } from "../client/client.js";
import type { Clock } from "../clock/clock.js";
import { httpGet } from "../cri/http.js";
import type { DataPlane } from "../net/data-plane.js";
import { NetError, type NetworkStack } from "../net/sockets.js";
import type { ApiServerProxy, ProxyRequest, ProxyRoute } from "../apiserver/http/proxy-route.js";

/** How long the proxy waits for a target (kube-apiserver's proxy dial timeout is 30 s). */
const PROXY_TIMEOUT_MS = 30_000;

/** How Go's dialer words the socket errors. */
const NET_ERRORS: Partial<Record<string, string>> = {
  ECONNREFUSED: "connect: connection refused",
  ETIMEDOUT: "i/o timeout",
  EHOSTUNREACH: "connect: no route to host",
  ENETUNREACH: "connect: network is unreachable",
  ECONNRESET: "read: connection reset by peer",
};

function unreachable(target: string, err: unknown): StatusError {
  const reason = err instanceof NetError ? (NET_ERRORS[err.code] ?? `connect: ${err.message}`) : String((err as Error)?.message ?? err);
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `error trying to reach service: dial tcp ${target}: ${reason}`, reason: "ServiceUnavailable", code: 503 });
}

function noEndpoints(name: string): StatusError {
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `no endpoints available for service "${name}"`, reason: "ServiceUnavailable", code: 503 });
}

/**
 * The cluster's proxy subresources, as kube-apiserver resolves them (`ResourceLocation`): a node
 * to its InternalIP and the kubelet port (or the port named), a pod to its IP and the port named
 * (a number or a container port's name; 80 when none), a Service to one ready endpoint of the
 * service port named (by name or number; the unnamed port when none). The request is carried over
 * the simulated network from the first control-plane node's root namespace — where kube-apiserver
 * runs in a kind cluster — so it takes the path, rules and failures a real one would.
 */
export function clusterApiServerProxy(deps: { client: Client; dataPlane: DataPlane; clock: Clock; controlPlaneNode: () => string | undefined }): ApiServerProxy {
  let rotation = 0;
  const stack = (): NetworkStack => {
    const node = deps.controlPlaneNode();
    const ns = node ? deps.dataPlane.node(node) : undefined;
    return deps.dataPlane.stack(ns ?? deps.dataPlane.outside);
  };
  const relay = async (host: string, port: number, request: ProxyRequest) => {
    const from = stack();
    try {
      // The control-plane node's own address is reached over its loopback, as the kernel delivers it locally.
      const res = await httpGet(from, { host: from.addresses.includes(host) ? "127.0.0.1" : host, port, path: request.target, method: request.method, headers: request.headers, ...(request.body ? { body: request.body } : {}), timeoutMs: PROXY_TIMEOUT_MS, clock: deps.clock });
      return { status: res.status, headers: res.headers, body: res.body };
    } catch (err) {
      throw unreachable(`${host}:${port}`, err);
    }
  };
  const locate = async (route: ProxyRoute): Promise<{ host: string; port: number }> => {
    switch (route.resource) {
      case "nodes": {
        const node = await deps.client.resource<Node>("Node").get(route.name);
        const host = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
        if (!host) throw badRequest(`no preferred addresses found; known addresses: []`);
        const port = route.port ? Number(route.port) : (node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250);
        if (!Number.isInteger(port) || port <= 0 || port > 65535) throw badRequest(`invalid port "${route.port}"`);
        return { host, port };
      }
      case "pods": {
        const pod = await deps.client.resource<Pod>("Pod").get(route.name, { namespace: route.namespace! });
        const host = pod.status?.podIP;
        if (!host) throw badRequest(`address not allowed`);
        let port = route.port ? Number(route.port) : 80;
        if (route.port && !Number.isInteger(port)) {
          const named = pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === route.port);
          if (!named) throw badRequest(`no port named "${route.port}" in pod ${route.namespace}/${route.name}`);
          port = named.containerPort;
        }
        return { host, port };
      }
      case "services": {
        const svc = await deps.client.resource<Service>("Service").get(route.name, { namespace: route.namespace! });
        const sp = (svc.spec?.ports ?? []).find((p) => (route.port === "" ? !p.name || svc.spec!.ports!.length === 1 : p.name === route.port || String(p.port) === route.port));
        if (!sp) throw new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `no service port "${route.port}" found for service "${route.name}"`, reason: "ServiceUnavailable", code: 503 });
        const slices = await deps.client.resource<EndpointSlice>("EndpointSlice").list({ namespace: route.namespace!, labelSelector: `kubernetes.io/service-name=${route.name}` });
        const candidates: { host: string; port: number }[] = [];
        for (const slice of slices.items) {
          const port = slice.ports?.find((p) => (p.name ?? "") === (sp.name ?? ""))?.port;
          if (port === undefined) continue;
          for (const e of slice.endpoints ?? []) if (e.conditions?.ready !== false && e.addresses[0]) candidates.push({ host: e.addresses[0], port });
        }
        if (candidates.length === 0) throw noEndpoints(route.name);
        return candidates[rotation++ % candidates.length]!;
      }
    }
  };
  return async (route, request) => {
    const { host, port } = await locate(route);
    return relay(host, port, request);
  };
}
