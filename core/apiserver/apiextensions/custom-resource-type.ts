import type { CustomResourceDefinition, CustomResourceDefinitionVersion, JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import type { KubeObject } from "../../api/object.js";
import type { ResourceDescriptor, Subresource } from "../../api/resource.js";
import type { ApiTypeRegistration, AsyncConversion } from "../../api/strategy.js";
import { schemaPatchMeta } from "./schema-patch-meta.js";
import { customResourceStrategy, type ServingState } from "./custom-resource-strategy.js";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** The standard members every served custom resource schema has (apiextensions-apiserver's OpenAPI builder). */
const STANDARD_PROPERTIES = {
  apiVersion: { description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources", type: "string" },
  kind: { description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds", type: "string" },
  metadata: { description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", $ref: `${META}.ObjectMeta` },
} as const;

/**
 * The OpenAPI schema a custom resource version is served with: the CRD's openAPIV3Schema with
 * `apiVersion`, `kind` and `metadata` (a reference to ObjectMeta) set as the builder sets them,
 * and the kind's group/version/kind.
 */
export function customResourceOpenApiSchema(group: string, version: string, kind: string, schema: JSONSchemaProps | undefined): Record<string, unknown> {
  const root = (schema ?? { type: "object" }) as Record<string, unknown>;
  const properties = { ...((root["properties"] as Record<string, unknown> | undefined) ?? {}), ...STANDARD_PROPERTIES };
  return { ...root, type: "object", properties, "x-kubernetes-group-version-kind": [{ group, kind, version }] };
}

/** The subresources a CRD version serves. */
function subresourcesOf(v: CustomResourceDefinitionVersion): Subresource[] {
  const out: Subresource[] = [];
  if (v.subresources?.status) out.push("status");
  if (v.subresources?.scale) out.push("scale");
  return out;
}

/**
 * The resource types a CRD serves: one per served version, named by its accepted names (not the
 * requested ones: a conflicting name is never served). `convert` is the CRD's webhook
 * conversion (strategy `Webhook`); without it versions differ in apiVersion only.
 */
export function customResourceTypes(crd: CustomResourceDefinition, state: ServingState = { terminating: false }, convert?: AsyncConversion): ApiTypeRegistration<KubeObject>[] {
  const names = crd.status?.acceptedNames;
  if (!names?.plural || !names.kind) return [];
  const group = crd.spec.group;
  const storage = crd.spec.versions.find((v) => v.storage)?.name;
  return crd.spec.versions.filter((v) => v.served).map((v) => {
    const descriptor: ResourceDescriptor = {
      group,
      version: v.name,
      kind: names.kind,
      plural: names.plural,
      singular: names.singular || names.kind.toLowerCase(),
      listKind: names.listKind || `${names.kind}List`,
      namespaced: crd.spec.scope === "Namespaced",
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      subresources: subresourcesOf(v),
      openApiSchema: customResourceOpenApiSchema(group, v.name, names.kind, v.schema?.openAPIV3Schema),
      printerColumns: v.additionalPrinterColumns ?? [],
      ...(v.subresources?.scale ? { scalePaths: v.subresources.scale } : {}),
      patchMeta: schemaPatchMeta(v.schema?.openAPIV3Schema),
      ...(storage ? { storageVersion: storage } : {}),
      ...(v.deprecated ? { deprecationWarning: v.deprecationWarning ?? `${group}/${v.name} ${names.kind} is deprecated` } : {}),
    };
    const strategy = customResourceStrategy(crd, v, state);
    return { descriptor, strategy: convert ? { ...strategy, convertAsync: convert } : strategy };
  });
}
