import ipaddr from "ipaddr.js";

/**
 * IPv4 addresses as unsigned 32-bit integers, for the arithmetic allocators do (offsets in a CIDR,
 * /24 blocks of a pod network). Parsing and validation are ipaddr.js's.
 */

/** `10.96.0.1` → 174063617. Throws on an invalid address. */
export function ipv4ToUint32(ip: string): number {
  const fast = plainDottedQuad(ip);
  if (fast >= 0) return fast;
  const b = ipaddr.IPv4.parse(ip).toByteArray();
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/**
 * A plain dotted quad (four decimal octets, no leading zeros) parsed without ipaddr.js — the form
 * every rule and object carries, on hot paths (iptables-restore of thousands of rules); -1 for
 * anything else, which ipaddr.js then parses or refuses.
 */
function plainDottedQuad(ip: string): number {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + octet;
}

/** 174063617 → `10.96.0.1`. */
export function uint32ToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The netmask of a prefix length as an integer (`/24` → 0xffffff00). */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** A CIDR's network address (as an integer, host bits cleared) and prefix length. */
export function parseIpv4Cidr(cidr: string): { network: number; prefix: number } {
  const slash = cidr.indexOf("/");
  if (slash > 0) {
    const ip = plainDottedQuad(cidr.slice(0, slash));
    const bits = cidr.slice(slash + 1);
    const prefix = Number(bits);
    if (ip >= 0 && /^(?:[0-9]|[12][0-9]|3[0-2])$/.test(bits)) return { network: (ip & prefixMask(prefix)) >>> 0, prefix };
  }
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  return { network: (ipv4ToUint32(addr.toString()) & prefixMask(prefix)) >>> 0, prefix };
}
