import { hash } from "node:crypto";

/** The host-side veth name for an attachment: `veth` + 8 hex characters (stable per container and interface). */
export function hostVethName(containerId: string, ifName: string): string {
  return "veth" + hash("sha256", `${containerId}/${ifName}`, "hex").slice(0, 8);
}

/** An iptables chain name for an attachment: `<prefix>` + hex of sha512(name + id), 28 characters at most (libcni's FormatChainName). */
export function chainName(prefix: string, name: string, id: string): string {
  return prefix + hash("sha512", name + id, "hex").slice(0, 28 - prefix.length);
}
