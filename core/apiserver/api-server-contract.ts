import type { Status } from "kubernetes-types/meta/v1.js";
import { token } from "../di/token.js";
import type { KubeList, KubeObject } from "../api/object.js";
import type { RegisteredType, ResourceRegistry } from "../api/resource-registry.js";
import type { DeleteOptions, GetOptions, ListOptions, PatchType, Watch, WatchEvent, WatchOptions, WriteOptions } from "../client/client.js";
import type { UserInfo } from "./admission.js";

/** Who is asking, and request-scoped settings. */
export interface RequestContext {
  user?: UserInfo;
  /** The client's User-Agent; a write naming no `fieldManager` is recorded under its part before the first `/`. */
  userAgent?: string;
  /** Warnings to return to the client (HTTP `Warning: 299 - "..."` headers), appended by the server. */
  warnings?: string[];
  /** Set by the API server when a server-side apply created the object (HTTP answers 201). */
  created?: boolean;
  /** Set by the API server when a delete only marked the object (finalizers or a grace period pending). */
  deletionPending?: boolean;
}

/**
 * The API server's request surface: what the in-process client and the HTTP layer both call.
 * `type` comes from {@link ResourceRegistry}; `namespace` is undefined for cluster-scoped
 * resources and for list/watch across all namespaces. Every method throws `StatusError`s.
 * Returned objects are immutable.
 */
export interface ApiServerApi {
  readonly registry: ResourceRegistry;
  get(type: RegisteredType, namespace: string | undefined, name: string, options?: GetOptions, ctx?: RequestContext): Promise<KubeObject>;
  list(type: RegisteredType, namespace: string | undefined, options?: ListOptions, ctx?: RequestContext): Promise<KubeList>;
  /** Starts a watch; events are delivered synchronously in order to `onEvent`. */
  watch(type: RegisteredType, namespace: string | undefined, options: WatchOptions, onEvent: (event: WatchEvent) => void, ctx?: RequestContext): Promise<Watch>;
  create(type: RegisteredType, namespace: string | undefined, body: KubeObject, options?: WriteOptions, ctx?: RequestContext): Promise<KubeObject>;
  update(type: RegisteredType, namespace: string | undefined, name: string, body: KubeObject, options?: WriteOptions, ctx?: RequestContext): Promise<KubeObject>;
  patch(type: RegisteredType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, options?: WriteOptions & { force?: boolean }, ctx?: RequestContext): Promise<KubeObject>;
  /**
   * Returns the object now marked for deletion (finalizers, grace period pending) or, once removed,
   * a `Status` (`status: Success`, details with name, group, resource as `kind`, uid) — or the
   * removed object itself for types whose strategy sets `returnDeletedObject`.
   */
  delete(type: RegisteredType, namespace: string | undefined, name: string, options?: DeleteOptions, ctx?: RequestContext): Promise<KubeObject | Status>;
  deleteCollection(type: RegisteredType, namespace: string | undefined, options?: ListOptions & Omit<DeleteOptions, "preconditions">, ctx?: RequestContext): Promise<KubeList>;
  /** GET of `status` or `scale` (others: NotFound / MethodNotAllowed as Kubernetes answers). */
  getSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, options?: GetOptions, ctx?: RequestContext): Promise<KubeObject>;
  /** PUT of `status` or `scale`. */
  updateSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, body: KubeObject, options?: WriteOptions, ctx?: RequestContext): Promise<KubeObject>;
  /** PATCH of `status` or `scale`. */
  patchSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, patchType: PatchType, patch: unknown, options?: WriteOptions & { force?: boolean }, ctx?: RequestContext): Promise<KubeObject>;
  /** POST to `binding` or `eviction` (pods). */
  createSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, body: KubeObject, options?: WriteOptions, ctx?: RequestContext): Promise<KubeObject>;
}

export const ApiServerApi = token<ApiServerApi>("ApiServerApi");
