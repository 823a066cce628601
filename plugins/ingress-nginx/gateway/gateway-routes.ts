import type { Condition } from "kubernetes-types/meta/v1.js";
import type { Namespace, Service } from "kubernetes-types/core/v1.js";
import type { ServiceBackend } from "../routing-model.js";
import type { Gateway, GatewayClass, GRPCRoute, GRPCRouteMatch, HTTPBackendRef, HTTPRoute, HTTPRouteFilter, HTTPRouteMatch, HTTPRouteRule, Listener, ParentReference, ReferenceGrant, RouteParentStatus } from "./types.js";
import { GATEWAY_API_VERSION, GATEWAY_GROUP } from "./crds.js";

/** A backendRef as resolved: a Service port, or why it cannot be used (requests to it get 500). */
export interface ResolvedBackend {
  readonly weight: number;
  readonly backend?: ServiceBackend;
  readonly invalid?: "BackendNotFound" | "RefNotPermitted" | "InvalidKind";
}

/** One match of one rule of an attached HTTPRoute, with what decides its precedence. */
export interface CompiledMatch {
  readonly route: HTTPRoute | GRPCRoute;
  /** A GRPCRoute's match (its method match as a path match): proxied to the backend over HTTP/2 (h2c). */
  readonly grpc?: boolean;
  readonly ruleIndex: number;
  readonly match: HTTPRouteMatch;
  readonly filters: readonly HTTPRouteFilter[];
  readonly backends: readonly ResolvedBackend[];
  /** The route's hostnames as intersected with the listener's (empty: any host). */
  readonly hostnames: readonly string[];
}

/** The HTTP or HTTPS side of the controller: what its Gateways' listeners of that protocol serve. */
export interface GatewayRoutes {
  readonly http: readonly CompiledMatch[];
  readonly https: readonly CompiledMatch[];
  /** The GRPCRoutes' matches on the HTTP and HTTPS listeners (tried first for gRPC requests). */
  readonly grpc: { readonly http: readonly CompiledMatch[]; readonly https: readonly CompiledMatch[] };
  /** `namespace/name` of the TLS Secret of an HTTPS listener, by listener hostname ("" for none). */
  readonly certificates: ReadonlyMap<string, string>;
}

/** What the status writer publishes for each object. */
export interface GatewayStatuses {
  readonly classes: Map<string, Condition[]>;
  readonly gateways: Map<string, { conditions: Condition[]; listeners: { name: string; attachedRoutes: number; conditions: Condition[] }[] }>;
  readonly routes: Map<string, RouteParentStatus[]>;
  readonly grpcRoutes: Map<string, RouteParentStatus[]>;
}

export interface GatewayInputs {
  controllerName: string;
  classes: readonly GatewayClass[];
  gateways: readonly Gateway[];
  routes: readonly HTTPRoute[];
  grpcRoutes?: readonly GRPCRoute[];
  grants: readonly ReferenceGrant[];
  services: (namespace: string, name: string) => Service | undefined;
  namespace: (name: string) => Namespace | undefined;
  secretExists: (namespace: string, name: string) => boolean;
  /** Whether the controller has an address to publish (Programmed waits for one). Default true. */
  hasAddress?: boolean;
  now: string;
}

function cond(type: string, ok: boolean, reason: string, message: string, generation: number | undefined, now: string): Condition {
  return { type, status: ok ? "True" : "False", reason, message, lastTransitionTime: now, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}

const key = (o: { metadata?: { namespace?: string; name?: string } }): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata?.name ?? "");

/** Does a listener hostname (maybe `*.x`) admit `host` (maybe `*.y`)? Wildcards are suffix matches of at least one label. */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1);
    if (host.startsWith("*.")) return host.slice(1).endsWith(suffix);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  if (host.startsWith("*.")) return hostnameMatches(host, pattern);
  return pattern === host;
}

/** The hostnames a route gets on a listener: the intersection, or undefined when there is none. */
function intersect(listener: Listener, routeHosts: readonly string[]): string[] | undefined {
  if (!listener.hostname) return [...routeHosts];
  if (routeHosts.length === 0) return [listener.hostname];
  const out: string[] = [];
  for (const h of routeHosts) {
    if (hostnameMatches(listener.hostname, h)) out.push(h.startsWith("*.") && !listener.hostname.startsWith("*.") ? listener.hostname : h.startsWith("*.") && listener.hostname.startsWith("*.") && listener.hostname.length > h.length ? listener.hostname : h);
  }
  return out.length ? out : undefined;
}

