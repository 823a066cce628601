import type { CustomResourceDefinition, CustomResourceDefinitionSpec, CustomResourceDefinitionVersion } from "kubernetes-types/apiextensions/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration, StrategyContext } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { rfc3339 } from "../../time.js";
import { validateStructuralSchema } from "./structural-schema.js";
import { validateSchemaRules } from "./validation-rules.js";
import { validateClientConfig } from "../admissionregistration/webhook-configuration.js";

type CrdObject = CustomResourceDefinition & KubeObject;

/**
 * SetDefaults_CustomResourceDefinition (apiextensions/v1): singular = lowercase kind,
 * listKind = kind + "List", conversion strategy None, webhook service port 443.
 */
export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  const spec = (crd as { spec?: CustomResourceDefinitionSpec }).spec;
  if (!spec) return;
  const names = (spec.names ??= { kind: "", plural: "" });
  if (!names.singular && names.kind) names.singular = names.kind.toLowerCase();
  if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  spec.conversion ??= { strategy: "None" };
  const service = spec.conversion.webhook?.clientConfig?.service;
  if (service) service.port ??= 443;
}

/** The storage version's name, when exactly one version is marked storage. */
function storageVersion(spec: CustomResourceDefinitionSpec | undefined): string | undefined {
  const storage = (spec?.versions ?? []).filter((v) => v.storage);
  return storage.length === 1 ? storage[0]!.name : undefined;
}

function lowercaseDNS1035(value: string | undefined, path: string): FieldError[] {
  if (!value) return [fieldError.required(path)];
  const errs = isDNS1035Label(value).map((m) => fieldError.invalid(path, value, m));
  return errs;
}

