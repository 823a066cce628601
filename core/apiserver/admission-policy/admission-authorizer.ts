import { parseFieldSelector } from "../../api/selectors/field-selector.js";
import { parseLabelSelector } from "../../api/selectors/label-selector.js";
import { CelAuthorizer, CelDecision, type AuthzQuestion } from "../../cel/kubernetes-authz.js";
import type { AdmissionRequest } from "../admission.js";
import type { AuthorizationAttributes, Authorizer } from "../http/authorization.js";

/** Rounds of evaluation an expression may take to ask the authorizer everything it needs. */
const MAX_AUTHZ_ROUNDS = 16;

/** A selector that parses, else undefined (upstream leaves an unparsable selector out of the check). */
function parsed(selector: string, parse: (s: string) => unknown): string | undefined {
  if (!selector) return undefined;
  try {
    parse(selector);
    return selector;
  } catch {
    return undefined;
  }
}

/** One authorizer question as the HTTP layer's attributes (upstream's AttributesRecord, apiVersion `*`). */
function attributesOf(q: AuthzQuestion): AuthorizationAttributes {
  const user = { username: q.user.username, groups: q.user.groups };
  if (q.kind === "path") return { user, verb: q.verb, isResourceRequest: false, path: q.path };
  const fieldSelector = parsed(q.fieldSelector, parseFieldSelector);
  const labelSelector = parsed(q.labelSelector, parseLabelSelector);
  return {
    user, verb: q.verb, isResourceRequest: true, path: "", apiGroup: q.group, apiVersion: "*", resource: q.resource,
    ...(q.subresource ? { subresource: q.subresource } : {}),
    ...(q.namespace ? { namespace: q.namespace } : {}),
    ...(q.name ? { name: q.name } : {}),
    ...(fieldSelector ? { fieldSelector } : {}),
    ...(labelSelector ? { labelSelector } : {}),
  };
}

async function ask(authorizer: Authorizer, q: AuthzQuestion): Promise<CelDecision> {
  try {
    const d = await authorizer.authorize(attributesOf(q));
    return new CelDecision(d.allowed, d.reason ?? "");
  } catch (err) {
    return new CelDecision(false, "", (err as Error).message);
  }
}

/**
 * Runs `fn` (pure CEL evaluation) with the `authorizer` of an admission request — the request's
 * user, and `authorizer.requestResource` naming the request's group, resource, subresource,
 * namespace and name — whose checks are answered by the API server's authorizer chain. CEL is
 * synchronous, so a check not answered yet records the question and fails this round; the
 * questions are then asked (asynchronously) and `fn` runs again with the answers, until it asks
 * nothing new. Answers are kept for the request's evaluation only.
 */
export async function withAuthorizer<T>(authorizer: Authorizer, req: AdmissionRequest, fn: (authz: CelAuthorizer) => T): Promise<T> {
  const answers = new Map<string, CelDecision>();
  const user = req.user ?? { username: "", groups: [] };
  const request = { group: req.resource.group, resource: req.resource.plural, subresource: req.subresource ?? "", namespace: req.namespace ?? "", name: req.name ?? "" };
  for (let round = 0; ; round++) {
    const missing = new Map<string, AuthzQuestion>();
    const authz = new CelAuthorizer({ username: user.username, groups: user.groups }, (q) => {
      const key = JSON.stringify(q);
      const known = answers.get(key);
      if (known) return known;
      missing.set(key, q);
      throw new Error("authorization decision pending");
    }, request);
    let result: { value: T } | { error: unknown };
    try {
      result = { value: fn(authz) };
    } catch (error) {
      result = { error };
    }
    if (!missing.size || round >= MAX_AUTHZ_ROUNDS) {
      if ("error" in result) throw result.error;
      return result.value;
    }
    for (const [key, q] of missing) answers.set(key, await ask(authorizer, q));
  }
}
