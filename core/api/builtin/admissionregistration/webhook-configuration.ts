import type { MatchCondition, MutatingWebhook, MutatingWebhookConfiguration, RuleWithOperations, ValidatingWebhook, ValidatingWebhookConfiguration, WebhookClientConfig } from "kubernetes-types/admissionregistration/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateLabelSelector } from "../../validation/label-selector.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateEnum } from "../field-checks.js";

/** An admission rule (kubernetes-types leaves out `resources` and `scope`). */
export type AdmissionRule = RuleWithOperations & { resources?: string[]; scope?: string };
type Webhook = MutatingWebhook | ValidatingWebhook;
type MutatingObject = MutatingWebhookConfiguration & KubeObject;
type ValidatingObject = ValidatingWebhookConfiguration & KubeObject;

const OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];

/** SetDefaults_{Validating,Mutating}Webhook and SetDefaults_Rule / ServiceReference (admissionregistration/v1). */
function defaultWebhook(w: Webhook, mutating: boolean): void {
  w.failurePolicy ??= "Fail";
  w.matchPolicy ??= "Equivalent";
  w.namespaceSelector ??= {};
  w.objectSelector ??= {};
  w.timeoutSeconds ??= 10;
  if (mutating) (w as MutatingWebhook).reinvocationPolicy ??= "Never";
  for (const r of (w.rules ?? []) as AdmissionRule[]) r.scope ??= "*";
  if (w.clientConfig?.service) w.clientConfig.service.port ??= 443;
}

/** ValidateWebhookURL / ValidateWebhookService: exactly one of url and service; https only. */
export function validateClientConfig(cc: WebhookClientConfig | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!cc || (!!cc.url === !!cc.service)) return [fieldError.required(path, "exactly one of url or service is required")];
  if (cc.url) {
    let u: URL | undefined;
    try {
      u = new URL(cc.url);
    } catch {
      errs.push(fieldError.invalid(`${path}.url`, cc.url, "host must be specified"));
    }
    if (u) {
      if (u.protocol !== "https:") errs.push(fieldError.invalid(`${path}.url`, cc.url, "'https' is the only allowed URL scheme"));
      if (!u.hostname) errs.push(fieldError.invalid(`${path}.url`, cc.url, "host must be specified"));
      if (u.username || u.password) errs.push(fieldError.invalid(`${path}.url`, cc.url, "user information is not permitted in the URL"));
      if (u.hash) errs.push(fieldError.invalid(`${path}.url`, cc.url, "fragments are not permitted in the URL"));
      if (u.search) errs.push(fieldError.invalid(`${path}.url`, cc.url, "query parameters are not permitted in the URL"));
    }
  } else if (cc.service) {
    const s = cc.service;
    if (!s.name) errs.push(fieldError.required(`${path}.service.name`, "service name is required"));
    if (!s.namespace) errs.push(fieldError.required(`${path}.service.namespace`, "service namespace is required"));
    if (s.port !== undefined && (s.port < 1 || s.port > 65535)) errs.push(fieldError.invalid(`${path}.service.port`, s.port, "port is not valid: must be between 1 and 65535, inclusive"));
    if (s.path !== undefined && !s.path.startsWith("/")) errs.push(fieldError.invalid(`${path}.service.path`, s.path, "must start with a '/'"));
  }
  return errs;
}

export function validateRule(r: AdmissionRule, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!r.operations?.length) errs.push(fieldError.required(`${path}.operations`));
  (r.operations ?? []).forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(fieldError.notSupported(`${path}.operations[${i}]`, op, OPERATIONS));
  });
  if (r.operations && r.operations.length > 1 && r.operations.includes("*")) errs.push(fieldError.invalid(`${path}.operations`, r.operations, "if '*' is present, must not specify other operations"));
  if (!r.apiGroups?.length) errs.push(fieldError.required(`${path}.apiGroups`));
  if (!r.apiVersions?.length) errs.push(fieldError.required(`${path}.apiVersions`));
  if (!r.resources?.length) errs.push(fieldError.required(`${path}.resources`));
  errs.push(...validateEnum(r.scope, ["*", "Cluster", "Namespaced"], `${path}.scope`));
  return errs;
}

