import { createHash } from "node:crypto";

/** The host side of a pod's veth: `cali` + the first 11 hex digits of sha1("<namespace>.<pod>"), as Calico's CNI plugin names it. */
export function caliInterfaceName(namespace: string, pod: string): string {
  return "cali" + createHash("sha1").update(`${namespace}.${pod}`).digest("hex").slice(0, 11);
}

/** Felix's iptables rule comment ids (`cali:<16 characters>`): a hash of chain, position and rule. */
export function ruleId(chain: string, index: number, rule: string): string {
  return "cali:" + createHash("sha224").update(`${chain}\u0000${index}\u0000${rule}`).digest("base64url").slice(0, 16);
}
