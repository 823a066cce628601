import type { Environment } from "@marcbachmann/cel-js";
import { isDNS1123Label, isDNS1123Subdomain } from "../api/validation/names.js";

/** Who asks: the request's user, or a service account (`authorizer.serviceAccount(ns, name)`). */
export interface AuthzUser {
  username: string;
  groups: readonly string[];
}

/** What a ResourceCheck names (k8s.io/apiserver's resourceCheckVal): empty strings are unset. */
export interface AuthzResource {
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** `fieldSelector(...)` / `labelSelector(...)` (the AuthzSelectors library): raw selectors, empty when unset. */
  fieldSelector: string;
  labelSelector: string;
}

/** One question to the API server's authorizer chain: a resource request or a non-resource path. */
export type AuthzQuestion = ({ kind: "resource" } & AuthzResource & { user: AuthzUser; verb: string }) | { kind: "path"; user: AuthzUser; verb: string; path: string };

/**
 * A `kubernetes.authorization.Decision`. Like every value of the library it has no fields CEL can
 * read (upstream's receiver-only values): only its member functions.
 */
export class CelDecision {
  readonly #allowed: boolean;
  readonly #reason: string;
  readonly #error: string;
  constructor(allowed: boolean, reason: string, error = "") {
    this.#allowed = allowed;
    this.#reason = reason;
    this.#error = error;
  }
  get allowed(): boolean {
    return this.#allowed;
  }
  get reason(): string {
    return this.#reason;
  }
  get error(): string {
    return this.#error;
  }
}

/** Answers a question synchronously (from decisions fetched beforehand; see the admission policy's evaluation loop). */
export type AuthzDecide = (question: AuthzQuestion) => CelDecision;

const EMPTY_RESOURCE: Omit<AuthzResource, "group" | "resource"> = { subresource: "", namespace: "", name: "", fieldSelector: "", labelSelector: "" };

/**
 * A `kubernetes.authorization.Authorizer`: the user's view of the authorizer chain. The one an
 * admission expression gets has `requestResource`, the ResourceCheck of the request's own
 * group, resource, subresource, namespace and name (upstream's `authorizer.requestResource`
 * variable; CEL reads it as a field of `authorizer`).
 */
