import type { Environment } from "@marcbachmann/cel-js";
import ipaddr from "ipaddr.js";

/** A `net.URL` CEL value (url(string)). */
export class CelUrl {
  constructor(readonly url: URL, readonly text: string) {}
}

/** A `net.IP` CEL value. */
export class CelIp {
  constructor(readonly addr: ipaddr.IPv4 | ipaddr.IPv6) {}
}

/** A `net.CIDR` CEL value. */
export class CelCidr {
  constructor(readonly addr: ipaddr.IPv4 | ipaddr.IPv6, readonly bits: number, readonly text: string) {}
}

function parseUrl(s: string): CelUrl {
  // Go's url.ParseRequestURI: an absolute URI or an absolute path.
  try {
    if (s.startsWith("/")) return new CelUrl(new URL(s, "http://placeholder.invalid"), s);
    const u = new URL(s);
    return new CelUrl(u, s);
  } catch {
    throw new Error(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`);
  }
}

function isUrl(s: string): boolean {
  try {
    parseUrl(s);
    return true;
  } catch {
    return false;
  }
}

/** Go's net/netip parsing: dotted IPv4 without leading zeros, or IPv6 (no zone). */
function strictIp(s: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (s.includes("%")) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) {
    if (s.split(".").some((p) => p.length > 1 && p.startsWith("0"))) return undefined;
    return ipaddr.IPv4.parse(s);
  }
  if (s.includes(":") && ipaddr.IPv6.isValid(s)) return ipaddr.IPv6.parse(s);
  return undefined;
}

function parseIp(s: string): CelIp {
  const a = strictIp(s);
  if (!a) throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): unable to parse IP`);
  if (a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress()) throw new Error("IPv4-mapped IPv6 address is not allowed");
  return new CelIp(a);
}

function parseCidr(s: string): CelCidr {
  const slash = s.indexOf("/");
  const a = slash > 0 ? strictIp(s.slice(0, slash)) : undefined;
  const bits = slash > 0 && /^\d+$/.test(s.slice(slash + 1)) ? Number(s.slice(slash + 1)) : NaN;
  if (!a || !(bits >= 0 && bits <= (a.kind() === "ipv4" ? 32 : 128))) throw new Error(`network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(s)}): bad prefix`);
  return new CelCidr(a, bits, s);
}

function masked(c: CelCidr): CelCidr {
  const bytes = c.addr.toByteArray();
  for (let i = 0; i < bytes.length * 8; i++) if (i >= c.bits) bytes[i >> 3]! &= ~(0x80 >> (i & 7));
  const addr = ipaddr.fromByteArray(bytes);
  return new CelCidr(addr, c.bits, `${addr.toString()}/${c.bits}`);
}

function contains(c: CelCidr, ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return ip.kind() === c.addr.kind() && (ip as ipaddr.IPv4).match(c.addr as ipaddr.IPv4, c.bits);
}

const tryOr = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

/** The Kubernetes CEL url, ip and cidr libraries (k8s.io/apiserver/pkg/cel/library/{urls,ip,cidr}.go). */
export function registerKubernetesNetwork(env: Environment): void {
  env
    .registerType("net.URL", CelUrl)
    .registerFunction("url(string): net.URL", parseUrl)
    .registerFunction("isURL(string): bool", isUrl)
    .registerFunction("net.URL.getScheme(): string", (u: CelUrl) => (u.text.startsWith("/") ? "" : u.url.protocol.replace(/:$/, "")))
    .registerFunction("net.URL.getHost(): string", (u: CelUrl) => (u.text.startsWith("/") ? "" : u.url.host))
    .registerFunction("net.URL.getHostname(): string", (u: CelUrl) => (u.text.startsWith("/") ? "" : u.url.hostname.replace(/^\[(.*)\]$/, "$1")))
    .registerFunction("net.URL.getPort(): string", (u: CelUrl) => (u.text.startsWith("/") ? "" : u.url.port))
    .registerFunction("net.URL.getEscapedPath(): string", (u: CelUrl) => u.url.pathname)
    .registerFunction("net.URL.getQuery(): map<string, list<string>>", (u: CelUrl) => {
      const out: Record<string, string[]> = {};
      for (const [k, v] of u.url.searchParams) (out[k] ??= []).push(v);
      return out;
    })
    .registerType("net.IP", CelIp)
    .registerFunction("ip(string): net.IP", parseIp)
    .registerFunction("isIP(string): bool", (s: string) => tryOr(() => parseIp(s)))
    .registerFunction("net.IP.family(): int", (ip: CelIp) => (ip.addr.kind() === "ipv4" ? 4n : 6n))
    .registerFunction("net.IP.isUnspecified(): bool", (ip: CelIp) => ip.addr.range() === "unspecified")
    .registerFunction("net.IP.isLoopback(): bool", (ip: CelIp) => ip.addr.range() === "loopback")
    .registerFunction("net.IP.isLinkLocalMulticast(): bool", (ip: CelIp) => (ip.addr.kind() === "ipv4" ? contains(parseCidr("224.0.0.0/24"), ip.addr) : contains(parseCidr("ff02::/16"), ip.addr)))
    .registerFunction("net.IP.isLinkLocalUnicast(): bool", (ip: CelIp) => ip.addr.range() === "linkLocal")
    .registerFunction("net.IP.isGlobalUnicast(): bool", (ip: CelIp) => !["unspecified", "loopback", "linkLocal", "multicast", "broadcast"].includes(ip.addr.range()))
    .registerType("net.CIDR", CelCidr)
    .registerFunction("cidr(string): net.CIDR", parseCidr)
    .registerFunction("isCIDR(string): bool", (s: string) => tryOr(() => parseCidr(s)))
    .registerFunction("net.CIDR.containsIP(net.IP): bool", (c: CelCidr, ip: CelIp) => contains(c, ip.addr))
    .registerFunction("net.CIDR.containsIP(string): bool", (c: CelCidr, ip: string) => contains(c, parseIp(ip).addr))
    .registerFunction("net.CIDR.containsCIDR(net.CIDR): bool", (c: CelCidr, o: CelCidr) => o.bits >= c.bits && contains(c, o.addr))
    .registerFunction("net.CIDR.containsCIDR(string): bool", (c: CelCidr, s: string) => {
      const o = parseCidr(s);
      return o.bits >= c.bits && contains(c, o.addr);
    })
    .registerFunction("net.CIDR.ip(): net.IP", (c: CelCidr) => new CelIp(c.addr))
    .registerFunction("net.CIDR.masked(): net.CIDR", masked)
    .registerFunction("net.CIDR.prefixLength(): int", (c: CelCidr) => BigInt(c.bits))
    .registerOperator("net.IP == net.IP", (a: CelIp, b: CelIp) => a.addr.kind() === b.addr.kind() && a.addr.toString() === b.addr.toString())
    .registerOperator("net.CIDR == net.CIDR", (a: CelCidr, b: CelCidr) => a.bits === b.bits && a.addr.kind() === b.addr.kind() && a.addr.toString() === b.addr.toString())
    .registerOperator("net.URL == net.URL", (a: CelUrl, b: CelUrl) => a.text === b.text)
    .registerFunction("string(net.IP): string", (ip: CelIp) => ip.addr.toString())
    .registerFunction("string(net.CIDR): string", (c: CelCidr) => `${c.addr.toString()}/${c.bits}`);
}
