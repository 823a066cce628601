import type { Environment } from "@marcbachmann/cel-js";

/** One question to the API server's authorizer chain: a resource request or a non-resource path. */
export type AuthzQuestion =
  | { kind: "resource"; user: AuthzUser; verb: string; group: string; resource: string; subresource: string; namespace: string; name: string }
  | { kind: "path"; user: AuthzUser; verb: string; path: string };

/** Who asks: the request's user, or a service account (`authorizer.serviceAccount(ns, name)`). */
export interface AuthzUser {
  username: string;
  groups: readonly string[];
}

/** A `kubernetes.authorization.Decision`. */
export class CelDecision {
  constructor(readonly allowed: boolean, readonly reason: string, readonly error = "") {}
}

/** Answers a question synchronously (from decisions fetched beforehand; see the admission policy's evaluation loop). */
export type AuthzDecide = (question: AuthzQuestion) => CelDecision;

/** A `kubernetes.authorization.Authorizer`: the user's view of the authorizer chain. */
export class CelAuthorizer {
  constructor(readonly user: AuthzUser, readonly decide: AuthzDecide) {}
}

/** A `kubernetes.authorization.PathCheck`. */
export class CelPathCheck {
  constructor(readonly authz: CelAuthorizer, readonly path: string) {}
}

/** A `kubernetes.authorization.GroupCheck`. */
export class CelGroupCheck {
  constructor(readonly authz: CelAuthorizer, readonly group: string) {}
}

/** A `kubernetes.authorization.ResourceCheck` (immutable: each builder call returns a new one). */
export class CelResourceCheck {
  constructor(readonly authz: CelAuthorizer, readonly group: string, readonly resource: string, readonly subresource = "", readonly namespace = "", readonly name = "") {}
  with(part: Partial<Pick<CelResourceCheck, "subresource" | "namespace" | "name">>): CelResourceCheck {
    return new CelResourceCheck(this.authz, this.group, this.resource, part.subresource ?? this.subresource, part.namespace ?? this.namespace, part.name ?? this.name);
  }
}

/**
 * The Kubernetes CEL authorizer library (k8s.io/apiserver/pkg/cel/library/authz.go), for
 * admission policies: `authorizer.group(g).resource(r)[.subresource(s)][.namespace(ns)][.name(n)].check(verb)`,
 * `authorizer.path(p).check(httpVerb)`, `authorizer.serviceAccount(ns, name)`, and on the
 * Decision `allowed()`, `reason()`, `errored()`, `error()`.
 */
export function registerKubernetesAuthz(env: Environment): void {
  const A = "kubernetes.authorization";
  env
    .registerType(`${A}.Authorizer`, CelAuthorizer)
    .registerType(`${A}.PathCheck`, CelPathCheck)
    .registerType(`${A}.GroupCheck`, CelGroupCheck)
    .registerType(`${A}.ResourceCheck`, CelResourceCheck)
    .registerType(`${A}.Decision`, CelDecision)
    .registerFunction(`${A}.Authorizer.path(string): ${A}.PathCheck`, (a: CelAuthorizer, p: string) => new CelPathCheck(a, p))
    .registerFunction(`${A}.Authorizer.group(string): ${A}.GroupCheck`, (a: CelAuthorizer, g: string) => new CelGroupCheck(a, g))
    .registerFunction(`${A}.Authorizer.serviceAccount(string, string): ${A}.Authorizer`, (a: CelAuthorizer, ns: string, name: string) =>
      new CelAuthorizer({ username: `system:serviceaccount:${ns}:${name}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"] }, a.decide))
    .registerFunction(`${A}.GroupCheck.resource(string): ${A}.ResourceCheck`, (g: CelGroupCheck, r: string) => new CelResourceCheck(g.authz, g.group, r))
    .registerFunction(`${A}.ResourceCheck.subresource(string): ${A}.ResourceCheck`, (r: CelResourceCheck, s: string) => r.with({ subresource: s }))
    .registerFunction(`${A}.ResourceCheck.namespace(string): ${A}.ResourceCheck`, (r: CelResourceCheck, s: string) => r.with({ namespace: s }))
    .registerFunction(`${A}.ResourceCheck.name(string): ${A}.ResourceCheck`, (r: CelResourceCheck, s: string) => r.with({ name: s }))
    .registerFunction(`${A}.ResourceCheck.check(string): ${A}.Decision`, (r: CelResourceCheck, verb: string) =>
      r.authz.decide({ kind: "resource", user: r.authz.user, verb, group: r.group, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name }))
    .registerFunction(`${A}.PathCheck.check(string): ${A}.Decision`, (p: CelPathCheck, verb: string) => p.authz.decide({ kind: "path", user: p.authz.user, verb: verb.toLowerCase(), path: p.path }))
    .registerFunction(`${A}.Decision.allowed(): bool`, (d: CelDecision) => d.allowed)
    .registerFunction(`${A}.Decision.reason(): string`, (d: CelDecision) => d.reason)
    .registerFunction(`${A}.Decision.errored(): bool`, (d: CelDecision) => d.error !== "")
    .registerFunction(`${A}.Decision.error(): string`, (d: CelDecision) => d.error);
}
