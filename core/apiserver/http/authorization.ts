import { forbidden } from "../../api/status.js";
import type { UserInfo } from "../admission.js";
import { extensionPoint } from "../../plugins/extension-point.js";

/** What a request wants to do, as kube-apiserver's `authorizer.Attributes`. */
export interface AuthorizationAttributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection (resource requests); get, post, ... (others). */
  verb: string;
  isResourceRequest: boolean;
  /** The request path (non-resource requests are authorized by path). */
  path: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /**
   * Field and label selectors the check is limited to (a CEL `authorizer` check's
   * `fieldSelector()`/`labelSelector()`, only when they parse): authorizers that decide by
   * selectors read them; Node and RBAC ignore them, as upstream's do.
   */
  fieldSelector?: string;
  labelSelector?: string;
}

export interface AuthorizationDecision {
  allowed: boolean;
  /** Why not (appended to the Forbidden message). */
  reason?: string;
}

/**
 * Decides whether an authenticated request may proceed. May be async (a webhook, an RBAC cache
 * lookup); must not throw for a denial — return `{ allowed: false }`.
 */
export interface Authorizer {
  readonly name: string;
  authorize(attributes: AuthorizationAttributes): AuthorizationDecision | Promise<AuthorizationDecision>;
}

/** Authorizers for the HTTP API server, asked in order after the `--authorization-mode` ones (Node, RBAC); the first `allowed` wins. */
export const HttpAuthorizers = extensionPoint<Authorizer>("http-authorizer", "an HTTP API request authorizer");

/** The default: every authenticated request is allowed (kubesim's only user is the admin token's). */
export const allowAllAuthorizer: Authorizer = { name: "AlwaysAllow", authorize: () => ({ allowed: true }) };

/** Members of `system:masters` are allowed everything, as kube-apiserver's privileged group. */
export const systemMastersAuthorizer: Authorizer = {
  name: "SystemMasters",
  authorize: (a) => ({ allowed: a.user.groups?.includes("system:masters") === true }),
};

/** Asks each authorizer in turn; denies when none allows. */
export function unionAuthorizer(authorizers: readonly Authorizer[]): Authorizer {
  return {
    name: authorizers.map((a) => a.name).join(","),
    async authorize(attributes) {
      const reasons: string[] = [];
      for (const a of authorizers) {
        const answer = a.authorize(attributes);
        const d = answer instanceof Promise ? await answer : answer;
        if (d.allowed) return d;
        if (d.reason) reasons.push(d.reason);
      }
      // kube-apiserver's union authorizer joins the reasons with newlines.
      return reasons.length ? { allowed: false, reason: reasons.join("\n") } : { allowed: false };
    },
  };
}

/**
 * A cluster's HTTP authorizer: the authorizers contributed to {@link HttpAuthorizers}, after
 * `system:masters` (the admin); with none contributed, every authenticated request is allowed.
 */
export function clusterAuthorizer(contributed: readonly Authorizer[]): Authorizer {
  return contributed.length ? unionAuthorizer([systemMastersAuthorizer, ...contributed]) : allowAllAuthorizer;
}

/** kube-apiserver's Forbidden for a denied request: `pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"`. */
export function forbiddenFor(a: AuthorizationAttributes, reason?: string): Error {
  const user = `User "${a.user.username}"`;
  let why: string;
  if (a.isResourceRequest) {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    why = `${user} cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ""}"${a.namespace ? ` in the namespace "${a.namespace}"` : " at the cluster scope"}`;
  } else {
    why = `${user} cannot ${a.verb} path "${a.path}"`;
  }
  if (reason) why += `: ${reason}`;
  return forbidden({ group: a.apiGroup ?? "", plural: a.resource ?? "", kind: "" }, a.name ?? "", why);
}
