import type { ClientRequest } from "node:http";
import { dirname } from "node:path";
import type { Status } from "kubernetes-types/meta/v1.js";
import type { KubeList, KubeObject, ObjectLike } from "../api/object.js";
import type {
  Client, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, ResourceClient, ResourceRef, Watch, WatchEvent, WatchOptions, WriteOptions,
} from "./client.js";
import { HttpDiscovery, type DiscoveredResource } from "./http-discovery.js";
import { HttpTransport, statusErrorOf, type HttpConnection } from "./http-transport.js";
import { readWatchStream } from "./http-watch.js";
import { readKubeconfig, resolveContext, type Kubeconfig } from "./kubeconfig.js";

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

export interface HttpClientOptions extends HttpConnection {
  /** Namespace for namespaced calls that name none (default `default`; list and watch without one span all namespaces). */
  namespace?: string;
}

/**
 * The {@link Client} contract over HTTP: for components in another process, against kubesim or
 * any Kubernetes API server. Resource names resolve through the server's discovery; watches
 * stream newline-delimited JSON over a keep-alive agent; failures are `StatusError`s carrying the
 * server's Status. Objects returned are freshly parsed and owned by the caller.
 */
export class HttpClient implements Client {
  readonly transport: HttpTransport;
  readonly discovery: HttpDiscovery;
  readonly defaultNamespace: string;
  private readonly clients = new Map<string, ResourceClient>();

  constructor(options: HttpClientOptions) {
    this.transport = new HttpTransport(options);
    this.discovery = new HttpDiscovery(this.transport);
    this.defaultNamespace = options.namespace ?? "default";
  }

  /**
   * A client for a kubeconfig file (or parsed kubeconfig) and one of its contexts (default:
   * current-context), sending `userAgent` when given.
   */
  static fromKubeconfig(source: string | Kubeconfig, context?: string, userAgent?: string): HttpClient {
    const config = typeof source === "string" ? readKubeconfig(source) : source;
    const resolved = resolveContext(config, context, typeof source === "string" ? dirname(source) : process.cwd());
    return new HttpClient({ ...resolved, namespace: resolved.namespace, ...(userAgent ? { userAgent } : {}) });
  }

  resource<T extends ObjectLike = KubeObject>(ref: ResourceRef): ResourceClient<T> {
    const key = typeof ref === "string" ? ref : JSON.stringify(ref);
    let rc = this.clients.get(key);
    if (!rc) this.clients.set(key, (rc = new HttpResourceClient(this, ref)));
    return rc as unknown as ResourceClient<T>;
  }

  /** Closes idle keep-alive connections (open watches are ended by their `stop`). */
  close(): void {
    this.transport.close();
  }
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

function writeQuery(o: WriteOptions | undefined, extra: Record<string, string | boolean | undefined> = {}): string {
  return query({ dryRun: o?.dryRun?.length ? "All" : undefined, fieldManager: o?.fieldManager, fieldValidation: o?.fieldValidation, ...extra });
}

class HttpResourceClient implements ResourceClient {
  private resolved: DiscoveredResource | undefined;

  constructor(private readonly client: HttpClient, private readonly ref: ResourceRef) {}

  private async type(): Promise<DiscoveredResource> {
    return (this.resolved ??= await this.client.discovery.resolve(this.ref));
  }

