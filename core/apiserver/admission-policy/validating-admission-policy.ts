import type { MatchResources, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "kubernetes-types/admissionregistration/v1.js";
import type { KubeObject } from "../../api/object.js";
import type { AdmissionRule } from "../../api/builtin/admissionregistration/index.js";
import { celErrorText } from "../../api/builtin/apiextensions/validation-rules.js";
import { labelSelectorFromObject } from "../../api/selectors/label-selector.js";
import type { StatusReason } from "../../api/status.js";
import { jsonToCel } from "../../cel/environment.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
import { admissionForbidden } from "../admission/admission-forbidden.js";
import { admissionReviewRequest } from "../webhooks/admission-attributes.js";
import { isExemptFromAdmissionHooks, namespaceSelectorMatches, objectSelectorMatches, ruleMatches } from "../webhooks/admission-matching.js";
import { cachedObjects, cachedObjectsNow } from "../webhooks/configuration-cache.js";
import { admissionProgram, matchConditionsHold } from "../webhooks/match-conditions.js";
import { withAuthorizer } from "./admission-authorizer.js";
import type { Authorizer } from "../http/authorization.js";

type Policy = ValidatingAdmissionPolicy & KubeObject;
type Binding = ValidatingAdmissionPolicyBinding & KubeObject;

const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

/** matchConstraints / matchResources: a resource rule matches, no exclude rule does, and the selectors. */
async function resourcesMatch(m: MatchResources | undefined, req: AdmissionRequest, ctx: AdmissionContext): Promise<boolean> {
  if (!m) return true;
  if (m.resourceRules && !m.resourceRules.some((r) => ruleMatches(r as AdmissionRule, req))) return false;
  if ((m.excludeResourceRules ?? []).some((r) => ruleMatches(r as AdmissionRule, req))) return false;
  return objectSelectorMatches(m.objectSelector, req) && (await namespaceSelectorMatches(m.namespaceSelector, req, ctx));
}

/** The params a binding names: one object by name, or those its selector picks (namespace: paramRef's, else the request's for namespaced kinds). */
async function paramsOf(policy: Policy, binding: Binding, req: AdmissionRequest, ctx: AdmissionContext): Promise<KubeObject[] | "none" | undefined> {
  const kind = policy.spec?.paramKind;
  const ref = binding.spec?.paramRef;
  if (!kind || !ref) return undefined;
  const client = ctx.client.resource({ apiVersion: kind.apiVersion ?? "", kind: kind.kind ?? "" });
  const namespace = ref.namespace ?? req.namespace;
  let found: KubeObject[];
  if (ref.name) {
    const obj = await client.get(ref.name, namespace ? { namespace } : {}).catch(() => undefined);
    found = obj ? [obj] : [];
  } else {
    const selector = labelSelectorFromObject(ref.selector);
    const list = await client.list(namespace ? { namespace } : {});
    found = list.items.filter((o) => selector.matches(o.metadata?.labels));
  }
  return found.length ? found : "none";
}

interface Decision {
  message: string;
  reason: string;
}

/** Evaluates a policy's validations for one param; the first failures become decisions. */
function evaluate(policy: Policy, vars: Record<string, unknown>): Decision[] {
  const spec = policy.spec!;
  const out: Decision[] = [];
  const fail = spec.failurePolicy !== "Ignore";
  const variables: Record<string, unknown> = {};
  vars["variables"] = variables;
  for (const v of spec.variables ?? []) {
    const p = admissionProgram(v.expression);
    try {
      if (p instanceof Error) throw p;
      variables[v.name] = p(vars);
    } catch {
      // a variable that fails fails the expressions that read it
    }
  }
  for (const v of spec.validations ?? []) {
    const p = admissionProgram(v.expression);
    let result: unknown;
    try {
      if (p instanceof Error) throw p;
      result = p(vars);
    } catch (err) {
      if (fail) out.push({ message: `expression '${v.expression}' resulted in error: ${celErrorText(err)}`, reason: "Invalid" });
      continue;
    }
    if (result === true) continue;
    let message = v.message?.trim() ? v.message : `failed expression: ${v.expression.trim()}`;
    if (v.messageExpression) {
      const m = admissionProgram(v.messageExpression);
      try {
        const text = m instanceof Error ? undefined : m(vars);
        if (typeof text === "string" && text.trim()) message = text.trim();
      } catch {
        // falls back to the message
      }
    }
    out.push({ message, reason: v.reason ?? "Invalid" });
  }
  return out;
}

/**
 * The ValidatingAdmissionPolicy plugin: every binding (by name) whose policy matches the request
 * (matchConstraints, the binding's matchResources, matchConditions) evaluates the policy's CEL
 * validations against each of its params; a failure is refused (Deny) as kube-apiserver words it,
 * or returned as a warning (Warn). Expressions may ask `authorizer` (the API server's authorizer
 * chain, as the request's user). Audit annotations are not recorded (no audit log).
 */
export const validatingAdmissionPolicy = (authorizer: () => Authorizer): AdmissionPlugin => ({
  name: "ValidatingAdmissionPolicy",
  operations: ["CREATE", "UPDATE", "DELETE", "CONNECT"],
  validate(req, ctx) {
    if (isExemptFromAdmissionHooks(req) || cachedObjectsNow<Binding>(ctx.client, "ValidatingAdmissionPolicyBinding")?.length === 0) return;
    return validatePolicies(req, ctx, authorizer);
  },
});

/** Evaluates every binding's policy that matches the request (see validatingAdmissionPolicy). */
async function validatePolicies(req: AdmissionRequest, ctx: AdmissionContext, authorizer: () => Authorizer): Promise<void> {
  const bindings = await cachedObjects<Binding>(ctx.client, "ValidatingAdmissionPolicyBinding");
  if (!bindings.length) return;
  const policies = new Map((await cachedObjects<Policy>(ctx.client, "ValidatingAdmissionPolicy")).map((p) => [p.metadata!.name!, p]));
  let review: ReturnType<typeof admissionReviewRequest> | undefined;
  for (const binding of bindings) {
    const policy = policies.get(binding.spec?.policyName ?? "");
    if (!policy?.spec) continue;
    if (!(await resourcesMatch(policy.spec.matchConstraints, req, ctx))) continue;
    if (binding.spec?.matchResources && !(await resourcesMatch(binding.spec.matchResources, req, ctx))) continue;
    review ??= admissionReviewRequest(req, "");
    const base: Record<string, unknown> = { object: jsonToCel(review.object), oldObject: jsonToCel(review.oldObject), request: jsonToCel(review) };
    const conditions = policy.spec.matchConditions;
    try {
      if (conditions?.length && !(await withAuthorizer(authorizer(), req, (authz) => matchConditionsHold(conditions, { ...base, authorizer: authz })))) continue;
    } catch (err) {
      if (policy.spec.failurePolicy === "Ignore") continue;
      throw deny(req, policy, binding, { message: (err as Error).message, reason: "Invalid" });
    }
    const params = await paramsOf(policy, binding, req, ctx);
    let decisions: Decision[];
    if (params === "none") {
      if (binding.spec?.paramRef?.parameterNotFoundAction !== "Deny") continue;
      decisions = [{ message: "no params found for policy binding with `Deny` parameterNotFoundAction", reason: "Invalid" }];
    } else if (policy.spec.paramKind && !binding.spec?.paramRef) {
      decisions = policy.spec.failurePolicy === "Ignore" ? [] : [{ message: `failed to configure binding: paramRef must be set when the policy has a paramKind`, reason: "Invalid" }];
    } else {
      decisions = await withAuthorizer(authorizer(), req, (authz) => (params ?? [undefined]).flatMap((p) => evaluate(policy, { ...base, authorizer: authz, params: p ? jsonToCel(p) : null })));
    }
    const actions = binding.spec?.validationActions ?? [];
    for (const d of decisions) {
      if (actions.includes("Warn")) req.warnings?.push(`Validation failed for ValidatingAdmissionPolicy '${policy.metadata!.name}' with binding '${binding.metadata!.name}': ${d.message}`);
    }
    if (decisions.length && actions.includes("Deny")) throw deny(req, policy, binding, decisions[0]!);
  }
}

function deny(req: AdmissionRequest, policy: Policy, binding: Binding, d: Decision): Error {
  const message = `ValidatingAdmissionPolicy '${policy.metadata!.name}' with binding '${binding.metadata!.name}' denied request: ${d.message}`;
  const err = admissionForbidden(req, message, [{ message }]);
  err.status.reason = d.reason as StatusReason;
  err.status.code = REASON_CODES[d.reason] ?? 422;
  return err;
}
