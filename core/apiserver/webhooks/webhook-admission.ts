import { randomUUID } from "node:crypto";
import type { MutatingWebhook, MutatingWebhookConfiguration, ValidatingWebhook, ValidatingWebhookConfiguration } from "kubernetes-types/admissionregistration/v1.js";
import type { KubeObject } from "../../api/object.js";
import type { AdmissionRule } from "../../api/builtin/admissionregistration/index.js";
import { applyJsonPatch } from "../../api/patch/json-patch.js";
import { internalError, isStatusError, StatusError, type StatusReason } from "../../api/status.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
import { jsonToCel } from "../../cel/environment.js";
import { admissionReviewRequest } from "./admission-attributes.js";
import { isExemptFromAdmissionHooks, namespaceSelectorMatches, objectSelectorMatches, ruleMatches } from "./admission-matching.js";
import { cachedObjects, cachedObjectsNow } from "./configuration-cache.js";
import { matchConditionsHold } from "./match-conditions.js";
import { postToWebhook, WebhookCallError, type ServiceResolver } from "./webhook-client.js";
import { withAuthorizer } from "../admission-policy/admission-authorizer.js";
import type { Authorizer } from "../http/authorization.js";

type Webhook = MutatingWebhook | ValidatingWebhook;

interface AdmissionResponse {
  uid?: string;
  allowed?: boolean;
  status?: { code?: number; message?: string; reason?: string; status?: string; details?: unknown };
  patch?: string;
  patchType?: string;
  warnings?: string[];
}

/** A webhook could not be called or answered nonsense: failurePolicy decides. */
class CallFailure extends Error {}

/** webhookerrors.ToStatusErr: a refusal in the webhook's words, never below 400. */
function deniedError(name: string, status: AdmissionResponse["status"]): StatusError {
  const by = `admission webhook ${JSON.stringify(name)} denied the request`;
  const code = !status?.code || status.code < 400 ? 400 : status.code;
  const message = status?.message ? `${by}: ${status.message}` : status?.reason ? `${by}: ${status.reason}` : `${by} without explanation`;
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code, reason: (status?.reason ?? "") as StatusReason, message, ...(status?.details ? { details: status.details as never } : {}) });
}

/**
 * Does this webhook see this request (rules, selectors, match conditions with `authorizer` and
 * `authorizer.requestResource` when the server has an authorizer)? Match-condition errors are
 * call failures.
 */
async function shouldCall(w: Webhook, req: AdmissionRequest, ctx: AdmissionContext, authorizer: (() => Authorizer) | undefined): Promise<boolean> {
  if (!(w.rules ?? []).some((r) => ruleMatches(r as AdmissionRule, req))) return false;
  if (!objectSelectorMatches(w.objectSelector, req)) return false;
  if (!(await namespaceSelectorMatches(w.namespaceSelector, req, ctx))) return false;
  if (!w.matchConditions?.length) return true;
  const review = admissionReviewRequest(req, "");
  const vars = { object: jsonToCel(review.object), oldObject: jsonToCel(review.oldObject), request: jsonToCel(review) };
  try {
    if (!authorizer) return matchConditionsHold(w.matchConditions, vars);
    return await withAuthorizer(authorizer(), req, (authz) => matchConditionsHold(w.matchConditions, { ...vars, authorizer: authz }));
  } catch (err) {
    throw new CallFailure((err as Error).message);
  }
}

/** Sends the AdmissionReview and checks the response's shape; call problems become CallFailures. */
async function call(w: Webhook, req: AdmissionRequest, resolve: ServiceResolver): Promise<AdmissionResponse> {
  const uid = randomUUID();
  const body = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: admissionReviewRequest(req, uid) };
  let answer: unknown;
  try {
    answer = await postToWebhook(w.clientConfig, body, w.timeoutSeconds ?? 10, resolve);
  } catch (err) {
    if (err instanceof WebhookCallError) throw new CallFailure(`failed to call webhook: ${err.message}`);
    throw err;
  }
  const review = answer as { apiVersion?: string; kind?: string; response?: AdmissionResponse };
  if (review.kind !== "AdmissionReview" || review.apiVersion !== "admission.k8s.io/v1") throw new CallFailure(`received invalid webhook response: expected admission.k8s.io/v1, Kind=AdmissionReview, got ${review.apiVersion ?? ""}, Kind=${review.kind ?? ""}`);
  const response = review.response;
  if (!response) throw new CallFailure("received invalid webhook response: webhook response was absent");
  if (response.uid !== uid) throw new CallFailure(`received invalid webhook response: expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid ?? "")}`);
  return response;
}

/** The webhooks of every configuration, configurations by name, webhooks in their order. */
/** Whether the server's cache of `kind` has synced and holds no webhook at all (nothing to await). */
function noWebhooks(ctx: AdmissionContext, kind: string): boolean {
  const configs = cachedObjectsNow<MutatingWebhookConfiguration & KubeObject>(ctx.client, kind);
  if (!configs) return false;
  // The cache hands out one list until its next change: the answer is worked out once per list.
  if (configs === lastChecked.get(kind)) return true;
  for (const c of configs) if (c.webhooks?.length) return false;
  lastChecked.set(kind, configs);
  return true;
}

/** Per configuration kind, the last configuration list found to hold no webhook. */
const lastChecked = new Map<string, readonly KubeObject[]>();

