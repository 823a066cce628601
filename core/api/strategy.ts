import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { KubeObject } from "./object.js";
import type { ResourceDescriptor } from "./resource.js";
import type { FieldError } from "./status.js";
import type { UserInfo } from "../apiserver/admission.js";

/** What a strategy may consult: the clock, the seeded random source, and cluster-wide settings. */
export interface StrategyContext {
  clock: Clock;
  random: Random;
  /** Allocators and cluster settings a strategy needs (service CIDR, node port range, ...). */
  services: StrategyServices;
}

/** Cluster-level allocators used by strategies (the Service strategy allocates IPs and ports). */
export interface StrategyServices {
  /** Allocates a cluster IP (a specific one if `requested` is given); throws a FieldError-carrying error if taken or out of range. */
  allocateClusterIP?(requested: string | undefined, family: "IPv4"): string;
  releaseClusterIP?(ip: string): void;
  allocateNodePort?(requested: number | undefined): number;
  releaseNodePort?(port: number): void;
}

/**
 * Converts objects of one kind to `apiVersion` in one call (one ConversionReview for a whole
 * list); objects already in that version come back as they are. Rejects with a StatusError.
 */
export type AsyncConversion = (objects: readonly KubeObject[], apiVersion: string) => Promise<readonly KubeObject[]>;

/**
 * Per-resource behaviour, as kube-apiserver's `rest.RESTCreateStrategy`/`RESTUpdateStrategy`:
 * every hook works on a private draft the API server owns, never on a stored object.
 * All hooks are optional; a resource without a strategy is stored as given.
 */
export interface ResourceStrategy<T extends KubeObject = KubeObject> {
  /**
   * A built-in version served from another version's stored objects (the descriptor's
   * `storageVersion`): converts a draft of this version to the storage version before it is
   * written, and a stored object to this version when served. Without it, only apiVersion changes.
   */
  conversion?: { toStorage(obj: KubeObject): KubeObject; fromStorage(obj: KubeObject): KubeObject };
  /**
   * A conversion that answers later (a CRD's conversion webhook), used instead of `conversion`
   * both ways between the served and the storage version. Only types with it pay for awaiting.
   */
  convertAsync?: AsyncConversion;
  /** Fills defaults exactly as the real defaulters (`SetDefaults_*`) do. Mutates `obj`. */
  defaults?(obj: T, ctx: StrategyContext): void;
  /** Before a create: e.g. reset status, set generation 1. Mutates `obj`. */
  prepareForCreate?(obj: T, ctx: StrategyContext): void;
  /**
   * On create, after admission: records who asked, for kinds that store their requester
   * (CertificateSigningRequest's spec.username/uid/groups/extra, as upstream's PrepareForCreate
   * reads the request's user). `user` is undefined for requests without one. Mutates `obj`.
   */
  recordRequester?(obj: T, user: UserInfo | undefined): void;
  /** Before an update of the main resource: keep the old status, bump generation on spec change. Mutates `obj`. */
  prepareForUpdate?(obj: T, old: T, ctx: StrategyContext): void;
  /** Before an update of `/status`: keep everything but status from `old`. Mutates `obj`. */
  prepareForStatusUpdate?(obj: T, old: T, ctx: StrategyContext): void;
  /** Field errors of a new object. */
  validate?(obj: T, ctx: StrategyContext): FieldError[];
  /** Field errors of an update (immutable fields, transitions). */
  validateUpdate?(obj: T, old: T, ctx: StrategyContext): FieldError[];
  /** Field errors of a status update. */
  validateStatusUpdate?(obj: T, old: T, ctx: StrategyContext): FieldError[];
  /**
   * Subresources besides `status` that update part of the object through PUT and PATCH
   * (certificatesigningrequests/approval): `prepare` keeps what the subresource may not change
   * (it starts from a draft whose other top-level fields are the stored ones), `validate` checks
   * the result. GET of such a subresource returns the whole object, as for status.
   */
  subresourceUpdates?: Readonly<Record<string, SubresourceUpdate<T>>>;
  /**
   * The first delete request of a live object, before it is marked for deletion: may add
   * finalizers and conditions (CRDs add their cleanup finalizer and Terminating). Mutates `obj`.
   */
  prepareForDelete?(obj: T, ctx: StrategyContext): void;
  /** Releases what create allocated (cluster IPs, node ports) when the object is deleted or the create fails. */
  release?(obj: T, ctx: StrategyContext): void;
  /**
   * A delete that removes the object answers with the object itself, not a `Status` (generic
   * registry's `ReturnDeletedObject`: pods, namespaces, services, service accounts, storage classes).
   * A delete that only marks the object (finalizers, grace period) always answers with the object.
   */
  returnDeletedObject?: boolean;
  /** Reads served from computed state instead of the store (read-only kinds such as componentstatuses). */
  computed?: ComputedReads;
  /**
   * A create-only kind answered by computation and never stored (kube-apiserver's review kinds:
   * SubjectAccessReview, SelfSubjectReview, ...): a create is defaulted and validated, then
   * answered with what this returns. Give the descriptor the verb `create` only.
   */
  review?(obj: T, request: ReviewRequest): Promise<KubeObject>;
  /** Field selectors this kind supports beyond metadata.name/namespace, and how to read them. */
  fieldSelectors?: Readonly<Record<string, (obj: T) => string | undefined>>;
}

/** How one writable subresource updates its object (see {@link ResourceStrategy.subresourceUpdates}). */
export interface SubresourceUpdate<T extends KubeObject = KubeObject> {
  /** `sent`: the top-level fields of the object as the request left it, before `obj` took the stored ones. */
  prepare(obj: T, old: T, ctx: StrategyContext, sent?: Readonly<Record<string, unknown>>): void;
  validate(obj: T, old: T, ctx: StrategyContext): FieldError[];
}

/** Who creates a review and where (the API server's authenticated user; the URL's namespace). */
export interface ReviewRequest {
  user?: { readonly username: string; readonly groups: readonly string[]; readonly uid?: string; readonly extra?: Readonly<Record<string, readonly string[]>> };
  namespace?: string;
}

/**
 * A resource served from state computed at each read instead of the store (kube-apiserver's custom
 * REST storage, e.g. componentstatuses). Read-only: give the descriptor the verbs `get` and `list`.
 */
export interface ComputedReads<T extends KubeObject = KubeObject> {
  get(name: string): Promise<T | undefined>;
  list(): Promise<T[]>;
}

/** A resource type as contributed to the API types extension point: its descriptor and strategy. */
export interface ApiTypeRegistration<T extends KubeObject = KubeObject> {
  descriptor: ResourceDescriptor;
  strategy?: ResourceStrategy<T>;
}
