import ipaddr from "ipaddr.js";

/** Canonical dotted-decimal IPv4 (each octet 0–255, no leading zeros): what pods, nodes and endpoints carry. */
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * Whether `ip` is an IP address as ipaddr.js's `isValid` accepts it (the validators' rule), with
 * canonical dotted-decimal IPv4 — nearly every address a status carries — answered by one regular
 * expression instead of the parser (a kubelet's every pod status write validates its IPs).
 */
export function isValidIP(ip: string): boolean {
  return DOTTED_QUAD.test(ip) || ipaddr.isValid(ip);
}