/** Names of matchConditions: qualified names, unique; at most 64. */
function validateMatchConditions(conditions: readonly MatchCondition[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (conditions ?? []).forEach((c, i) => {
    if (!c.name) errs.push(fieldError.required(`${path}[${i}].name`));
    else if (seen.has(c.name)) errs.push(fieldError.duplicate(`${path}[${i}].name`, c.name));
    seen.add(c.name);
    if (!c.expression) errs.push(fieldError.required(`${path}[${i}].expression`));
  });
  if ((conditions?.length ?? 0) > 64) errs.push(fieldError.tooMany(path, conditions!.length, 64));
  return errs;
}

function validateWebhook(w: Webhook, path: string, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!w.name) errs.push(fieldError.required(`${path}.name`));
  else if (w.name.split(".").length < 3) errs.push(fieldError.invalid(`${path}.name`, w.name, "should be a domain with at least three segments separated by dots"));
  (w.rules ?? []).forEach((r, i) => errs.push(...validateRule(r, `${path}.rules[${i}]`)));
  errs.push(...validateEnum(w.failurePolicy, ["Fail", "Ignore"], `${path}.failurePolicy`));
  errs.push(...validateEnum(w.matchPolicy, ["Equivalent", "Exact"], `${path}.matchPolicy`));
  if (!w.sideEffects) errs.push(fieldError.required(`${path}.sideEffects`, "must specify one of None, NoneOnDryRun"));
  else errs.push(...validateEnum(w.sideEffects, ["None", "NoneOnDryRun"], `${path}.sideEffects`));
  if (w.timeoutSeconds !== undefined && (w.timeoutSeconds < 1 || w.timeoutSeconds > 30)) errs.push(fieldError.invalid(`${path}.timeoutSeconds`, w.timeoutSeconds, "the timeout value must be between 1 and 30 seconds"));
  if (!w.admissionReviewVersions?.length) errs.push(fieldError.required(`${path}.admissionReviewVersions`, "must specify one of v1, v1beta1"));
  else if (!w.admissionReviewVersions.some((v) => v === "v1" || v === "v1beta1")) errs.push(fieldError.invalid(`${path}.admissionReviewVersions`, w.admissionReviewVersions, "must include at least one of v1, v1beta1"));
  if (w.namespaceSelector) errs.push(...validateLabelSelector(w.namespaceSelector, `${path}.namespaceSelector`));
  if (w.objectSelector) errs.push(...validateLabelSelector(w.objectSelector, `${path}.objectSelector`));
  if (mutating) errs.push(...validateEnum((w as MutatingWebhook).reinvocationPolicy, ["IfNeeded", "Never"], `${path}.reinvocationPolicy`));
  errs.push(...validateClientConfig(w.clientConfig, `${path}.clientConfig`));
  errs.push(...validateMatchConditions(w.matchConditions, `${path}.matchConditions`));
  return errs;
}

function validateWebhooks(webhooks: readonly Webhook[] | undefined, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (webhooks ?? []).forEach((w, i) => {
    if (w.name && seen.has(w.name)) errs.push(fieldError.duplicate(`webhooks[${i}].name`, w.name));
    seen.add(w.name);
    errs.push(...validateWebhook(w, `webhooks[${i}]`, mutating));
  });
  return errs;
}

function registration<T extends MutatingObject | ValidatingObject>(kind: "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration", mutating: boolean): ApiTypeRegistration<T> {
  const plural = `${kind.toLowerCase()}s`;
  return {
    descriptor: { group: "admissionregistration.k8s.io", version: "v1", kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, namespaced: false, shortNames: [], categories: ["api-extensions"], subresources: [] },
    strategy: {
      defaults: (o) => {
        for (const w of o.webhooks ?? []) defaultWebhook(w, mutating);
      },
      validate: (o) => [...validateObjectMeta(o.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateWebhooks(o.webhooks, mutating)],
      validateUpdate: (o, old) => validateObjectMetaUpdate(o.metadata, old.metadata),
    },
  };
}

/** admissionregistration.k8s.io/v1 MutatingWebhookConfiguration (cluster-scoped): webhooks that may change objects. */
export const MUTATING_WEBHOOK_CONFIGURATION = registration<MutatingObject>("MutatingWebhookConfiguration", true);
/** admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration (cluster-scoped): webhooks that may refuse objects. */
export const VALIDATING_WEBHOOK_CONFIGURATION = registration<ValidatingObject>("ValidatingWebhookConfiguration", false);
