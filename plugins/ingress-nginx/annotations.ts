import ipaddr from "ipaddr.js";

/** The annotation prefix ingress-nginx reads (`--annotations-prefix`). */
export const ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io/";

/** ingress-nginx's load-balancing algorithms (`load-balance` annotation and ConfigMap key; balancer.lua's implementations). */
export const LOAD_BALANCE_ALGORITHMS = ["round_robin", "chash", "chashsubset", "sticky_balanced", "sticky_persistent", "ewma"] as const;
export type LoadBalance = (typeof LOAD_BALANCE_ALGORITHMS)[number];

/** The per-Ingress settings ingress-nginx takes from `nginx.ingress.kubernetes.io/*` annotations. */
export interface IngressAnnotations {
  rewriteTarget?: string;
  useRegex: boolean;
  /** undefined: the default (redirect when the host has TLS). */
  sslRedirect?: boolean;
  forceSslRedirect: boolean;
  backendProtocol: "HTTP" | "HTTPS" | "GRPC" | "GRPCS" | "AUTO_HTTP" | "FCGI";
  /** Bytes; 0 disables the check. Default 1m (nginx's client_max_body_size). */
  proxyBodySize: number;
  /** The raw `proxy-body-size` value, for nginx.conf. */
  proxyBodySizeText: string;
  /** Client CIDRs allowed (whitelist-source-range / allowlist-source-range); undefined: everyone. */
  allowSourceRange?: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
  allowSourceRangeText?: string;
  canary: boolean;
  canaryWeight?: number;
  canaryWeightTotal: number;
  canaryByHeader?: string;
  canaryByHeaderValue?: string;
  affinity?: "cookie";
  sessionCookieName: string;
  sessionCookiePath?: string;
  sessionCookieMaxAge?: number;
  customHttpErrors: readonly number[];
  permanentRedirect?: string;
  permanentRedirectCode: number;
  temporalRedirect?: string;
  /** `load-balance`: the algorithm of the upstreams this Ingress creates; undefined: the ConfigMap's (round_robin by default). */
  loadBalance?: LoadBalance;
}

/** An annotation with a value ingress-nginx refuses (the admission webhook words it this way). */
export class AnnotationError extends Error {
  override readonly name = "AnnotationError";
}

const UNITS: Record<string, number> = { "": 1, k: 1024, K: 1024, m: 1024 * 1024, M: 1024 * 1024, g: 1024 ** 3, G: 1024 ** 3 };

/** nginx's size syntax: `8m`, `512k`, `1024`; `0` disables. Undefined when malformed. */
export function parseNginxSize(text: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

function invalid(name: string): AnnotationError {
  return new AnnotationError(`annotation ${ANNOTATION_PREFIX}${name} contains invalid value`);
}

function bool(a: Readonly<Record<string, string>>, name: string): boolean | undefined {
  const v = a[ANNOTATION_PREFIX + name];
  if (v === undefined) return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw invalid(name);
}

function int(a: Readonly<Record<string, string>>, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = a[ANNOTATION_PREFIX + name];
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw invalid(name);
  const n = Number(v);
  if (n < min || n > max) throw invalid(name);
  return n;
}

const BACKEND_PROTOCOLS = new Set(["HTTP", "HTTPS", "GRPC", "GRPCS", "AUTO_HTTP", "FCGI"]);

/** Reads an Ingress's annotations; throws {@link AnnotationError} naming the first bad one. */
export function parseAnnotations(annotations: Readonly<Record<string, string>> = {}): IngressAnnotations {
  const a = annotations;
  const get = (name: string): string | undefined => a[ANNOTATION_PREFIX + name];
  const bodyText = get("proxy-body-size") ?? "1m";
  const body = parseNginxSize(bodyText);
  if (body === undefined) throw invalid("proxy-body-size");
  const rangesText = get("whitelist-source-range") ?? get("allowlist-source-range");
  let ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] | undefined;
  if (rangesText !== undefined) {
    ranges = [];
    for (const part of rangesText.split(",").map((s) => s.trim()).filter(Boolean)) {
      try {
        ranges.push(part.includes("/") ? ipaddr.parseCIDR(part) : [ipaddr.parse(part), ipaddr.parse(part).kind() === "ipv4" ? 32 : 128]);
      } catch {
        throw new AnnotationError(`annotation ${ANNOTATION_PREFIX}whitelist-source-range contains invalid value: the annotation does not contain a valid IP address or network: invalid CIDR address: ${part}`);
      }
    }
  }
  const protocol = (get("backend-protocol") ?? "HTTP").toUpperCase();
  if (!BACKEND_PROTOCOLS.has(protocol)) throw invalid("backend-protocol");
  const affinity = get("affinity");
  if (affinity !== undefined && affinity !== "cookie") throw invalid("affinity");
  const errors = get("custom-http-errors");
  const customHttpErrors = errors === undefined ? [] : errors.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    if (!/^[1-5]\d\d$/.test(s)) throw invalid("custom-http-errors");
    return Number(s);
  });
  const rewriteTarget = get("rewrite-target");
  const weightTotal = int(a, "canary-weight-total", 1) ?? 100;
  const out: IngressAnnotations = {
    useRegex: (bool(a, "use-regex") ?? false) || rewriteTarget !== undefined,
    forceSslRedirect: bool(a, "force-ssl-redirect") ?? false,
    backendProtocol: protocol as IngressAnnotations["backendProtocol"],
    proxyBodySize: body,
    proxyBodySizeText: bodyText,
    canary: bool(a, "canary") ?? false,
    canaryWeightTotal: weightTotal,
    sessionCookieName: get("session-cookie-name") ?? "INGRESSCOOKIE",
    customHttpErrors,
    permanentRedirectCode: int(a, "permanent-redirect-code", 300, 308) ?? 301,
  };
  if (rewriteTarget !== undefined) out.rewriteTarget = rewriteTarget;
  const ssl = bool(a, "ssl-redirect");
  if (ssl !== undefined) out.sslRedirect = ssl;
  if (ranges) {
    out.allowSourceRange = ranges;
    out.allowSourceRangeText = rangesText!;
  }
  const weight = int(a, "canary-weight", 0, weightTotal);
  if (weight !== undefined) out.canaryWeight = weight;
  const header = get("canary-by-header");
  if (header !== undefined) out.canaryByHeader = header;
  const headerValue = get("canary-by-header-value");
  if (headerValue !== undefined) out.canaryByHeaderValue = headerValue;
  if (affinity === "cookie") out.affinity = "cookie";
  const cookiePath = get("session-cookie-path");
  if (cookiePath !== undefined) out.sessionCookiePath = cookiePath;
  const maxAge = int(a, "session-cookie-max-age", 0);
  if (maxAge !== undefined) out.sessionCookieMaxAge = maxAge;
  const permanent = get("permanent-redirect");
  if (permanent !== undefined) out.permanentRedirect = permanent;
  const balance = get("load-balance")?.trim();
  if (balance !== undefined) {
    if (!(LOAD_BALANCE_ALGORITHMS as readonly string[]).includes(balance)) throw invalid("load-balance");
    out.loadBalance = balance as LoadBalance;
  }
  const temporal = get("temporal-redirect");
  if (temporal !== undefined) out.temporalRedirect = temporal;
  return out;
}

/** True when `address` falls in one of `ranges`. */
export function inRanges(address: string, ranges: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return false;
  }
  return ranges.some(([net, bits]) => ip.kind() === net.kind() && ip.match(net, bits));
}