export class CelAuthorizer {
  readonly #user: AuthzUser;
  readonly #decide: AuthzDecide;
  declare readonly requestResource?: CelResourceCheck;
  constructor(user: AuthzUser, decide: AuthzDecide, request?: Omit<AuthzResource, "fieldSelector" | "labelSelector">) {
    this.#user = user;
    this.#decide = decide;
    if (request) Object.defineProperty(this, "requestResource", { value: new CelResourceCheck(this, { ...EMPTY_RESOURCE, ...request }), enumerable: true });
  }
  get user(): AuthzUser {
    return this.#user;
  }
  /** Asks the chain as this authorizer's user. */
  ask(question: { kind: "resource"; verb: string } & AuthzResource | { kind: "path"; verb: string; path: string }): CelDecision {
    return this.#decide({ ...question, user: this.#user });
  }
  /** The same chain, asked as another user (`serviceAccount(ns, name)`). */
  as(user: AuthzUser): CelAuthorizer {
    return new CelAuthorizer(user, this.#decide);
  }
}

/** A `kubernetes.authorization.PathCheck`. */
export class CelPathCheck {
  readonly #authz: CelAuthorizer;
  readonly #path: string;
  constructor(authz: CelAuthorizer, path: string) {
    this.#authz = authz;
    this.#path = path;
  }
  check(verb: string): CelDecision {
    return this.#authz.ask({ kind: "path", verb, path: this.#path });
  }
}

/** A `kubernetes.authorization.GroupCheck`. */
export class CelGroupCheck {
  readonly #authz: CelAuthorizer;
  readonly #group: string;
  constructor(authz: CelAuthorizer, group: string) {
    this.#authz = authz;
    this.#group = group;
  }
  resource(resource: string): CelResourceCheck {
    return new CelResourceCheck(this.#authz, { ...EMPTY_RESOURCE, group: this.#group, resource });
  }
}

/** A `kubernetes.authorization.ResourceCheck` (immutable: each builder call returns a new one). */
export class CelResourceCheck {
  readonly #authz: CelAuthorizer;
  readonly #r: AuthzResource;
  constructor(authz: CelAuthorizer, r: AuthzResource) {
    this.#authz = authz;
    this.#r = r;
  }
  /** What it names (for tests and logs; not visible to CEL). */
  get attributes(): Readonly<AuthzResource> {
    return this.#r;
  }
  with(part: Partial<AuthzResource>): CelResourceCheck {
    return new CelResourceCheck(this.#authz, { ...this.#r, ...part });
  }
  check(verb: string): CelDecision {
    return this.#authz.ask({ kind: "resource", verb, ...this.#r });
  }
}

/** The user a service account authenticates as (serviceaccount.ServiceAccountInfo.UserInfo). */
function serviceAccountUser(namespace: string, name: string): AuthzUser {
  return { username: `system:serviceaccount:${namespace}:${name}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`] };
}

/**
 * The Kubernetes CEL authorizer libraries (k8s.io/apiserver/pkg/cel/library/authz.go: Authz and
 * AuthzSelectors), for admission policies and webhook match conditions:
 * `authorizer.group(g).resource(r)[.subresource(s)][.namespace(ns)][.name(n)][.fieldSelector(f)][.labelSelector(l)].check(verb)`,
 * `authorizer.path(p).check(httpVerb)`, `authorizer.serviceAccount(ns, name)`,
 * `authorizer.requestResource` (the request's own resource) and on the Decision `allowed()`,
 * `reason()`, `errored()`, `error()`. Verbs are passed as written (`check('GET')` asks for verb
 * `GET`, which RBAC's lower-case rules do not grant), as upstream does. Empty paths and resources
 * and invalid service account names are errors with upstream's messages.
 */
export function registerKubernetesAuthz(env: Environment): void {
  const A = "kubernetes.authorization";
  // Receiver-only values: no fields CEL can read, but for the admission authorizer's requestResource.
  env
    .registerType(`${A}.ResourceCheck`, { ctor: CelResourceCheck, fields: {} })
    .registerType(`${A}.Authorizer`, { ctor: CelAuthorizer, fields: { requestResource: `${A}.ResourceCheck` } })
    .registerType(`${A}.PathCheck`, { ctor: CelPathCheck, fields: {} })
    .registerType(`${A}.GroupCheck`, { ctor: CelGroupCheck, fields: {} })
    .registerType(`${A}.Decision`, { ctor: CelDecision, fields: {} })
    .registerFunction(`${A}.Authorizer.path(string): ${A}.PathCheck`, (a: CelAuthorizer, p: string) => {
      if (!p.trim()) throw new Error("path must not be empty");
      return new CelPathCheck(a, p);
    })
    .registerFunction(`${A}.Authorizer.group(string): ${A}.GroupCheck`, (a: CelAuthorizer, g: string) => new CelGroupCheck(a, g))
    .registerFunction(`${A}.Authorizer.serviceAccount(string, string): ${A}.Authorizer`, (a: CelAuthorizer, ns: string, name: string) => {
      if (isDNS1123Subdomain(name).length) throw new Error("Invalid service account name");
      if (isDNS1123Label(ns).length) throw new Error("Invalid service account namespace");
      return a.as(serviceAccountUser(ns, name));
    })
    .registerFunction(`${A}.GroupCheck.resource(string): ${A}.ResourceCheck`, (g: CelGroupCheck, r: string) => {
      if (!r.trim()) throw new Error("resource must not be empty");
      return g.resource(r);
    })
    .registerFunction(`${A}.ResourceCheck.subresource(string): ${A}.ResourceCheck`, (r: CelResourceCheck, s: string) => r.with({ subresource: s }))
    .registerFunction(`${A}.ResourceCheck.namespace(string): ${A}.ResourceCheck`, (r: CelResourceCheck, s: string) => r.with({ namespace: s }))
    .registerFunction(`${A}.ResourceCheck.name(string): ${A}.ResourceCheck`, (r: CelResourceCheck, s: string) => r.with({ name: s }))
    .registerFunction(`${A}.ResourceCheck.fieldSelector(string): ${A}.ResourceCheck`, (r: CelResourceCheck, s: string) => r.with({ fieldSelector: s }))
    .registerFunction(`${A}.ResourceCheck.labelSelector(string): ${A}.ResourceCheck`, (r: CelResourceCheck, s: string) => r.with({ labelSelector: s }))
    .registerFunction(`${A}.ResourceCheck.check(string): ${A}.Decision`, (r: CelResourceCheck, verb: string) => r.check(verb))
    .registerFunction(`${A}.PathCheck.check(string): ${A}.Decision`, (p: CelPathCheck, verb: string) => p.check(verb))
    .registerFunction(`${A}.Decision.allowed(): bool`, (d: CelDecision) => d.allowed)
    .registerFunction(`${A}.Decision.reason(): string`, (d: CelDecision) => d.reason)
    .registerFunction(`${A}.Decision.errored(): bool`, (d: CelDecision) => d.error !== "")
    .registerFunction(`${A}.Decision.error(): string`, (d: CelDecision) => d.error);
}