  /** The collection path; `namespace` undefined = all namespaces (or cluster-scoped). */
  private async collection(namespace: string | undefined): Promise<string> {
    const t = await this.type();
    const prefix = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
    return t.namespaced && namespace ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${t.plural}` : `${prefix}/${t.plural}`;
  }

  private async item(name: string, namespace: string | undefined, subresource?: string): Promise<string> {
    const t = await this.type();
    const ns = t.namespaced ? (namespace ?? this.client.defaultNamespace) : undefined;
    return `${await this.collection(ns)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ""}`;
  }

  private objectNamespace(obj: ObjectLike | undefined, options?: { namespace?: string }): string | undefined {
    return obj?.metadata?.namespace ?? options?.namespace;
  }

  private send<R>(method: string, path: string, body?: unknown, contentType?: string): Promise<R> {
    const req = { method, path, ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body), ...(contentType ? { contentType } : {}) } : {}) };
    return this.client.transport.json<R>(req);
  }

  async get(name: string, options?: GetOptions): Promise<KubeObject> {
    return this.send("GET", (await this.item(name, options?.namespace)) + query({ resourceVersion: options?.resourceVersion }));
  }

  async list(options: ListOptions = {}): Promise<KubeList> {
    const q = query({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.limit, continue: options.continue, resourceVersion: options.resourceVersion, resourceVersionMatch: options.resourceVersionMatch });
    return this.send("GET", (await this.collection(options.namespace)) + q);
  }

  async watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<Watch> {
    const q = query({
      watch: 1, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, resourceVersion: options.resourceVersion,
      allowWatchBookmarks: options.allowWatchBookmarks || undefined, timeoutSeconds: options.timeoutSeconds,
      // As client-go's WatchList: sendInitialEvents goes with resourceVersionMatch=NotOlderThan (the server requires it).
      sendInitialEvents: options.sendInitialEvents, resourceVersionMatch: options.sendInitialEvents !== undefined ? "NotOlderThan" : undefined,
    });
    const path = (await this.collection(options.namespace)) + q;
    let request: ClientRequest | undefined;
    const res = await this.client.transport.open({ method: "GET", path }, (r) => (request = r));
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw statusErrorOf(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"));
    }
    return readWatchStream(res, onEvent, () => request?.destroy());
  }

  async create(obj: KubeObject, options?: WriteOptions & { namespace?: string }): Promise<KubeObject> {
    const t = await this.type();
    const ns = t.namespaced ? (this.objectNamespace(obj, options) ?? this.client.defaultNamespace) : undefined;
    return this.send("POST", (await this.collection(ns)) + writeQuery(options), obj);
  }

  async update(obj: KubeObject, options?: WriteOptions & { namespace?: string }): Promise<KubeObject> {
    return this.send("PUT", (await this.item(obj.metadata?.name ?? "", this.objectNamespace(obj, options))) + writeQuery(options), obj);
  }

  async updateStatus(obj: KubeObject, options?: WriteOptions & { namespace?: string }): Promise<KubeObject> {
    return this.send("PUT", (await this.item(obj.metadata?.name ?? "", this.objectNamespace(obj, options), "status")) + writeQuery(options), obj);
  }

  async patch(name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<KubeObject> {
    const path = (await this.item(name, options?.namespace, options?.subresource)) + writeQuery(options, { force: options?.force ? true : undefined });
    return this.send("PATCH", path, patch, PATCH_CONTENT_TYPES[type]);
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<KubeObject | Status> {
    const { namespace, ...rest } = options;
    const body = { kind: "DeleteOptions", apiVersion: "v1", ...rest };
    return this.send("DELETE", await this.item(name, namespace), body);
  }

  async deleteCollection(options: ListOptions & Omit<DeleteOptions, "preconditions"> = {}): Promise<KubeList> {
    const q = query({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.limit, continue: options.continue, resourceVersion: options.resourceVersion });
    const body: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" };
    if (options.gracePeriodSeconds !== undefined) body["gracePeriodSeconds"] = options.gracePeriodSeconds;
    if (options.propagationPolicy) body["propagationPolicy"] = options.propagationPolicy;
    if (options.dryRun?.length) body["dryRun"] = ["All"];
    return this.send("DELETE", (await this.collection(options.namespace)) + q, body);
  }

  async getSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, options?: GetOptions): Promise<S> {
    return this.send("GET", await this.item(name, options?.namespace, subresource));
  }

  async updateSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, body: S, options?: WriteOptions & { namespace?: string }): Promise<S> {
    return this.send("PUT", (await this.item(name, this.objectNamespace(body, options), subresource)) + writeQuery(options), body);
  }

  async createSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, body: S, options?: WriteOptions & { namespace?: string }): Promise<KubeObject> {
    return this.send("POST", (await this.item(name, this.objectNamespace(body, options), subresource)) + writeQuery(options), body);
  }
}
