import type { ExtraEndpoints } from "../apiserver/http/http-server.js";
import { badRequest, notFound } from "../api/status.js";
import type { Cluster } from "./cluster.js";
import { TraceError, type TraceOptions } from "../net/cluster-network.js";

/**
 * kubesim's own API endpoints, served next to the Kubernetes API by `kubesim up` so the `kubesim`
 * commands that inspect a cluster work from another terminal with the kubeconfig, as kubectl
 * plugins do:
 * - `POST /kubesim/v1/nodes/<node>/exec` `{"argv": [...], "stdin"?: "..."}` → `{"stdout", "stderr", "exitCode"}`
 * - `POST /kubesim/v1/trace` `{"from", "to", "protocol"?, "port"?, "payload"?}` → the trace
 * Both are non-resource URLs: RBAC grants them with `nonResourceURLs` and verb `post`.
 */
export function kubesimEndpoints(cluster: Cluster): ExtraEndpoints {
  return async (method, pathname, body) => {
    if (!pathname.startsWith("/kubesim/v1/")) return undefined;
    if (method !== "POST") return undefined;
    let input: Record<string, unknown>;
    try {
      input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      throw badRequest("the request body must be JSON");
    }
    const exec = /^\/kubesim\/v1\/nodes\/([^/]+)\/exec$/.exec(pathname);
    if (exec) {
      const node = decodeURIComponent(exec[1]!);
      if (!cluster.nodes.has(node)) throw notFound({ group: "", plural: "nodes", kind: "Node" }, node);
      const argv = input["argv"];
      if (!Array.isArray(argv) || !argv.every((a) => typeof a === "string")) throw badRequest(`"argv" must be a list of strings`);
      return { code: 200, body: await cluster.nodeExec(node, argv as string[], typeof input["stdin"] === "string" ? input["stdin"] : undefined) };
    }
    if (pathname === "/kubesim/v1/trace") {
      const from = input["from"];
      const to = input["to"];
      if (typeof from !== "string" || typeof to !== "string") throw badRequest(`"from" and "to" are required`);
      try {
        return { code: 200, body: await cluster.network.trace(from, to, input as TraceOptions) };
      } catch (err) {
        if (err instanceof TraceError) throw badRequest(err.message);
        throw err;
      }
    }
    return undefined;
  };
}
