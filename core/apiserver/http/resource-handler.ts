import type { IncomingMessage, ServerResponse } from "node:http";
import type { KubeList, KubeObject } from "../../api/object.js";
import { methodNotAllowed, notFound } from "../../api/status.js";
import type { RegisteredType } from "../../api/resource-registry.js";
import type { ApiServerApi, RequestContext } from "../api-server-contract.js";
import { toPartialObjectMetadata, toPartialObjectMetadataList, toTable } from "../printers/index.js";
import { checkFields } from "./field-validation-check.js";
import { logsUnavailable, streamingUnavailable, STREAMING_SUBRESOURCES, type PodLogSource } from "./pod-streams.js";
import { deleteOptionsOf, isWatchRequest, listOptionsOf, watchOptionsOf, writeOptionsOf } from "./query-options.js";
import { decodePatchBody, patchTypeOf, readBody, readObjectBody } from "./request-body.js";
import type { ResourceRoute } from "./request-route.js";
import { negotiateResponseFormat, type ResponseFormat } from "./response-format.js";
import { sendJson, sendJsonText, sendText } from "./responses.js";
import { ActiveWatches, cachedJson, serveWatch, type WatchStreamRequest } from "./watch-stream.js";

/** The Kubernetes verb of a resource request (what authorization and in-flight limits see). */
export function verbOf(method: string, route: ResourceRoute, query: URLSearchParams): string {
  const item = route.name !== undefined;
  switch (method) {
    case "GET":
    case "HEAD":
      if (route.watchPrefix || isWatchRequest(query)) return "watch";
      return item ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return item ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

export interface ResourceHandlerOptions {
  apiServer: ApiServerApi;
  now: () => number;
  active: ActiveWatches;
  /** Observes each watch served (metrics); absent: none. */
  watchObserver?: (type: RegisteredType, namespace: string | undefined) => WatchStreamRequest["observer"];
  /** Watch timeout when the client gives none (seconds). */
  defaultWatchTimeoutSeconds: () => number;
  maxBodyBytes: number;
  podLogs?: PodLogSource;
}

/** Serves the REST verbs on resources and their subresources, calling the in-process API server. */
export class ResourceHandler {
  constructor(private readonly o: ResourceHandlerOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, query: URLSearchParams, verb: string, ctx: RequestContext): Promise<void> {
    const { type, namespace, name, subresource } = route;
    const d = type.descriptor;
    if (subresource !== undefined && !d.subresources.includes(subresource as never)) {
      throw notFound({ group: d.group, plural: `${d.plural}/${subresource}`, kind: d.kind }, "");
    }
    if (subresource === "log") return this.log(res, namespace ?? "", name!, query, ctx);
    if (subresource && STREAMING_SUBRESOURCES.has(subresource)) {
      await this.o.apiServer.get(type, namespace, name!, {}, ctx);
      throw streamingUnavailable(subresource, namespace ?? "", name!);
    }
    if (d.verbs && !subresource && !d.verbs.includes(verb)) throw methodNotAllowed();
    if (d.deprecationWarning) (ctx.warnings ??= []).push(d.deprecationWarning);
    const api = this.o.apiServer;
    switch (verb) {
      case "watch":
        if (name !== undefined) throw methodNotAllowed();
        return serveWatch(
          {
            apiServer: api, type, namespace, format: negotiateResponseFormat(req.headers.accept, query), ctx, now: this.o.now, active: this.o.active,
            options: { ...watchOptionsOf(query), ...(query.get("timeoutSeconds") ? {} : { timeoutSeconds: this.o.defaultWatchTimeoutSeconds() }) },
            ...(this.o.watchObserver ? { observer: this.o.watchObserver(type, namespace) } : {}),
          },
          res,
        );
      case "list": {
        const format = negotiateResponseFormat(req.headers.accept, query);
        return this.sendList(res, await api.list(type, namespace, listOptionsOf(query), ctx), format, route, ctx);
      }
      case "get": {
        const format = negotiateResponseFormat(req.headers.accept, query);
        const obj = subresource ? await api.getSubresource(type, namespace, name!, subresource, {}, ctx) : await api.get(type, namespace, name!, {}, ctx);
        return this.sendObject(res, 200, subresource ? { kind: "object" } : format, route, obj, ctx);
      }
      case "create": {
        const opts = writeOptionsOf(query, "CreateOptions", { userAgent: req.headers["user-agent"] });
        const { text: raw, object, warnings } = await readObjectBody(req, this.o.maxBodyBytes);
        if (warnings.length) (ctx.warnings ??= []).push(...warnings);
        const body = object as KubeObject;
        if (name !== undefined) {
          if (!subresource) throw methodNotAllowed();
          const created = await api.createSubresource(type, namespace, name, subresource, body ?? {}, opts, ctx);
          return this.sendObject(res, 201, { kind: "object" }, route, created, ctx);
        }
        this.validate(route, opts.fieldValidation, raw, body, ctx);
        const created = await api.create(type, namespace, body ?? {}, opts, ctx);
        return this.sendObject(res, 201, { kind: "object" }, route, created, ctx);
      }
      case "update": {
        if (name === undefined) throw methodNotAllowed();
        const opts = writeOptionsOf(query, "UpdateOptions", { userAgent: req.headers["user-agent"] });
        const { text: raw, object, warnings } = await readObjectBody(req, this.o.maxBodyBytes);
        if (warnings.length) (ctx.warnings ??= []).push(...warnings);
        const body = (object ?? {}) as KubeObject;
        this.validate(route, opts.fieldValidation, raw, body, ctx);
        const updated = subresource ? await api.updateSubresource(type, namespace, name, subresource, body, opts, ctx) : await api.update(type, namespace, name, body, opts, ctx);
        return this.sendObject(res, 200, { kind: "object" }, route, updated, ctx);
      }
      case "patch": {
        if (name === undefined) throw methodNotAllowed();
        const patchType = patchTypeOf(req);
        const opts = writeOptionsOf(query, "PatchOptions", { userAgent: req.headers["user-agent"], apply: patchType === "apply" });
        const raw = await readBody(req, this.o.maxBodyBytes);
        const patch = decodePatchBody(patchType, raw);
        this.validate(route, opts.fieldValidation, raw, patch, ctx, patchType);
        const patched = subresource
          ? await api.patchSubresource(type, namespace, name, subresource, patchType, patch, opts, ctx)
          : await api.patch(type, namespace, name, patchType, patch, opts, ctx);
        // A server-side apply that created the object answers 201 Created.
        return this.sendObject(res, ctx.created ? 201 : 200, { kind: "object" }, route, patched, ctx);
      }
      case "delete": {
        if (subresource) throw methodNotAllowed();
        const { object } = await readObjectBody(req, this.o.maxBodyBytes);
        const { orphanDependents, ...options } = deleteOptionsOf(query, object);
        const result = await api.delete(type, namespace, name!, options, ctx);
        // delete.go: 202 Accepted when the object is only marked and orphanDependents=false was asked.
        const code = ctx.deletionPending && orphanDependents === false ? 202 : 200;
        return sendJson(res, code, result, undefined, ctx.warnings);
      }
      case "deletecollection": {
        const { object } = await readObjectBody(req, this.o.maxBodyBytes);
        const { orphanDependents: _orphan, ...deleteOptions } = deleteOptionsOf(query, object);
        const opts = { ...listOptionsOf(query), ...deleteOptions };
        delete (opts as { preconditions?: unknown }).preconditions;
        const result = await api.deleteCollection(type, namespace, opts, ctx);
        return this.sendList(res, result, { kind: "object" }, route, ctx);
      }
      default:
        throw methodNotAllowed();
    }
  }

  private validate(route: ResourceRoute, mode: "Strict" | "Warn" | "Ignore", raw: string, parsed: unknown, ctx: RequestContext, patchType?: Parameters<typeof checkFields>[5]): void {
    const warnings = checkFields(route.type.descriptor, route.subresource, mode, raw, parsed, patchType);
    if (warnings.length) (ctx.warnings ??= []).push(...warnings);
  }

  private async log(res: ServerResponse, namespace: string, name: string, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const pods = this.o.apiServer.registry.byGroupVersionResource("", "v1", "pods")!;
    await this.o.apiServer.get(pods, namespace, name, {}, ctx);
    if (!this.o.podLogs) throw logsUnavailable(namespace, name);
    const logs = await this.o.podLogs(namespace, name, query);
    if (typeof logs === "string") return sendText(res, 200, logs);
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Transfer-Encoding": "chunked", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache, private" });
    if (logs.text) res.write(logs.text);
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    await logs.follow((chunk) => res.write(chunk), abort.signal);
    res.end();
  }

  private sendObject(res: ServerResponse, code: number, format: ResponseFormat, route: ResourceRoute, obj: KubeObject, ctx: RequestContext): void {
    if (format.kind === "object" || obj.kind === "Status") return sendJsonText(res, code, cachedJson(obj), "application/json", ctx.warnings);
    if (format.kind === "metadata") return sendJson(res, code, toPartialObjectMetadata(obj), undefined, ctx.warnings);
    const d = route.type.descriptor;
    sendJson(res, code, toTable(obj, { kind: d.kind, group: d.group, ...(d.printerColumns ? { printerColumns: d.printerColumns } : {}), now: this.o.now(), includeObject: format.includeObject, noHeaders: format.noHeaders }), undefined, ctx.warnings);
  }

  private sendList(res: ServerResponse, list: KubeList, format: ResponseFormat, route: ResourceRoute, ctx?: RequestContext): void {
    if (format.kind === "metadata") return sendJson(res, 200, toPartialObjectMetadataList(list), undefined, ctx?.warnings);
    if (format.kind === "table") {
      const d = route.type.descriptor;
      return sendJson(res, 200, toTable(list, { kind: d.kind, group: d.group, ...(d.printerColumns ? { printerColumns: d.printerColumns } : {}), now: this.o.now(), includeObject: format.includeObject, noHeaders: format.noHeaders }), undefined, ctx?.warnings);
    }
    sendJsonText(res, 200, listJson(list), "application/json", ctx?.warnings);
  }
}

/** A list's JSON text, reusing each item's cached text. */
function listJson(list: KubeList): string {
  const { items, ...rest } = list;
  const head = JSON.stringify(rest);
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) parts[i] = cachedJson(items[i]!);
  return `${head.slice(0, -1)}${head.length > 2 ? "," : ""}"items":[${parts.join(",")}]}`;
}
