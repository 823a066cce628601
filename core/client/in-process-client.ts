import type { Status } from "kubernetes-types/meta/v1.js";
import type { KubeList, KubeObject, ObjectLike } from "../api/object.js";
import type { RegisteredType } from "../api/resource-registry.js";
import { notFound } from "../api/status.js";
import { pinnedObjectName } from "../api/selectors/field-selector.js";
import { withMember } from "../api/clone.js";
import type { ApiServerApi, RequestContext } from "../apiserver/api-server-contract.js";
import { managerFromUserAgent } from "../apiserver/http/query-options.js";
import type {
  Client, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, ResourceClient, ResourceRef, Watch, WatchEvent, WatchOptions, WriteOptions,
} from "./client.js";

type NsOption = { namespace?: string };

function describeRef(ref: ResourceRef): string {
  if (typeof ref === "string") return ref;
  return "kind" in ref ? `${ref.kind}.${ref.apiVersion}` : `${ref.resource}.${ref.version}.${ref.group}`;
}

/** What an in-process request asks to do, as the authorizer sees it (the user is the client's). */
export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/**
 * Authorizes one request of an in-process client: returns undefined when it is allowed at once,
 * throws (or returns a promise rejecting with) the Forbidden Status kube-apiserver answers when
 * it is not. Must be cheap: it runs before every call.
 */
export type RequestCheck = (request: RequestAttributes) => void | Promise<void>;

/**
 * The client for components in the API server's process: calls go straight to the server's
 * request pipeline, with no serialisation. Objects returned are the store's immutable objects.
 * With a `check`, every request is authorized first, as the HTTP server authorizes a request of
 * the same user (a component's own identity: see ClientFactory); without one, nothing is checked
 * (the in-process admin).
 */
export class InProcessClient implements Client {
  private readonly cache = new Map<string, ResourceClient>();

  constructor(private readonly server: ApiServerApi, private readonly ctx: RequestContext = {}, private readonly check?: RequestCheck) {}

  /** The user requests are made as (undefined: unauthenticated in-process calls, which are not authorized). */
  get user(): RequestContext["user"] {
    return this.ctx.user;
  }

  resource<T extends ObjectLike = KubeObject>(ref: ResourceRef): ResourceClient<T> {
    const key = typeof ref === "string" ? ref : JSON.stringify(ref);
    let rc = this.cache.get(key);
    if (!rc) {
      const type = this.server.registry.find(ref);
      if (!type) {
        // Unknown now; a type added later (a CRD) is looked up again on each call.
        return new InProcessResourceClient(this.server, () => this.server.registry.find(ref) ?? unknownResource(ref), this.ctx, this.check) as unknown as ResourceClient<T>;
      }
      rc = new InProcessResourceClient(this.server, () => (this.server.registry.find(ref) === type ? type : (this.server.registry.find(ref) ?? unknownResource(ref))), this.ctx, this.check);
      this.cache.set(key, rc);
    }
    return rc as unknown as ResourceClient<T>;
  }
}

function unknownResource(ref: ResourceRef): never {
  throw notFound({ group: "", plural: describeRef(ref), kind: "" }, "");
}

class InProcessResourceClient implements ResourceClient {
  /** The manager of writes that name none: the User-Agent's first segment, as over HTTP ("" : the server's default). */
  private readonly manager: string;
  /** The options of a write that passes none: `{ fieldManager: manager }`, made once. */
  private managerOnly: WriteOptions | undefined;

  constructor(private readonly server: ApiServerApi, private readonly type: () => RegisteredType, private readonly ctx: RequestContext, private readonly check: RequestCheck | undefined) {
    this.manager = managerFromUserAgent(ctx.userAgent);
  }

  /** A context of its own for each request: the server appends warnings and sets flags on it. */
  private context(): RequestContext {
    const c: RequestContext = {};
    if (this.ctx.user) c.user = this.ctx.user;
    if (this.ctx.userAgent) c.userAgent = this.ctx.userAgent;
    return c;
  }

  /** The write's options with the client's manager when they name none (kube-apiserver's prefixFromUserAgent). */
  private managed<O extends WriteOptions>(options: O | undefined): O | undefined {
    if (!this.manager || options?.fieldManager) return options;
    // A write without options (an Event create) gets the one frozen `{ fieldManager }` of this client: the server only reads options.
    if (!options) return (this.managerOnly ??= Object.freeze({ fieldManager: this.manager })) as O;
    return withMember(options, "fieldManager", this.manager) as O;
  }

