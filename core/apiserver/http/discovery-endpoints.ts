import type { ServerResponse } from "node:http";
import type { ResourceRegistry } from "../../api/resource-registry.js";
import { resourceNotServed } from "../../api/status.js";
import {
  buildAggregatedDiscovery, buildApiGroup, buildApiGroupList, buildApiResourceList, buildApiVersions, buildVersionInfo, negotiateDiscovery, RegistryDocumentCache,
} from "../discovery/index.js";
import { negotiateOpenApiV2, OPENAPI_V2_PROTOBUF, OpenApiDocuments } from "../openapi/index.js";
import type { NonResourceRoute } from "./request-route.js";
import type { RemoteApiServices } from "../aggregator/remote-api-services.js";
import { remoteApiGroup, withRemoteGroupDiscovery, withRemoteGroups } from "../aggregator/aggregated-groups.js";
import type { AggregatedApi } from "../aggregator/aggregated-api.js";
import type { ApiVersionDiscovery } from "../discovery/aggregated-discovery.js";
import type { ProxiedRequest } from "../aggregator/service-transport.js";
import type { UserInfo } from "../admission.js";
import { sendJson, sendJsonText, sendText } from "./responses.js";

/** The 404 kube-apiserver sends for a path it does not serve. */
export const pathNotFound = resourceNotServed;

/**
 * `/version`, discovery (`/api`, `/apis`, `/apis/<g>`, `/api/v1`, `/apis/<g>/<v>`, aggregated when
 * the Accept header asks), OpenAPI v2 and v3, and the health checks. Documents are serialized
 * once and rebuilt after the registry changes (a CRD established or removed).
 */
export class NonResourceEndpoints {
  private readonly cache: RegistryDocumentCache;
  private readonly openapi: OpenApiDocuments;
  private readonly version = JSON.stringify(buildVersionInfo());

  constructor(private readonly registry: ResourceRegistry, private readonly serverAddress: () => string, private readonly remote?: RemoteApiServices, private readonly aggregated?: AggregatedApi) {
    this.cache = new RegistryDocumentCache(registry);
    this.openapi = new OpenApiDocuments(registry);
  }

  async serve(res: ServerResponse, route: NonResourceRoute, accept: string | undefined, query: URLSearchParams, request?: ProxiedRequest, user?: UserInfo): Promise<void> {
    switch (route.kind) {
      case "version":
        return sendJsonText(res, 200, this.version);
      case "health":
        return this.health(res, route.check, route.sub, query);
      case "openapi-v2":
        return this.openApiV2(res, accept);
      case "openapi-v3-index":
        return sendJsonText(res, 200, this.openapi.v3Index());
      case "openapi-v3-document": {
        const doc = this.openapi.v3Document(route.group, route.version);
        if (doc === undefined) throw pathNotFound();
        return sendJsonText(res, 200, doc);
      }
      case "discovery-root": {
        const format = negotiateDiscovery(accept);
        const remote = route.root === "apis" && this.remote ? await this.remote.list() : [];
        let text = format.kind === "aggregated"
          ? this.cache.get(`${route.root}:${format.version}`, () => JSON.stringify(buildAggregatedDiscovery(this.registry, route.root, format.version)))
          : route.root === "api"
            ? JSON.stringify(buildApiVersions(this.registry, this.serverAddress()))
            : this.cache.get("apis", () => JSON.stringify(buildApiGroupList(this.registry)));
        if (remote.length) {
          const discovered = new Map<string, ApiVersionDiscovery>();
          if (format.kind === "aggregated" && this.aggregated) {
            for (const r of remote) discovered.set(`${r.group}/${r.version}`, await this.aggregated.discovery(r));
          }
          text = format.kind === "aggregated"
            ? JSON.stringify(withRemoteGroupDiscovery(buildAggregatedDiscovery(this.registry, route.root, format.version), remote, discovered))
            : JSON.stringify(withRemoteGroups(buildApiGroupList(this.registry), remote));
        }
        res.setHeader("Vary", "Accept");
        return sendJsonText(res, 200, text, format.contentType);
      }
      case "discovery-group": {
        const text = this.cache.get(`group:${route.group}`, () => {
          const g = buildApiGroup(this.registry, route.group);
          return g && JSON.stringify(g);
        });
        if (text) return sendJsonText(res, 200, text);
        const remote = this.remote && remoteApiGroup(route.group, await this.remote.list());
        if (!remote) throw pathNotFound();
        return sendJson(res, 200, remote);
      }
      case "discovery-resources": {
        const text = this.cache.get(`resources:${route.group}/${route.version}`, () => {
          const list = buildApiResourceList(this.registry, route.group, route.version);
          return list && JSON.stringify(list);
        });
        if (text) return sendJsonText(res, 200, text);
        if (request && (await this.serveRemote(res, route.group, route.version, request, user))) return;
        throw pathNotFound();
      }
    }
  }

  /**
   * A request under `/apis/<group>/<version>/` that no local type serves: when an APIService sends
   * that group version to a Service, the aggregator proxies it there. With no endpoint to reach it
   * answers as kube-aggregator does, `503 service unavailable` in plain text. Returns whether it answered.
   */
  async serveRemote(res: ServerResponse, group: string, version: string, request: ProxiedRequest, user?: UserInfo): Promise<boolean> {
    if (this.aggregated) {
      const answer = await this.aggregated.request(group, version, request, user);
      if (!answer) return false;
      const type = answer.headers["content-type"] ?? answer.headers["Content-Type"] ?? "application/json";
      res.writeHead(answer.status, { "Content-Type": type, "Content-Length": Buffer.byteLength(answer.body) });
      res.end(answer.body);
      return true;
    }
    const remote = this.remote && (await this.remote.find(group, version));
    if (!remote) return false;
    sendText(res, 503, "service unavailable\n");
    return true;
  }

  /** `/openapi/v2` in JSON or, when asked, as gnostic's protobuf message; 406 with no body when neither is acceptable (as kube-openapi). */
  private openApiV2(res: ServerResponse, accept: string | undefined): void {
    const format = negotiateOpenApiV2(accept);
    res.setHeader("Vary", "Accept");
    if (!format) {
      res.writeHead(406, { "Content-Length": 0 });
      res.end();
      return;
    }
    res.setHeader("ETag", this.openapi.v2ETag());
    if (format === "json") return sendJsonText(res, 200, this.openapi.v2());
    const body = this.openapi.v2Protobuf();
    res.writeHead(200, { "Content-Type": OPENAPI_V2_PROTOBUF, "Content-Length": body.length, "Cache-Control": "no-cache, private" });
    res.end(body);
  }

  /** `/healthz`, `/livez`, `/readyz` (`ok`), their `?verbose` listing, and `/<check>/ping`. */
  private health(res: ServerResponse, check: "healthz" | "livez" | "readyz", sub: string | undefined, query: URLSearchParams): void {
    const checks = ["ping", "log", "etcd", "poststarthook/start-kube-apiserver-admission-initializer"];
    if (check === "readyz") checks.push("informer-sync", "shutdown");
    if (sub !== undefined) {
      if (!checks.includes(sub)) throw pathNotFound();
      return sendText(res, 200, "ok");
    }
    if (!query.has("verbose")) return sendText(res, 200, "ok");
    sendText(res, 200, `${checks.map((c) => `[+]${c} ok`).join("\n")}\n${check} check passed\n`);
  }

  dispose(): void {
    this.cache.dispose();
    this.openapi.dispose();
  }
}