function validateVersion(v: CustomResourceDefinitionVersion, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!v.name) errs.push(fieldError.required(`${path}.name`));
  else for (const m of isDNS1035Label(v.name)) errs.push(fieldError.invalid(`${path}.name`, v.name, m));
  if (!v.schema?.openAPIV3Schema) errs.push(fieldError.required(`${path}.schema.openAPIV3Schema`, "schemas are required"));
  else {
    const structural = validateStructuralSchema(v.schema.openAPIV3Schema, `${path}.schema.openAPIV3Schema`);
    errs.push(...structural);
    if (!structural.length) errs.push(...validateSchemaRules(v.schema.openAPIV3Schema, `${path}.schema.openAPIV3Schema`));
  }
  const scale = v.subresources?.scale;
  if (scale) {
    if (!scale.specReplicasPath) errs.push(fieldError.required(`${path}.subresources.scale.specReplicasPath`));
    else if (!scale.specReplicasPath.startsWith(".spec.")) errs.push(fieldError.invalid(`${path}.subresources.scale.specReplicasPath`, scale.specReplicasPath, "should be a json path under .spec"));
    if (!scale.statusReplicasPath) errs.push(fieldError.required(`${path}.subresources.scale.statusReplicasPath`));
    else if (!scale.statusReplicasPath.startsWith(".status.")) errs.push(fieldError.invalid(`${path}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath, "should be a json path under .status"));
  }
  return errs;
}

function validateSpec(crd: CustomResourceDefinition): FieldError[] {
  const spec = crd.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs: FieldError[] = [];
  const names = spec.names ?? { kind: "", plural: "" };
  if (spec.group && names.plural && crd.metadata?.name !== `${names.plural}.${spec.group}`) {
    errs.push(fieldError.invalid("metadata.name", crd.metadata?.name ?? "", 'must be spec.names.plural+"."+spec.group'));
  }
  if (!spec.group) errs.push(fieldError.required("spec.group"));
  else {
    for (const m of isDNS1123Subdomain(spec.group)) errs.push(fieldError.invalid("spec.group", spec.group, m));
    if (!spec.group.includes(".")) errs.push(fieldError.invalid("spec.group", spec.group, "should be a domain with at least one dot"));
  }
  if (!spec.scope) errs.push(fieldError.required("spec.scope"));
  else if (spec.scope !== "Cluster" && spec.scope !== "Namespaced") errs.push(fieldError.notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]));
  const versions = spec.versions ?? [];
  if (!versions.length) errs.push(fieldError.invalid("spec.versions", versions, "must have exactly one version marked as storage version"));
  else {
    const storageCount = versions.filter((v) => v.storage).length;
    if (storageCount !== 1) errs.push(fieldError.invalid("spec.versions", versions, "must have exactly one version marked as storage version"));
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      if (seen.has(v.name)) errs.push(fieldError.invalid(`spec.versions[${i}].name`, v.name, "must be unique"));
      seen.add(v.name);
      errs.push(...validateVersion(v, `spec.versions[${i}]`));
    });
    if (!versions.some((v) => v.served)) errs.push(fieldError.invalid("spec.versions", versions, "must have at least one version served"));
  }
  errs.push(...lowercaseDNS1035(names.plural, "spec.names.plural"));
  if (names.singular) errs.push(...lowercaseDNS1035(names.singular, "spec.names.singular"));
  if (!names.kind) errs.push(fieldError.required("spec.names.kind"));
  if (!names.listKind) errs.push(fieldError.required("spec.names.listKind"));
  else if (names.listKind === names.kind) errs.push(fieldError.invalid("spec.names.listKind", names.listKind, "kind and listKind may not be the same"));
  (names.shortNames ?? []).forEach((s, i) => errs.push(...lowercaseDNS1035(s, `spec.names.shortNames[${i}]`)));
  (names.categories ?? []).forEach((c, i) => errs.push(...lowercaseDNS1035(c, `spec.names.categories[${i}]`)));
  const strategy = spec.conversion?.strategy;
  if (strategy && strategy !== "None" && strategy !== "Webhook") errs.push(fieldError.notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"]));
  if (strategy === "Webhook" && !spec.conversion?.webhook?.clientConfig) errs.push(fieldError.required("spec.conversion.webhook", "required when strategy is set to Webhook"));
  else if (strategy === "Webhook") {
    const webhook = spec.conversion!.webhook!;
    errs.push(...validateClientConfig(webhook.clientConfig, "spec.conversion.webhook.clientConfig"));
    const versions = webhook.conversionReviewVersions ?? [];
    if (!versions.length) errs.push(fieldError.required("spec.conversion.webhook.conversionReviewVersions", "must specify one of v1, v1beta1"));
    else if (!versions.some((v) => v === "v1" || v === "v1beta1")) errs.push(fieldError.invalid("spec.conversion.webhook.conversionReviewVersions", versions, "must include at least one of v1, v1beta1"));
  }
  return errs;
}

const specStatus = specStatusHooks<CrdObject>();

/** A new CRD starts with no accepted names and its storage version recorded as stored. */
function prepareCrdForCreate(crd: CrdObject, ctx: StrategyContext): void {
  specStatus.prepareForCreate!(crd, ctx);
  const stored = storageVersion(crd.spec);
  crd.status = { acceptedNames: { kind: "", plural: "" }, storedVersions: stored ? [stored] : [] };
}

/** Keeps the stored status, adding a new storage version to storedVersions. */
function prepareCrdForUpdate(crd: CrdObject, old: CrdObject, ctx: StrategyContext): void {
  specStatus.prepareForUpdate!(crd, old, ctx);
  const stored = storageVersion(crd.spec);
  const known = old.status?.storedVersions ?? [];
  if (stored && !known.includes(stored)) {
    crd.status = { ...old.status, acceptedNames: old.status?.acceptedNames ?? { kind: "", plural: "" }, storedVersions: [...known, stored] };
  }
}

const API_APPROVED = "api-approved.kubernetes.io";

/** Groups under k8s.io and kubernetes.io belong to the Kubernetes project: a CRD there must say where its API was approved. */
function validateApiApproval(crd: CustomResourceDefinition): FieldError[] {
  const group = crd.spec?.group ?? "";
  const protectedGroup = group === "k8s.io" || group === "kubernetes.io" || group.endsWith(".k8s.io") || group.endsWith(".kubernetes.io");
  if (!protectedGroup || crd.metadata?.annotations?.[API_APPROVED] !== undefined) return [];
  return [fieldError.required(`metadata.annotations[${API_APPROVED}]`, `protected groups must have approval annotation "${API_APPROVED}", see https://github.com/kubernetes/enhancements/pull/1111`)];
}

/** The finalizer that holds a deleted CRD until all its custom resources are gone. */
export const CUSTOM_RESOURCE_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

/** The CRD REST's Delete: the first delete adds the cleanup finalizer and the Terminating condition. */
function prepareCrdForDelete(crd: CrdObject, ctx: StrategyContext): void {
  const meta = crd.metadata as { finalizers?: string[] };
  if (!meta.finalizers?.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) meta.finalizers = [...(meta.finalizers ?? []), CUSTOM_RESOURCE_CLEANUP_FINALIZER];
  const conditions = (crd.status?.conditions ?? []).filter((c) => c.type !== "Terminating");
  conditions.push({ type: "Terminating", status: "True", lastTransitionTime: rfc3339(ctx.clock.now()), reason: "InstanceDeletionPending", message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon" });
  crd.status = { ...crd.status, acceptedNames: crd.status?.acceptedNames ?? { kind: "", plural: "" }, storedVersions: crd.status?.storedVersions ?? [], conditions };
}

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition (cluster-scoped). Serving the custom
 * resources it defines is the API server's business; this validates and stores the definition.
 * Each version's openAPIV3Schema must be structural (refused otherwise, as for v1 CRDs upstream).
 */
export const CUSTOM_RESOURCE_DEFINITION: ApiTypeRegistration<CrdObject> = {
  descriptor: {
    group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions", singular: "customresourcedefinition",
    listKind: "CustomResourceDefinitionList", namespaced: false, shortNames: ["crd", "crds"], categories: ["api-extensions"], subresources: ["status"],
  },
  strategy: {
    defaults: (crd) => defaultCustomResourceDefinition(crd),
    prepareForCreate: prepareCrdForCreate,
    prepareForUpdate: prepareCrdForUpdate,
    prepareForStatusUpdate: specStatus.prepareForStatusUpdate,
    prepareForDelete: prepareCrdForDelete,
    validate: (crd) => [...validateObjectMeta(crd.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateSpec(crd), ...validateApiApproval(crd)],
    validateUpdate: (crd, old) => [
      ...validateObjectMetaUpdate(crd.metadata, old.metadata),
      ...validateSpec(crd),
      ...validateImmutableField(crd.spec?.group, old.spec?.group, "spec.group"),
      ...validateImmutableField(crd.spec?.names?.plural, old.spec?.names?.plural, "spec.names.plural"),
      ...validateImmutableField(crd.spec?.scope, old.spec?.scope, "spec.scope"),
    ],
    validateStatusUpdate: (crd, old) => validateObjectMetaUpdate(crd.metadata, old.metadata),
  },
};
