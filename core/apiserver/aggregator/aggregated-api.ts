import { token } from "../../di/token.js";
import type { UserInfo } from "../admission.js";
import type { ApiResourceDiscovery, ApiVersionDiscovery } from "../discovery/aggregated-discovery.js";
import type { ApiResourceList } from "../discovery/legacy-discovery.js";
import type { RemoteApiServices, RemoteGroupVersion } from "./remote-api-services.js";
import type { ApiServiceTransport, ProxiedRequest, ProxiedResponse } from "./service-transport.js";

const PLAIN = { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" };

/**
 * The aggregation layer's proxy: a request for a group version an APIService sends to a Service
 * is forwarded there with the caller's identity in kube-aggregator's request headers
 * (`X-Remote-User`, `X-Remote-Group`). What the HTTP server proxies and what in-process
 * components (the HPA's metrics client) read through.
 */
export class AggregatedApi {
  constructor(private readonly remote: RemoteApiServices, private readonly transport: () => ApiServiceTransport | undefined) {}

  /** Whether an APIService sends `group/version` to a Service. */
  async claims(group: string, version: string): Promise<RemoteGroupVersion | undefined> {
    return this.remote.find(group, version);
  }

  /**
   * Forwards a request for `group/version`; undefined when no APIService claims it. An
   * unavailable APIService or an unreachable Service answers 503 in plain text, as kube-aggregator.
   */
  async request(group: string, version: string, request: ProxiedRequest, user?: UserInfo): Promise<ProxiedResponse | undefined> {
    const target = await this.remote.find(group, version);
    if (!target) return undefined;
    return this.send(target, request, user);
  }

  private async send(target: RemoteGroupVersion, request: ProxiedRequest, user?: UserInfo): Promise<ProxiedResponse> {
    const transport = this.transport();
    if (target.unavailable || !transport) return { status: 503, headers: PLAIN, body: "service unavailable\n" };
    const headers: Record<string, string> = { ...request.headers };
    if (user) {
      headers["X-Remote-User"] = user.username;
      if (user.groups.length) headers["X-Remote-Group"] = user.groups.join(",");
    }
    try {
      return await transport.send(target.service, { ...request, headers });
    } catch (err) {
      return { status: 503, headers: PLAIN, body: `error trying to reach service: ${(err as Error).message}\n` };
    }
  }

  /**
   * A remote group version's entry of aggregated discovery, from the Service's own
   * `/apis/<group>/<version>` (kube-aggregator's discovery manager); `Stale` with no resources when
   * it cannot be fetched.
   */
  async discovery(target: RemoteGroupVersion): Promise<ApiVersionDiscovery> {
    const stale: ApiVersionDiscovery = { version: target.version, resources: [], freshness: "Stale" };
    if (target.unavailable) return stale;
    const res = await this.send(target, { method: "GET", path: `/apis/${target.group}/${target.version}`, headers: { Accept: "application/json" } });
    if (res.status !== 200) return stale;
    let list: ApiResourceList;
    try {
      list = JSON.parse(res.body) as ApiResourceList;
    } catch {
      return stale;
    }
    const top = list.resources.filter((r) => !r.name.includes("/"));
    const resources: ApiResourceDiscovery[] = top.map((r) => {
      const subs = list.resources.filter((s) => s.name.startsWith(`${r.name}/`));
      return {
        resource: r.name,
        responseKind: { group: target.group, version: target.version, kind: r.kind },
        scope: r.namespaced ? "Namespaced" : "Cluster",
        singularResource: r.singularName,
        verbs: r.verbs,
        ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories?.length ? { categories: r.categories } : {}),
        ...(subs.length ? { subresources: subs.map((s) => ({ subresource: s.name.slice(r.name.length + 1), responseKind: { group: s.group ?? target.group, version: s.version ?? target.version, kind: s.kind }, verbs: s.verbs })) } : {}),
      };
    });
    return { version: target.version, resources, freshness: "Current" };
  }
}

/** The cluster's aggregation layer, for in-process readers of aggregated APIs. */
export const AggregatedApiToken = token<AggregatedApi>("AggregatedApi");