  /**
   * Runs `call` with the request's type (resolved once per request) and namespace once the request
   * is authorized (at once when the check allows it synchronously).
   */
  private authorized<R>(verb: string, obj: KubeObject | undefined, options: NsOption | undefined, name: string | undefined, subresource: string | undefined, call: (type: RegisteredType, namespace: string | undefined) => Promise<R>): Promise<R> {
    try {
      const type = this.type();
      const namespace = type.descriptor.namespaced ? (options?.namespace ?? obj?.metadata?.namespace ?? undefined) : undefined;
      if (this.check) {
        const d = type.descriptor;
        // Built by stores, not spreads of optional parts (this runs before every call).
        const attributes: RequestAttributes = { verb, apiGroup: d.group, apiVersion: d.version, resource: d.plural };
        if (subresource) attributes.subresource = subresource;
        if (namespace) attributes.namespace = namespace;
        if (name) attributes.name = name;
        const pending = this.check(attributes);
        if (pending) return pending.then(() => call(type, namespace));
      }
      return call(type, namespace);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  get(name: string, options?: GetOptions): Promise<KubeObject> {
    // The hot read path: no extra async frame; a synchronous throw still becomes a rejection.
    return this.authorized("get", undefined, options, name, undefined, (t, ns) => this.server.get(t, ns, name, options, this.context()));
  }
  // A list or watch of one object (`fieldSelector=metadata.name=x`) is authorized by that name, as over HTTP.
  list(options?: ListOptions): Promise<KubeList> {
    return this.authorized("list", undefined, options, pinnedObjectName(options?.fieldSelector), undefined, (t, ns) => this.server.list(t, ns, options, this.context()));
  }
  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<Watch> {
    return this.authorized("watch", undefined, options, pinnedObjectName(options.fieldSelector), undefined, (t, ns) => this.server.watch(t, ns, options, onEvent, this.context()));
  }
  create(obj: KubeObject, options?: WriteOptions & NsOption): Promise<KubeObject> {
    return this.authorized("create", obj, options, undefined, undefined, (t, ns) => this.server.create(t, ns, obj, this.managed(options), this.context()));
  }
  update(obj: KubeObject, options?: WriteOptions & NsOption): Promise<KubeObject> {
    const name = obj.metadata?.name ?? "";
    return this.authorized("update", obj, options, name, undefined, (t, ns) => this.server.update(t, ns, name, obj, this.managed(options), this.context()));
  }
  updateStatus(obj: KubeObject, options?: WriteOptions & NsOption): Promise<KubeObject> {
    const name = obj.metadata?.name ?? "";
    return this.authorized("update", obj, options, name, "status", (t, ns) => this.server.updateSubresource(t, ns, name, "status", obj, this.managed(options), this.context()));
  }
  patch(name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<KubeObject> {
    const sub = options?.subresource;
    return this.authorized("patch", undefined, options, name, sub, (t, ns) => {
      const o = type === "apply" ? options : this.managed(options);
      return sub ? this.server.patchSubresource(t, ns, name, sub, type, patch, o, this.context()) : this.server.patch(t, ns, name, type, patch, o, this.context());
    });
  }
  delete(name: string, options?: DeleteOptions): Promise<KubeObject | Status> {
    return this.authorized("delete", undefined, options, name, undefined, (t, ns) => this.server.delete(t, ns, name, options, this.context()));
  }
  deleteCollection(options?: ListOptions & Omit<DeleteOptions, "preconditions">): Promise<KubeList> {
    return this.authorized("deletecollection", undefined, options, undefined, undefined, (t, ns) => this.server.deleteCollection(t, ns, options, this.context()));
  }
  getSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, options?: GetOptions): Promise<S> {
    return this.authorized("get", undefined, options, name, subresource, (t, ns) => this.server.getSubresource(t, ns, name, subresource, options, this.context()) as unknown as Promise<S>);
  }
  updateSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, body: S, options?: WriteOptions & NsOption): Promise<S> {
    return this.authorized("update", body as unknown as KubeObject, options, name, subresource, (t, ns) => this.server.updateSubresource(t, ns, name, subresource, body as unknown as KubeObject, this.managed(options), this.context()) as unknown as Promise<S>);
  }
  createSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, body: S, options?: WriteOptions & NsOption): Promise<KubeObject> {
    return this.authorized("create", body as unknown as KubeObject, options, name, subresource, (t, ns) => this.server.createSubresource(t, ns, name, subresource, body as unknown as KubeObject, options, this.context()));
  }
}
