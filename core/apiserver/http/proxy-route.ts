import { badRequest } from "../../api/status.js";

/**
 * A request for a proxy subresource: `/api/v1/nodes/<node>/proxy/<path>` (the kubelet, or
 * `<node>:<port>` for another port on the node), `/api/v1/namespaces/<ns>/pods/<pod>[:<port>]/proxy/<path>`
 * and `/api/v1/namespaces/<ns>/services/<svc>[:<port>]/proxy/<path>`. The name may carry a scheme
 * (`https:web:8443`), as kube-apiserver's `ResourceLocation` parses it.
 */
export interface ProxyRoute {
  readonly resource: "nodes" | "pods" | "services";
  readonly namespace: string | undefined;
  /** The object's name, without scheme and port. */
  readonly name: string;
  /** The port part: a number or (services, pods) a port name; "" when none was given. */
  readonly port: string;
  /** `http` unless the name said `https`. */
  readonly scheme: "http" | "https";
  /** The path on the target, from the `/` after `proxy` (`/` when none). */
  readonly path: string;
}

const NODE = /^\/api\/v1\/nodes\/([^/]+)\/proxy(\/.*)?$/;
const NAMESPACED = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|services)\/([^/]+)\/proxy(\/.*)?$/;

/** The proxy route of `pathname`, or undefined when it is not a proxy subresource. */
export function proxyRouteOf(pathname: string): ProxyRoute | undefined {
  let resource: ProxyRoute["resource"];
  let namespace: string | undefined;
  let rawName: string;
  let path: string | undefined;
  const n = NODE.exec(pathname);
  if (n) {
    resource = "nodes";
    rawName = n[1]!;
    path = n[2];
  } else {
    const m = NAMESPACED.exec(pathname);
    if (!m) return undefined;
    namespace = decode(m[1]!);
    resource = m[2] as "pods" | "services";
    rawName = m[3]!;
    path = m[4];
  }
  const parts = decode(rawName).split(":");
  let scheme: ProxyRoute["scheme"] = "http";
  if (parts.length === 3) {
    if (parts[0] !== "http" && parts[0] !== "https" && parts[0] !== "") throw badRequest(`invalid scheme "${parts[0]}" in ${resource} proxy name`);
    scheme = parts[0] === "https" ? "https" : "http";
    parts.shift();
  }
  if (parts.length > 2 || !parts[0]) throw badRequest(`invalid ${resource} proxy name "${decode(rawName)}"`);
  return { resource, namespace, name: parts[0], port: parts[1] ?? "", scheme, path: path ?? "/" };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid URL escape in "${segment}"`);
  }
}

/** One proxied request, as the API server hands it on. */
export interface ProxyRequest {
  readonly method: string;
  /** The path and query on the target (`/metrics?x=1`). */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The target's answer (to HEAD: its headers, the Content-Length among them, and an empty body). */
export interface ProxyResponse {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Reaches what a proxy route names and relays one request (the cluster's implementation walks the
 * simulated network from the control-plane node). Throws a StatusError for an unknown object, an
 * unresolvable port (400/404) or an unreachable target (503, "error trying to reach ...").
 */
export type ApiServerProxy = (route: ProxyRoute, request: ProxyRequest) => Promise<ProxyResponse>;
