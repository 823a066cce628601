import { createHash } from "node:crypto";

/** The host-side veth name for an attachment: `veth` + 8 hex characters (stable per container and interface). */
export function hostVethName(containerId: string, ifName: string): string {
  return "veth" + createHash("sha256").update(`${containerId}/${ifName}`).digest("hex").slice(0, 8);
}

/** An iptables chain name for an attachment: `<prefix>` + hex of sha512(name + id), 28 characters at most (libcni's FormatChainName). */
export function chainName(prefix: string, name: string, id: string): string {
  return prefix + createHash("sha512").update(name + id).digest("hex").slice(0, 28 - prefix.length);
}
