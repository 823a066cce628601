import type { Status } from "kubernetes-types/meta/v1.js";
import type { KubeList, KubeObject, ObjectLike } from "../api/object.js";
import type { RegisteredType } from "../api/resource-registry.js";
import { notFound } from "../api/status.js";
import type { ApiServerApi, RequestContext } from "../apiserver/api-server-contract.js";
import type {
  Client, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, ResourceClient, ResourceRef, Watch, WatchEvent, WatchOptions, WriteOptions,
} from "./client.js";

type NsOption = { namespace?: string };

function describeRef(ref: ResourceRef): string {
  if (typeof ref === "string") return ref;
  return "kind" in ref ? `${ref.kind}.${ref.apiVersion}` : `${ref.resource}.${ref.version}.${ref.group}`;
}

/**
 * The client for components in the API server's process: calls go straight to the server's
 * request pipeline, with no serialisation. Objects returned are the store's immutable objects.
 */
export class InProcessClient implements Client {
  private readonly cache = new Map<string, ResourceClient>();

  constructor(private readonly server: ApiServerApi, private readonly ctx: RequestContext = {}) {}

  resource<T extends ObjectLike = KubeObject>(ref: ResourceRef): ResourceClient<T> {
    const key = typeof ref === "string" ? ref : JSON.stringify(ref);
    let rc = this.cache.get(key);
    if (!rc) {
      const type = this.server.registry.find(ref);
      if (!type) {
        // Unknown now; a type added later (a CRD) is looked up again on each call.
        return new InProcessResourceClient(this.server, () => this.server.registry.find(ref) ?? unknownResource(ref), this.ctx) as unknown as ResourceClient<T>;
      }
      rc = new InProcessResourceClient(this.server, () => (this.server.registry.find(ref) === type ? type : (this.server.registry.find(ref) ?? unknownResource(ref))), this.ctx);
      this.cache.set(key, rc);
    }
    return rc as unknown as ResourceClient<T>;
  }
}

function unknownResource(ref: ResourceRef): never {
  throw notFound({ group: "", plural: describeRef(ref), kind: "" }, "");
}

class InProcessResourceClient implements ResourceClient {
  constructor(private readonly server: ApiServerApi, private readonly type: () => RegisteredType, private readonly ctx: RequestContext) {}

  private ns(obj: KubeObject | undefined, options?: NsOption): string | undefined {
    const t = this.type();
    if (!t.descriptor.namespaced) return undefined;
    return options?.namespace ?? obj?.metadata?.namespace ?? undefined;
  }

  get(name: string, options?: GetOptions): Promise<KubeObject> {
    // The hot read path: no extra async frame; a synchronous throw still becomes a rejection.
    try {
      return this.server.get(this.type(), this.ns(undefined, options), name, options, this.ctx);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  async list(options?: ListOptions): Promise<KubeList> {
    return this.server.list(this.type(), this.ns(undefined, options), options, this.ctx);
  }
  async watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<Watch> {
    return this.server.watch(this.type(), this.ns(undefined, options), options, onEvent, this.ctx);
  }
  async create(obj: KubeObject, options?: WriteOptions & NsOption): Promise<KubeObject> {
    return this.server.create(this.type(), this.ns(obj, options), obj, options, this.ctx);
  }
  async update(obj: KubeObject, options?: WriteOptions & NsOption): Promise<KubeObject> {
    return this.server.update(this.type(), this.ns(obj, options), obj.metadata?.name ?? "", obj, options, this.ctx);
  }
  async updateStatus(obj: KubeObject, options?: WriteOptions & NsOption): Promise<KubeObject> {
    return this.server.updateSubresource(this.type(), this.ns(obj, options), obj.metadata?.name ?? "", "status", obj, options, this.ctx);
  }
  async patch(name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<KubeObject> {
    const ns = this.ns(undefined, options);
    if (options?.subresource) return this.server.patchSubresource(this.type(), ns, name, options.subresource, type, patch, options, this.ctx);
    return this.server.patch(this.type(), ns, name, type, patch, options, this.ctx);
  }
  async delete(name: string, options?: DeleteOptions): Promise<KubeObject | Status> {
    return this.server.delete(this.type(), this.ns(undefined, options), name, options, this.ctx);
  }
  async deleteCollection(options?: ListOptions & Omit<DeleteOptions, "preconditions">): Promise<KubeList> {
    return this.server.deleteCollection(this.type(), this.ns(undefined, options), options, this.ctx);
  }
  async getSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, options?: GetOptions): Promise<S> {
    return (await this.server.getSubresource(this.type(), this.ns(undefined, options), name, subresource, options, this.ctx)) as unknown as S;
  }
  async updateSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, body: S, options?: WriteOptions & NsOption): Promise<S> {
    return (await this.server.updateSubresource(this.type(), this.ns(body as unknown as KubeObject, options), name, subresource, body as unknown as KubeObject, options, this.ctx)) as unknown as S;
  }
  async createSubresource<S extends ObjectLike = KubeObject>(name: string, subresource: string, body: S, options?: WriteOptions & NsOption): Promise<KubeObject> {
    return this.server.createSubresource(this.type(), this.ns(body as unknown as KubeObject, options), name, subresource, body as unknown as KubeObject, options, this.ctx);
  }
}
