import type { TypeMeta } from "./patch/patch-meta.js";
/** The subresources a resource serves besides the main one. */
export type Subresource = "status" | "finalize" | "scale" | "binding" | "eviction" | "log" | "exec" | "attach" | "portforward" | "proxy" | "approval" | "token" | "ephemeralcontainers";

/**
 * Everything the API machinery needs to know about one resource type: its names as discovery
 * shows them, its scope and its subresources. One descriptor per group/version/resource.
 */
export interface ResourceDescriptor {
  group: string;
  version: string;
  kind: string;
  /** Lowercase plural, the REST path segment (`pods`). */
  plural: string;
  /** Lowercase singular (`pod`). */
  singular: string;
  listKind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  subresources: readonly Subresource[];
  /** Verbs discovery advertises and the HTTP API serves (default: the full set); others answer 405. */
  verbs?: readonly string[];
  /**
   * The OpenAPI schema served for a type without a generated definition (a custom resource),
   * with bare-name `$ref`s (`io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`).
   */
  openApiSchema?: Readonly<Record<string, unknown>>;
  /** A custom resource version's additionalPrinterColumns (Tables print them; [] → `Age`). */
  printerColumns?: readonly PrinterColumn[];
  /**
   * A custom resource's storage version: objects are written in it and served in the endpoint's
   * version (conversion `None` rewrites apiVersion only).
   */
  storageVersion?: string;
  /** The warning every request to this version carries (a deprecated CRD version). */
  deprecationWarning?: string;
  /** A custom resource version's server-side apply meta (list and map types from its schema); built-ins use their kind's. */
  patchMeta?: TypeMeta;
  /** A custom resource version's scale subresource: where replicas and the selector live (`.spec.replicas`). */
  scalePaths?: ScalePaths;
}

/** CRD `subresources.scale`: JSON paths of the replica counts and the label selector string. */
export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** One CRD `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

/** `pods`, `deployments.apps`: the resource name kubectl and RBAC use. */
export function qualifiedResource(d: Pick<ResourceDescriptor, "plural" | "group">): string {
  return d.group ? `${d.plural}.${d.group}` : d.plural;
}

/** The verbs every ordinary resource supports. */
export const STANDARD_VERBS = Object.freeze(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]);
