import type { Ingress, IngressBackend } from "kubernetes-types/networking/v1.js";
import { parseAnnotations, type IngressAnnotations, type LoadBalance } from "./annotations.js";

/** A Service port an Ingress routes to. */
export interface ServiceBackend {
  readonly namespace: string;
  readonly service: string;
  /** The Service port, by number or by name. */
  readonly port: { readonly number?: number; readonly name?: string };
}

export type PathType = "Exact" | "Prefix" | "ImplementationSpecific";

/** Which Ingress a location came from (nginx.conf's `$namespace`, `$ingress_name`, and the access log). */
export interface IngressRef {
  readonly namespace: string;
  readonly name: string;
}

/** The canary half of a location (a `canary: "true"` Ingress with the same host and path). */
export interface CanaryRoute {
  readonly backend: ServiceBackend;
  readonly annotations: IngressAnnotations;
  readonly ingress: IngressRef;
  /** Its upstream's balancing algorithm. */
  readonly loadBalance: string;
}

/** One nginx `location`: a path of a host and where it goes. */
export interface Location {
  readonly path: string;
  readonly pathType: PathType;
  readonly ingress: IngressRef;
  /** undefined: the controller's default backend (404). */
  readonly backend: ServiceBackend | undefined;
  readonly annotations: IngressAnnotations;
  /**
   * Its upstream's balancing algorithm: the `load-balance` annotation of the oldest Ingress naming
   * that upstream, else the ConfigMap's `load-balance` (round_robin), as ingress-nginx sets it per upstream.
   */
  readonly loadBalance: string;
  canary?: CanaryRoute;
  /** Set when the server matches by regex (use-regex / rewrite-target on any of its Ingresses). */
  regex?: RegExp;
}

/** One nginx `server`: a host (or the catch-all `_`) with its locations, most specific first. */
export interface Server {
  readonly hostname: string;
  locations: Location[];
  /** `namespace/name` of the kubernetes.io/tls Secret serving this host. */
  tlsSecret?: string;
  useRegex: boolean;
}

/** What the controller serves: nginx's servers, found by Host. */
export interface RoutingModel {
  readonly servers: ReadonlyMap<string, Server>;
  /** Wildcard servers (`*.example.com`), matched on exactly one leading label. */
  readonly wildcards: readonly Server[];
  readonly catchAll: Server;
  /** Ingresses or parts of them skipped, with why (bad annotations, resource backends, bad regexes): logged by the controller. */
  readonly skipped: readonly { ingress: IngressRef; reason: string }[];
}

const DEFAULTS = parseAnnotations({});

/** The controller ConfigMap's settings the routing model depends on. */
export interface RoutingConfig {
  /** `load-balance`: the algorithm of upstreams whose Ingress has no `load-balance` annotation (default round_robin). */
  readonly loadBalance?: string;
}

/**
 * Each upstream's balancing algorithm, as ingress-nginx's createUpstreams decides it: the first
 * Ingress (oldest first) naming the upstream sets it from its `load-balance` annotation, else the
 * ConfigMap's.
 */
function balancing(sorted: readonly Ingress[], fallback: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const ing of sorted) {
    let annotations: IngressAnnotations;
    try {
      annotations = parseAnnotations(ing.metadata?.annotations);
    } catch {
      continue;
    }
    const namespace = ing.metadata?.namespace ?? "default";
    const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend))];
    for (const b of backends) {
      const backend = toBackend(namespace, b);
      if (!backend || backend === "resource") continue;
      const name = upstreamName(backend);
      if (!out.has(name)) out.set(name, annotations.loadBalance ?? fallback);
    }
  }
  return out;
}

/** `ingress-nginx`'s upstream name for a backend: `<namespace>-<service>-<port>`. */
export function upstreamName(b: ServiceBackend | undefined): string {
  if (!b) return "upstream-default-backend";
  // Backends are immutable parts of a routing model: each one's name is built once, not per request.
  let name = UPSTREAM_NAMES.get(b);
  if (name === undefined) UPSTREAM_NAMES.set(b, (name = `${b.namespace}-${b.service}-${b.port.number ?? b.port.name ?? ""}`));
  return name;
}

const UPSTREAM_NAMES = new WeakMap<ServiceBackend, string>();

function toBackend(namespace: string, b: IngressBackend | undefined): ServiceBackend | undefined | "resource" {
  if (!b) return undefined;
  if (b.resource) return "resource";
  if (!b.service) return undefined;
  const port: { number?: number; name?: string } = {};
  if (b.service.port?.number !== undefined) port.number = b.service.port.number;
  if (b.service.port?.name !== undefined) port.name = b.service.port.name;
  return { namespace, service: b.service.name, port };
}