function parentMatches(ref: ParentReference, routeNs: string, gw: Gateway, listener: Listener): boolean {
  if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (ref.kind ?? "Gateway") !== "Gateway") return false;
  if (ref.name !== gw.metadata?.name || (ref.namespace ?? routeNs) !== gw.metadata?.namespace) return false;
  if (ref.sectionName && ref.sectionName !== listener.name) return false;
  if (ref.port !== undefined && ref.port !== listener.port) return false;
  return true;
}

function namespaceAllowed(listener: Listener, gw: Gateway, routeNs: string, inputs: GatewayInputs): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
  if (from === "All") return true;
  if (from === "Same") return routeNs === gw.metadata?.namespace;
  const labels = inputs.namespace(routeNs)?.metadata?.labels ?? {};
  return Object.entries(listener.allowedRoutes?.namespaces?.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Does a ReferenceGrant in `toNs` let `fromKind` objects of `fromNs` refer to the core `toKind` named `name`? */
function granted(grants: readonly ReferenceGrant[], fromKind: "HTTPRoute" | "GRPCRoute" | "Gateway", fromNs: string, toNs: string, toKind: "Service" | "Secret", name: string): boolean {
  return grants.some(
    (g) =>
      g.metadata?.namespace === toNs &&
      (g.spec?.from ?? []).some((f) => f.group === GATEWAY_GROUP && f.kind === fromKind && f.namespace === fromNs) &&
      (g.spec?.to ?? []).some((t) => (t.group ?? "") === "" && t.kind === toKind && (!t.name || t.name === name)),
  );
}

function resolveBackend(ref: HTTPBackendRef, routeNs: string, inputs: GatewayInputs, kind: "HTTPRoute" | "GRPCRoute"): ResolvedBackend {
  const weight = ref.weight ?? 1;
  if ((ref.group ?? "") !== "" || (ref.kind ?? "Service") !== "Service") return { weight, invalid: "InvalidKind" };
  const ns = ref.namespace ?? routeNs;
  if (ns !== routeNs && !granted(inputs.grants, kind, routeNs, ns, "Service", ref.name)) return { weight, invalid: "RefNotPermitted" };
  const svc = inputs.services(ns, ref.name);
  if (!svc || !(svc.spec?.ports ?? []).some((p) => p.port === ref.port)) return { weight, invalid: "BackendNotFound" };
  return { weight, backend: { namespace: ns, service: ref.name, port: { number: ref.port! } } };
}

/**
 * Compiles the Gateways of the controller's GatewayClasses and the HTTPRoutes attached to their
 * listeners into the matches it serves, and the status conditions the Gateway API asks for
 * (GatewayClass Accepted; Gateway Accepted/Programmed with per-listener attachedRoutes and
 * ResolvedRefs; HTTPRoute Accepted/ResolvedRefs per parent).
 */
export function compileGateways(inputs: GatewayInputs): { routes: GatewayRoutes; statuses: GatewayStatuses } {
  const classes = new Map<string, Condition[]>();
  const ours = new Set<string>();
  for (const gc of inputs.classes) {
    if (gc.spec?.controllerName !== inputs.controllerName) continue;
    ours.add(gc.metadata?.name ?? "");
    // Accepted, and SupportedVersion for the installed CRDs' bundle version (GatewayClass conditions since v1.1).
    classes.set(key(gc), [cond("Accepted", true, "Accepted", "Accepted", gc.metadata?.generation, inputs.now), cond("SupportedVersion", true, "SupportedVersion", `Gateway API CRD bundle version ${GATEWAY_API_VERSION} is supported`, gc.metadata?.generation, inputs.now)]);
  }
  const http: CompiledMatch[] = [];
  const https: CompiledMatch[] = [];
  const certificates = new Map<string, string>();
  const gateways: GatewayStatuses["gateways"] = new Map();
  const routeParents = new Map<string, RouteParentStatus[]>();
  const ourGateways = inputs.gateways.filter((g) => ours.has(g.spec?.gatewayClassName ?? ""));
  const attachedCount = new Map<string, number>();

  const grpcHttp: CompiledMatch[] = [];
  const grpcHttps: CompiledMatch[] = [];
  const grpcRouteParents = new Map<string, RouteParentStatus[]>();
  const all: { route: HTTPRoute | GRPCRoute; kind: "HTTPRoute" | "GRPCRoute"; rules: readonly HTTPRouteRule[] }[] = [
    ...inputs.routes.map((route) => ({ route, kind: "HTTPRoute" as const, rules: route.spec?.rules ?? [] })),
    ...(inputs.grpcRoutes ?? []).map((route) => ({ route, kind: "GRPCRoute" as const, rules: (route.spec?.rules ?? []).map((r) => ({ filters: r.filters, backendRefs: r.backendRefs, matches: (r.matches?.length ? r.matches : [{}]).map(grpcMatchAsHttp) })) })),
  ];
  for (const { route, kind, rules } of all) {
    const grpc = kind === "GRPCRoute";
    const routeNs = route.metadata?.namespace ?? "default";
    const gen = route.metadata?.generation;
    const parents: RouteParentStatus[] = [];
    const resolvedRules = rules.map((rule) => (rule.backendRefs ?? []).map((b) => resolveBackend(b, routeNs, inputs, kind)));
    const badRef = resolvedRules.flat().find((b) => b.invalid);
    for (const ref of route.spec?.parentRefs ?? []) {
      const gw = ourGateways.find((g) => g.metadata?.name === ref.name && g.metadata?.namespace === (ref.namespace ?? routeNs));
      if (!gw) continue; // another controller's parent: not ours to report
      let accepted: { ok: boolean; reason: string; message: string } = { ok: false, reason: "NoMatchingParent", message: "No listener matches the parentRef" };
      for (const listener of gw.spec?.listeners ?? []) {
        if (!parentMatches(ref, routeNs, gw, listener)) continue;
        if (!namespaceAllowed(listener, gw, routeNs, inputs)) {
          if (!accepted.ok) accepted = { ok: false, reason: "NotAllowedByListeners", message: "Route is not allowed by the listener's allowedRoutes" };
          continue;
        }
        const hostnames = intersect(listener, route.spec?.hostnames ?? []);
        if (!hostnames) {
          if (!accepted.ok) accepted = { ok: false, reason: "NoMatchingListenerHostname", message: "No hostnames match the listener's hostname" };
          continue;
        }
        accepted = { ok: true, reason: "Accepted", message: "Route is accepted" };
        const lk = `${key(gw)}/${listener.name}`;
        attachedCount.set(lk, (attachedCount.get(lk) ?? 0) + 1);
        const target = listener.protocol === "HTTPS" ? (grpc ? grpcHttps : https) : listener.protocol === "HTTP" ? (grpc ? grpcHttp : http) : undefined;
        if (!target) continue;
        rules.forEach((rule, ruleIndex) => {
          const matches = rule.matches?.length ? rule.matches : [{ path: { type: "PathPrefix" as const, value: "/" } }];
          for (const match of matches) target.push({ route, ruleIndex, match, filters: rule.filters ?? [], backends: resolvedRules[ruleIndex]!, hostnames, ...(grpc ? { grpc } : {}) });
        });
      }
      parents.push({
        parentRef: ref,
        controllerName: inputs.controllerName,
        conditions: [
          cond("Accepted", accepted.ok, accepted.reason, accepted.message, gen, inputs.now),
          badRef ? cond("ResolvedRefs", false, badRef.invalid!, badRef.invalid === "RefNotPermitted" ? "Backend reference not permitted by any ReferenceGrant" : badRef.invalid === "InvalidKind" ? "Backend kind is not supported" : "Backend service or port not found", gen, inputs.now) : cond("ResolvedRefs", true, "ResolvedRefs", "Resolved all the Object references for the Route", gen, inputs.now),
        ],
      });
    }
    if (parents.length) (grpc ? grpcRouteParents : routeParents).set(key(route), parents);
  }

  for (const gw of ourGateways) {
    const gen = gw.metadata?.generation;
    const listeners = (gw.spec?.listeners ?? []).map((l) => {
      let refsOk = true;
      let reason = "ResolvedRefs";
      let refMessage = "";
      if (l.protocol === "HTTPS") {
        const refs = l.tls?.certificateRefs ?? [];
        const ref = refs[0];
        const gwNs = gw.metadata?.namespace ?? "default";
        const ns = ref?.namespace ?? gwNs;
        if (ref && ns !== gwNs && !granted(inputs.grants, "Gateway", gwNs, ns, "Secret", ref.name)) {
          refsOk = false;
          reason = "RefNotPermitted";
          refMessage = `certificateRef to Secret ${ns}/${ref.name} is not permitted by any ReferenceGrant`;
        } else if (!ref || (ref.kind ?? "Secret") !== "Secret" || (ref.group ?? "") !== "" || !inputs.secretExists(ns, ref.name)) {
          refsOk = false;
          reason = "InvalidCertificateRef";
          refMessage = "certificateRefs must name an existing kubernetes.io/tls Secret";
        } else certificates.set(l.hostname ?? "", `${ns}/${ref.name}`);
      }
      const supported = l.protocol === "HTTP" || l.protocol === "HTTPS";
      return {
        name: l.name,
        attachedRoutes: attachedCount.get(`${key(gw)}/${l.name}`) ?? 0,
        conditions: [
          cond("Accepted", supported, supported ? "Accepted" : "UnsupportedProtocol", supported ? "Listener is accepted" : `protocol ${l.protocol} is not supported`, gen, inputs.now),
          cond("Programmed", supported && refsOk, supported && refsOk ? "Programmed" : "Invalid", supported && refsOk ? "Listener is programmed" : "Listener is not valid", gen, inputs.now),
          cond("ResolvedRefs", refsOk, reason, refsOk ? "Resolved all the Object references for the Listener" : refMessage, gen, inputs.now),
          cond("Conflicted", false, "NoConflicts", "No conflicts", gen, inputs.now),
        ],
      };
    });
    // Gateway-level: Accepted unless no listener is valid (ListenersNotValid also names a partly valid
    // Gateway); Programmed once a listener is and the Gateway has an address (else AddressNotAssigned).
    const valid = listeners.filter((l) => l.conditions[0]!.status === "True").length;
    const programmedListeners = listeners.filter((l) => l.conditions[1]!.status === "True").length;
    const hasAddress = inputs.hasAddress ?? true;
    gateways.set(key(gw), {
      conditions: [
        valid === listeners.length ? cond("Accepted", true, "Accepted", "Gateway is accepted", gen, inputs.now) : cond("Accepted", valid > 0, "ListenersNotValid", `${listeners.length - valid} of ${listeners.length} listeners are not valid`, gen, inputs.now),
        !hasAddress ? cond("Programmed", false, "AddressNotAssigned", "No address has been assigned to the Gateway yet", gen, inputs.now) : programmedListeners > 0 ? cond("Programmed", true, "Programmed", "Gateway is programmed", gen, inputs.now) : cond("Programmed", false, "Invalid", "No listener is programmed", gen, inputs.now),
      ],
      listeners,
    });
  }
  return {
    routes: { http: http.sort(precedence), https: https.sort(precedence), grpc: { http: grpcHttp.sort(grpcPrecedence), https: grpcHttps.sort(grpcPrecedence) }, certificates },
    statuses: { classes, gateways, routes: routeParents, grpcRoutes: grpcRouteParents },
  };
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A GRPCRoute match as the request path it selects (gRPC calls are `POST /<service>/<method>`):
 * Exact service and method → that path; one of them → the other any name; RegularExpression → the
 * two expressions in their places; no method match → every call. Header matches carry over.
 */
function grpcMatchAsHttp(m: GRPCRouteMatch): HTTPRouteMatch & { grpcSpecificity: [number, number] } {
  const service = m.method?.service;
  const method = m.method?.method;
  const regex = m.method?.type === "RegularExpression";
  const part = (v: string | undefined): string => (v === undefined ? "[^/]+" : regex ? v : escapeRegex(v));
  const path: HTTPRouteMatch["path"] = service === undefined && method === undefined ? { type: "PathPrefix", value: "/" } : !regex && service !== undefined && method !== undefined ? { type: "Exact", value: `/${service}/${method}` } : { type: "RegularExpression", value: `/${part(service)}/${part(method)}` };
  return { path, ...(m.headers?.length ? { headers: m.headers } : {}), grpcSpecificity: [service?.length ?? 0, method?.length ?? 0] };
}

/** The ties of both route kinds' precedence: the oldest route, then by namespace/name, then rule order. */
function routeOrder(a: CompiledMatch, b: CompiledMatch): number {
  const ta = a.route.metadata?.creationTimestamp ?? "";
  const tb = b.route.metadata?.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = key(a.route);
  const kb = key(b.route);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.ruleIndex - b.ruleIndex;
}

/** GRPCRoute precedence: longest service match, longest method, most header matches, oldest route, name, rule order. */
function grpcPrecedence(a: CompiledMatch, b: CompiledMatch): number {
  const spec = (c: CompiledMatch): [number, number] => (c.match as { grpcSpecificity?: [number, number] }).grpcSpecificity ?? [0, 0];
  const [sa, ma] = spec(a);
  const [sb, mb] = spec(b);
  if (sa !== sb) return sb - sa;
  if (ma !== mb) return mb - ma;
  const h = (m: HTTPRouteMatch): number => m.headers?.length ?? 0;
  if (h(a.match) !== h(b.match)) return h(b.match) - h(a.match);
  return routeOrder(a, b);
}

/** Gateway API match precedence: Exact path, longest prefix, method, most headers, most query params, oldest route, name, rule order. */
function precedence(a: CompiledMatch, b: CompiledMatch): number {
  const pt = (m: HTTPRouteMatch): number => (m.path?.type === "Exact" ? 0 : m.path?.type === "RegularExpression" ? 2 : 1);
  if (pt(a.match) !== pt(b.match)) return pt(a.match) - pt(b.match);
  const len = (m: HTTPRouteMatch): number => (m.path?.value ?? "/").length;
  if (len(a.match) !== len(b.match)) return len(b.match) - len(a.match);
  const method = (m: HTTPRouteMatch): number => (m.method ? 1 : 0);
  if (method(a.match) !== method(b.match)) return method(b.match) - method(a.match);
  const h = (m: HTTPRouteMatch): number => m.headers?.length ?? 0;
  if (h(a.match) !== h(b.match)) return h(b.match) - h(a.match);
  const q = (m: HTTPRouteMatch): number => m.queryParams?.length ?? 0;
  if (q(a.match) !== q(b.match)) return q(b.match) - q(a.match);
  return routeOrder(a, b);
}

function pathMatches(m: HTTPRouteMatch, path: string): boolean {
  const type = m.path?.type ?? "PathPrefix";
  const value = m.path?.value ?? "/";
  if (type === "Exact") return path === value;
  if (type === "RegularExpression") {
    try {
      return new RegExp(`^(?:${value})$`).test(path);
    } catch {
      return false;
    }
  }
  const p = value.length > 1 && value.endsWith("/") ? value.slice(0, -1) : value;
  return p === "/" || path === p || path.startsWith(p + "/");
}

function valueMatches(type: string | undefined, want: string, got: string | undefined): boolean {
  if (got === undefined) return false;
  if (type === "RegularExpression") {
    try {
      return new RegExp(`^(?:${want})$`).test(got);
    } catch {
      return false;
    }
  }
  return got === want;
}

/** How specific a route hostname is for `host`: 2 exact, 1 wildcard (longer suffix wins by tiebreak), 0 any host, -1 no match. */
function hostScore(hostnames: readonly string[], host: string): number {
  if (hostnames.length === 0) return 0;
  let best = -1;
  for (const h of hostnames) {
    if (h === host) return 1_000;
    if (h.startsWith("*.") && hostnameMatches(h, host)) best = Math.max(best, h.length);
  }
  return best;
}

/** The match that serves a request, as the Gateway API orders them (most specific hostname first). */
export function findGatewayMatch(matches: readonly CompiledMatch[], req: { host: string; path: string; query: URLSearchParams; method: string; headers: Readonly<Record<string, string>> }): CompiledMatch | undefined {
  let best: CompiledMatch | undefined;
  let bestScore = -1;
  for (const c of matches) {
    const score = hostScore(c.hostnames, req.host);
    if (score < 0 || score <= bestScore) continue;
    const m = c.match;
    if (!pathMatches(m, req.path)) continue;
    if (m.method && m.method !== req.method) continue;
    if (!(m.headers ?? []).every((h) => valueMatches(h.type, h.value, req.headers[h.name.toLowerCase()]))) continue;
    if (!(m.queryParams ?? []).every((q) => valueMatches(q.type, q.value, req.query.get(q.name) ?? undefined))) continue;
    best = c;
    bestScore = score;
  }
  return best;
}

/** The path after a ReplacePrefixMatch/ReplaceFullPath modifier, given the match that selected the rule. */
export function modifyPath(path: string, match: HTTPRouteMatch, modifier: { type: string; replaceFullPath?: string; replacePrefixMatch?: string }): string {
  if (modifier.type === "ReplaceFullPath") return modifier.replaceFullPath ?? "/";
  const prefix = match.path?.value ?? "/";
  const replacement = modifier.replacePrefixMatch ?? "/";
  const rest = path.slice(prefix.endsWith("/") ? prefix.length - 1 : prefix.length);
  const joined = (replacement.endsWith("/") ? replacement.slice(0, -1) : replacement) + rest;
  return joined === "" ? "/" : joined.startsWith("/") ? joined : `/${joined}`;
}
