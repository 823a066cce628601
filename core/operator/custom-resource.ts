import type { CustomResourceDefinition, CustomResourceColumnDefinition, CustomResourceSubresources, JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import type { Client, ResourceClient } from "../client/client.js";
import type { CustomResourceConversion } from "../apiserver/apiextensions/custom-resource-converters.js";

/** A custom resource typed by its spec and status: what a typed client reads and writes. */
export interface CustomResource<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: Spec;
  status?: Status;
}

/** One version of a custom resource, as `spec.versions[]` declares it. */
export interface CustomResourceVersion {
  name: string;
  /** Default true. */
  served?: boolean;
  /** Exactly one version is the storage version; default: the first one. */
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  /** The `openAPIV3Schema`: must be structural (every field typed). */
  schema: JSONSchemaProps;
  /** `status: true` serves `/status`; `scale` serves `/scale` from the given paths. */
  subresources?: { status?: boolean; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
  selectableFields?: { jsonPath: string }[];
}

/** What {@link defineCustomResource} takes: the names, the scope and the versions of a CRD. */
export interface CustomResourceDeclaration {
  group: string;
  kind: string;
  /** Lower-case plural (the REST path): default kind lower-cased + "s". */
  plural?: string;
  /** Default kind lower-cased. */
  singular?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
  /** Default "Namespaced". */
  scope?: "Namespaced" | "Cluster";
  versions: CustomResourceVersion[];
  /**
   * Conversion between the versions by a function the operator contributes in process: the CRD
   * gets `strategy: Webhook` and {@link defineOperator} contributes `convert` to
   * `CustomResourceConverters`, so the API server calls it instead of the webhook. Without it,
   * versions differ in apiVersion only (`None`).
   */
  conversion?: CustomResourceConversionDeclaration;
}

/** {@link CustomResourceDeclaration.conversion}. */
export interface CustomResourceConversionDeclaration {
  /** Converts one object to the desired apiVersion; {@link hubAndSpokeConversion} builds one from per-version functions. */
  convert: CustomResourceConversion;
  /**
   * The Service written into `spec.conversion.webhook.clientConfig` (a CRD with strategy Webhook
   * must name one): where the operator's conversion webhook would be served. While the operator
   * is loaded the API server never calls it; once it is gone, conversions fail as they would with
   * the operator's pod gone. Default: `kube-system/<plural>-conversion`, path `/convert`.
   */
  service?: { namespace: string; name: string; path?: string; port?: number };
}

/**
 * A custom resource kind declared in TypeScript: its CRD manifest (what an operator plugin
 * installs), its names, and a typed client. `Spec` and `Status` type what the client returns;
 * the schema is what the API server validates.
 */
export interface CustomResourceKind<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  /** `<plural>.<group>`: the CRD's name. */
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** The storage version. */
  readonly version: string;
  /** `<group>/<storage version>`. */
  readonly apiVersion: string;
  /** How clients, informers and builders name it: `{ apiVersion, kind }`. */
  readonly ref: { readonly apiVersion: string; readonly kind: string };
  /** The conversion function between its versions, when declared (contributed by `defineOperator`). */
  readonly conversion?: CustomResourceConversion;
  /** The CustomResourceDefinition manifest (a fresh copy each time). */
  crd(): CustomResourceDefinition;
  /** A typed client for its objects. */
  client(client: Client): ResourceClient<CustomResource<Spec, Status>>;
}

/**
 * Declares a CRD from TypeScript (kubebuilder's markers, as a value):
 *
 * ```ts
 * const EtcdCluster = defineCustomResource<EtcdClusterSpec, EtcdClusterStatus>({
 *   group: "operator.etcd.io", kind: "EtcdCluster",
 *   versions: [{ name: "v1alpha1", schema, subresources: { status: true }, additionalPrinterColumns: [...] }],
 * });
 * ```
 *
 * Throws when the declaration cannot make a CRD (no versions, two storage versions); everything
 * else (a non-structural schema, taken names) the API server refuses when the CRD is installed.
 */
export function defineCustomResource<Spec = Record<string, unknown>, Status = Record<string, unknown>>(d: CustomResourceDeclaration): CustomResourceKind<Spec, Status> {
  if (d.versions.length === 0) throw new Error(`defineCustomResource(${d.kind}): at least one version is required`);
  const storages = d.versions.filter((v) => v.storage === true);
  if (storages.length > 1) throw new Error(`defineCustomResource(${d.kind}): versions ${storages.map((v) => v.name).join(", ")} are all marked storage; exactly one may be`);
  const storage = storages[0] ?? d.versions[0]!;
  const plural = d.plural ?? `${d.kind.toLowerCase()}s`;
  const name = `${plural}.${d.group}`;
  const apiVersion = `${d.group}/${storage.name}`;
  const service = d.conversion ? { path: "/convert", port: 443, ...(d.conversion.service ?? { namespace: "kube-system", name: `${plural}-conversion` }) } : undefined;
  const manifest: CustomResourceDefinition = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name },
    spec: {
      group: d.group,
      names: {
        kind: d.kind,
        plural,
        singular: d.singular ?? d.kind.toLowerCase(),
        listKind: d.listKind ?? `${d.kind}List`,
        ...(d.shortNames ? { shortNames: d.shortNames } : {}),
        ...(d.categories ? { categories: d.categories } : {}),
      },
      scope: d.scope ?? "Namespaced",
      ...(service ? { conversion: { strategy: "Webhook", webhook: { conversionReviewVersions: ["v1"], clientConfig: { service } } } } : {}),
      versions: d.versions.map((v) => {
        const subresources: CustomResourceSubresources = {};
        if (v.subresources?.status) subresources.status = {};
        if (v.subresources?.scale) subresources.scale = { ...v.subresources.scale };
        return {
          name: v.name,
          served: v.served ?? true,
          storage: v === storage,
          ...(v.deprecated ? { deprecated: true } : {}),
          ...(v.deprecationWarning ? { deprecationWarning: v.deprecationWarning } : {}),
          schema: { openAPIV3Schema: v.schema },
          ...(Object.keys(subresources).length ? { subresources } : {}),
          ...(v.additionalPrinterColumns ? { additionalPrinterColumns: v.additionalPrinterColumns } : {}),
          ...(v.selectableFields ? { selectableFields: v.selectableFields } : {}),
        };
      }),
    },
  };
  const text = JSON.stringify(manifest);
  const ref = Object.freeze({ apiVersion, kind: d.kind });
  return Object.freeze({
    name,
    group: d.group,
    kind: d.kind,
    plural,
    namespaced: (d.scope ?? "Namespaced") === "Namespaced",
    version: storage.name,
    apiVersion,
    ref,
    ...(d.conversion ? { conversion: d.conversion.convert } : {}),
    crd: () => JSON.parse(text) as CustomResourceDefinition,
    client: (client: Client) => client.resource<CustomResource<Spec, Status>>(ref),
  });
}