async function hooksOf<T extends MutatingWebhookConfiguration | ValidatingWebhookConfiguration>(ctx: AdmissionContext, kind: string): Promise<Webhook[]> {
  const configs = await cachedObjects<T & KubeObject>(ctx.client, kind);
  return configs.flatMap((c) => (c.webhooks ?? []) as Webhook[]);
}

/**
 * Runs one webhook: a refusal throws the webhook's Status; a call failure throws an internal
 * error under failurePolicy Fail and is skipped under Ignore. Returns the response when allowed.
 */
async function invoke(w: Webhook, req: AdmissionRequest, ctx: AdmissionContext, resolve: ServiceResolver, authorizer: (() => Authorizer) | undefined): Promise<AdmissionResponse | undefined> {
  try {
    if (!(await shouldCall(w, req, ctx, authorizer))) return undefined;
    const response = await call(w, req, resolve);
    for (const warning of response.warnings ?? []) req.warnings?.push(warning);
    if (!response.allowed) throw deniedError(w.name, response.status);
    return response;
  } catch (err) {
    if (!(err instanceof CallFailure)) throw err;
    if (w.failurePolicy === "Ignore") return undefined;
    throw internalError(`failed calling webhook ${JSON.stringify(w.name)}: ${err.message}`);
  }
}

/** Replaces the draft's content with `next` in place (mutating admission edits the API server's draft). */
function replaceContent(draft: KubeObject, next: KubeObject): void {
  const d = draft as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!(k in next)) delete d[k];
  Object.assign(d, next);
}

/** Applies a mutating webhook's JSONPatch to the request's object. */
function applyPatch(w: Webhook, req: AdmissionRequest, response: AdmissionResponse): boolean {
  if (!response.patch || !req.object) return false;
  if (response.patchType !== "JSONPatch") throw internalError(`failed calling webhook ${JSON.stringify(w.name)}: received invalid webhook response: unsupported patch type ${JSON.stringify(response.patchType ?? "")}`);
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.from(response.patch, "base64").toString("utf8"));
  } catch (err) {
    throw internalError(`failed calling webhook ${JSON.stringify(w.name)}: received invalid webhook response: ${(err as Error).message}`);
  }
  let next: KubeObject;
  try {
    next = applyJsonPatch(req.object, ops);
  } catch (err) {
    if (isStatusError(err)) throw internalError(`JSON Patch: ${err.status.message}`);
    throw err;
  }
  const before = JSON.stringify(req.object);
  replaceContent(req.object, next);
  return JSON.stringify(req.object) !== before;
}

/**
 * The MutatingAdmissionWebhook plugin: every matching webhook of every
 * MutatingWebhookConfiguration in turn, each seeing the object as the ones before left it; its
 * JSONPatch is applied to the draft. Webhooks with reinvocationPolicy IfNeeded are called once
 * more when a later webhook changed the object. `authorizer` answers match conditions' `authorizer`.
 */
export function mutatingWebhookAdmission(resolve: ServiceResolver, authorizer?: () => Authorizer): AdmissionPlugin {
  return {
    name: "MutatingAdmissionWebhook",
    operations: ["CREATE", "UPDATE", "DELETE", "CONNECT"],
    admit(req, ctx) {
      if (isExemptFromAdmissionHooks(req) || noWebhooks(ctx, "MutatingWebhookConfiguration")) return;
      return mutate(req, ctx);
    },
  };

  async function mutate(req: AdmissionRequest, ctx: AdmissionContext): Promise<void> {
    const hooks = (await hooksOf<MutatingWebhookConfiguration>(ctx, "MutatingWebhookConfiguration")) as MutatingWebhook[];
    if (!hooks.length) return;
    let lastChange = -1;
    const called: number[] = [];
    for (let i = 0; i < hooks.length; i++) {
      const response = await invoke(hooks[i]!, req, ctx, resolve, authorizer);
      if (!response) continue;
      called.push(i);
      if (applyPatch(hooks[i]!, req, response)) lastChange = i;
    }
    if (lastChange < 0) return;
    for (const i of called) {
      const w = hooks[i]!;
      if (w.reinvocationPolicy !== "IfNeeded" || i >= lastChange) continue;
      const response = await invoke(w, req, ctx, resolve, authorizer);
      if (response) applyPatch(w, req, response);
    }
  }
}

/**
 * The ValidatingAdmissionWebhook plugin: every matching webhook of every
 * ValidatingWebhookConfiguration, called in parallel; the first refusal (in webhook order) is
 * the answer. `authorizer` answers match conditions' `authorizer`.
 */
export function validatingWebhookAdmission(resolve: ServiceResolver, authorizer?: () => Authorizer): AdmissionPlugin {
  return {
    name: "ValidatingAdmissionWebhook",
    operations: ["CREATE", "UPDATE", "DELETE", "CONNECT"],
    validate(req, ctx) {
      if (isExemptFromAdmissionHooks(req) || noWebhooks(ctx, "ValidatingWebhookConfiguration")) return;
      return validateAll(req, ctx);
    },
  };

  async function validateAll(req: AdmissionRequest, ctx: AdmissionContext): Promise<void> {
    const hooks = await hooksOf<ValidatingWebhookConfiguration>(ctx, "ValidatingWebhookConfiguration");
    if (!hooks.length) return;
    const results = await Promise.allSettled(hooks.map((w) => invoke(w, req, ctx, resolve, authorizer)));
    for (const r of results) if (r.status === "rejected") throw r.reason;
  }
}