function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? "";
  const tb = b.metadata?.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata?.namespace}/${a.metadata?.name}`;
  const kb = `${b.metadata?.namespace}/${b.metadata?.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Longest path first; on equal length Exact before Prefix before ImplementationSpecific. */
function locationOrder(a: Location, b: Location): number {
  if (a.path.length !== b.path.length) return b.path.length - a.path.length;
  const rank = (t: PathType): number => (t === "Exact" ? 0 : t === "Prefix" ? 1 : 2);
  return rank(a.pathType) - rank(b.pathType);
}

/**
 * Builds the servers ingress-nginx would render from `ingresses` (already those of its class):
 * Ingresses for one host merge (the oldest wins a host+path both define), canary Ingresses attach
 * to the location they shadow, a rule-less Ingress's defaultBackend becomes the catch-all's, and a
 * per-Ingress defaultBackend serves its hosts' `/` when no rule does.
 */
export function buildRoutingModel(ingresses: readonly Ingress[], config: RoutingConfig = {}): RoutingModel {
  const servers = new Map<string, Server>();
  const catchAll: Server = { hostname: "_", locations: [], useRegex: false };
  const skipped: { ingress: IngressRef; reason: string }[] = [];
  const serverFor = (host: string | undefined): Server => {
    if (!host) return catchAll;
    const name = host.toLowerCase();
    let s = servers.get(name);
    if (!s) servers.set(name, (s = { hostname: name, locations: [], useRegex: false }));
    return s;
  };
  let catchAllDefault: { backend: ServiceBackend; ingress: IngressRef; annotations: IngressAnnotations } | undefined;
  const sorted = [...ingresses].sort(byAge);
  const fallback = config.loadBalance ?? "round_robin";
  const algorithms = balancing(sorted, fallback);
  const balanceOf = (b: ServiceBackend | undefined): string => (b ? (algorithms.get(upstreamName(b)) ?? fallback) : fallback);
  const canaries: { ing: Ingress; annotations: IngressAnnotations }[] = [];
  for (const ing of sorted) {
    const ref: IngressRef = { namespace: ing.metadata?.namespace ?? "default", name: ing.metadata?.name ?? "" };
    let annotations: IngressAnnotations;
    try {
      annotations = parseAnnotations(ing.metadata?.annotations);
    } catch (err) {
      skipped.push({ ingress: ref, reason: (err as Error).message });
      continue;
    }
    if (annotations.canary) {
      canaries.push({ ing, annotations });
      continue;
    }
    // A resource backend is no service backend: ingress-nginx ignores it (its path falls to what else matches, else the default backend).
    const given = toBackend(ref.namespace, ing.spec?.defaultBackend);
    if (given === "resource") skipped.push({ ingress: ref, reason: "spec.defaultBackend does not contain a service backend, using default backend" });
    const def = given === "resource" ? undefined : given;
    const rules = ing.spec?.rules ?? [];
    if (def && rules.length === 0 && !catchAllDefault) catchAllDefault = { backend: def, ingress: ref, annotations };
    const hosts = new Set<Server>();
    for (const rule of rules) {
      const server = serverFor(rule.host);
      hosts.add(server);
      if (annotations.useRegex) server.useRegex = true;
      for (const p of rule.http?.paths ?? []) {
        const backend = toBackend(ref.namespace, p.backend);
        if (backend === "resource") {
          skipped.push({ ingress: ref, reason: `path ${p.path ?? "/"} does not contain a service backend, using default backend` });
          continue;
        }
        const path = p.path || "/";
        const pathType = (p.pathType ?? "ImplementationSpecific") as PathType;
        if (server.locations.some((l) => l.path === path && l.pathType === pathType)) continue; // the older Ingress keeps it
        server.locations.push({ path, pathType, ingress: ref, backend, annotations, loadBalance: balanceOf(backend) });
      }
    }
    if (def) {
      for (const server of hosts) {
        if (!server.locations.some((l) => l.path === "/" && l.pathType !== "Exact")) server.locations.push({ path: "/", pathType: "Prefix", ingress: ref, backend: def, annotations, loadBalance: balanceOf(def) });
      }
    }
    for (const tls of ing.spec?.tls ?? []) {
      if (!tls.secretName) continue;
      const tlsHosts = tls.hosts?.length ? tls.hosts : rules.map((r) => r.host).filter((h): h is string => !!h);
      for (const h of tlsHosts) {
        const server = serverFor(h);
        server.tlsSecret ??= `${ref.namespace}/${tls.secretName}`;
      }
    }
  }
  for (const { ing, annotations } of canaries) {
    const ref: IngressRef = { namespace: ing.metadata?.namespace ?? "default", name: ing.metadata?.name ?? "" };
    for (const rule of ing.spec?.rules ?? []) {
      const server = rule.host ? servers.get(rule.host.toLowerCase()) : catchAll;
      for (const p of rule.http?.paths ?? []) {
        const backend = toBackend(ref.namespace, p.backend);
        if (!backend || backend === "resource") continue;
        const main = server?.locations.find((l) => l.path === (p.path || "/") && l.pathType === (p.pathType ?? "ImplementationSpecific"));
        if (main) main.canary ??= { backend, annotations, ingress: ref, loadBalance: balanceOf(backend) };
        else skipped.push({ ingress: ref, reason: `cannot merge alternative backend ${upstreamName(backend)} into hostname ${rule.host ?? "_"} that does not exist` });
      }
    }
  }
  catchAll.locations.push({ path: "/", pathType: "Prefix", ingress: catchAllDefault?.ingress ?? { namespace: "", name: "" }, backend: catchAllDefault?.backend, annotations: catchAllDefault?.annotations ?? DEFAULTS, loadBalance: balanceOf(catchAllDefault?.backend) });
  const wildcards: Server[] = [];
  for (const server of [...servers.values(), catchAll]) {
    // Every server has a root location; without a rule for it the default backend answers.
    if (!server.locations.some((l) => l.path === "/" && l.pathType !== "Exact")) server.locations.push({ path: "/", pathType: "Prefix", ingress: { namespace: "", name: "" }, backend: undefined, annotations: DEFAULTS, loadBalance: fallback });
    server.locations.sort(locationOrder);
    if (server.useRegex) {
      // A path that is no regex (stored before the webhook could refuse it) is dropped, as nginx -t would refuse the reload.
      server.locations = server.locations.filter((l) => {
        if (l.pathType === "Exact") return true;
        try {
          l.regex = new RegExp(`^${l.path}`, "i");
          return true;
        } catch {
          skipped.push({ ingress: l.ingress, reason: `path ${l.path} is not a valid regular expression` });
          return false;
        }
      });
    }
    if (server.hostname.startsWith("*.")) wildcards.push(server);
  }
  for (const w of wildcards) servers.delete(w.hostname);
  return { servers, wildcards, catchAll, skipped };
}

/** The server for a Host header: exact name, then a one-label wildcard, then the catch-all. */
export function findServer(model: RoutingModel, hostHeader: string | undefined): Server {
  const raw = hostHeader ?? "";
  // A plain name (no port, not an IPv6 literal) needs no rewriting, only lower-casing.
  const host = (raw.includes(":") || raw.startsWith("[") ? raw.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1") : raw).toLowerCase();
  const exact = model.servers.get(host);
  if (exact) return exact;
  const dot = host.indexOf(".");
  if (dot > 0) {
    const rest = host.slice(dot + 1);
    const wild = model.wildcards.find((w) => w.hostname.slice(2) === rest);
    if (wild) return wild;
  }
  return model.catchAll;
}

/** Element-wise prefix match: `/foo` matches `/foo`, `/foo/`, `/foo/bar`, not `/foobar`. */
function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.length > 1 && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  if (p === "/") return true;
  return path === p || path.startsWith(p + "/");
}

/**
 * The location nginx would pick for `path` (no query): an Exact location equal to it; else, on a
 * regex server, the first regex (case-insensitive, longest first) that matches; else the longest
 * Prefix (element-wise) or ImplementationSpecific (plain string prefix, as nginx's `location /x`).
 */
export function findLocation(server: Server, path: string): { location: Location; match?: RegExpExecArray } {
  for (const l of server.locations) if (l.pathType === "Exact" && l.path === path) return { location: l };
  if (server.useRegex) {
    for (const l of server.locations) {
      if (!l.regex) continue;
      const m = l.regex.exec(path);
      if (m) return { location: l, match: m };
    }
  } else {
    for (const l of server.locations) {
      if (l.pathType === "Prefix" && prefixMatches(l.path, path)) return { location: l };
      if (l.pathType === "ImplementationSpecific" && path.startsWith(l.path)) return { location: l };
    }
  }
  return { location: server.locations[server.locations.length - 1]! };
}

/** The plain-string form of a location for nginx.conf (`= /exact`, `/prefix/`, `~* "^/re"`). */
export function locationDirective(server: Server, l: Location): string {
  if (l.pathType === "Exact") return `= ${l.path}`;
  if (server.useRegex) return `~* "^${l.path}"`;
  if (l.pathType === "Prefix" && l.path !== "/" && !l.path.endsWith("/")) return `${l.path}/`;
  return l.path;
}
