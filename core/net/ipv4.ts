import ipaddr from "ipaddr.js";

/**
 * IPv4 addresses as unsigned 32-bit integers, for the arithmetic allocators do (offsets in a CIDR,
 * /24 blocks of a pod network). Parsing and validation are ipaddr.js's.
 */

/** `10.96.0.1` → 174063617. Throws on an invalid address. */
export function ipv4ToUint32(ip: string): number {
  const b = ipaddr.IPv4.parse(ip).toByteArray();
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
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
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  return { network: (ipv4ToUint32(addr.toString()) & prefixMask(prefix)) >>> 0, prefix };
}
