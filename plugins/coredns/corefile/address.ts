import { CorefileError } from "./parse.js";

/** A server block key, normalised: `cluster.local:53` → zone `cluster.local.`, port 53, transport `dns`. */
export interface ZoneAddress {
  /** Fully qualified, lower case, with the trailing dot (`.` for the root). */
  readonly zone: string;
  readonly port: number;
  readonly transport: "dns";
}

/** Lower-cases a name and gives it its trailing dot (`Web.Default` → `web.default.`; `` and `.` → `.`). */
export function fqdn(name: string): string {
  const lower = name.toLowerCase();
  if (lower === "" || lower === ".") return ".";
  return lower.endsWith(".") ? lower : `${lower}.`;
}

/** True when `name` equals `zone` or lies below it (both fully qualified). */
export function isSubdomain(zone: string, name: string): boolean {
  if (zone === ".") return true;
  return name === zone || (name.endsWith(zone) && name[name.length - zone.length - 1] === ".");
}

/** The longest of `zones` that `name` falls in, or undefined. */
export function matchZone(zones: readonly string[], name: string): string | undefined {
  let best: string | undefined;
  for (const z of zones) if (isSubdomain(z, name) && (best === undefined || z.length > best.length)) best = z;
  return best;
}

/** The reverse zones of an IPv4 CIDR on an octet boundary (`10.0.0.0/24` → `0.0.10.in-addr.arpa.`); wider prefixes expand. */
export function cidrToReverseZones(cidr: string): string[] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const whole = Math.floor(bits / 8);
  const spare = bits % 8;
  const base = octets.slice(0, whole);
  if (spare === 0) return [`${[...base].reverse().join(".")}${base.length ? "." : ""}in-addr.arpa.`];
  const first = octets[whole]! & (0xff << (8 - spare)) & 0xff;
  const out: string[] = [];
  for (let v = first; v < first + (1 << (8 - spare)); v++) out.push(`${[...base, v].reverse().join(".")}.in-addr.arpa.`);
  return out;
}

/**
 * Normalises a server block key as CoreDNS does: an optional `dns://` transport, a zone (or an
 * IPv4 CIDR, expanded to its reverse zones), an optional `:port` (default `defaultPort`).
 */
export function parseZoneAddress(key: string, line: number, defaultPort = 53): ZoneAddress[] {
  let rest = key;
  const scheme = /^([a-z]+):\/\//.exec(rest);
  if (scheme) {
    if (scheme[1] !== "dns") throw new CorefileError(line, `transport ${scheme[1]}:// is not supported by kubesim's CoreDNS (only dns://)`);
    rest = rest.slice(scheme[0].length);
  }
  let port = defaultPort;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    const p = rest.slice(colon + 1);
    if (!/^\d+$/.test(p) || Number(p) > 65535) throw new CorefileError(line, `invalid port '${p}' in server block key '${key}'`);
    port = Number(p);
    rest = rest.slice(0, colon);
  }
  if (rest === "") rest = ".";
  if (rest.includes("/")) {
    const zones = cidrToReverseZones(rest);
    if (!zones) throw new CorefileError(line, `invalid CIDR '${rest}' in server block key '${key}'`);
    return zones.map((zone) => ({ zone, port, transport: "dns" as const }));
  }
  if (!/^[A-Za-z0-9_.*-]+$/.test(rest)) throw new CorefileError(line, `invalid zone '${rest}' in server block key '${key}'`);
  return [{ zone: fqdn(rest), port, transport: "dns" }];
}
