import { createHash } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (Go's base32.StdEncoding) of `bytes`, without padding (only a prefix is used). */
function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** kube-proxy's portProtoHash: the first 16 characters of base32(sha256(servicePortName + protocol)). */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return base32(createHash("sha256").update(servicePortName + protocol.toLowerCase()).digest()).slice(0, 16);
}

/** `KUBE-SVC-<hash>` (and the KUBE-EXT-/KUBE-FW-/KUBE-SVL- chains that share the hash). */
export function serviceChainName(prefix: "KUBE-SVC-" | "KUBE-EXT-" | "KUBE-FW-" | "KUBE-SVL-", servicePortName: string, protocol: string): string {
  return prefix + portProtoHash(servicePortName, protocol);
}

/** Endpoint chain names already hashed, by their input (a pure function; dropped wholesale past {@link SEP_NAMES_LIMIT}). */
const sepNames = new Map<string, string>();
const SEP_NAMES_LIMIT = 65_536;

/**
 * `KUBE-SEP-<hash>`: base32(sha256(servicePortName + protocol + "ip:port")). Remembered: every
 * sync of a changed service names each of its endpoints' chains again, on every node.
 */
export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  const input = servicePortName + protocol.toLowerCase() + endpoint;
  let name = sepNames.get(input);
  if (name === undefined) {
    if (sepNames.size >= SEP_NAMES_LIMIT) sepNames.clear();
    name = "KUBE-SEP-" + base32(createHash("sha256").update(input).digest()).slice(0, 16);
    sepNames.set(input, name);
  }
  return name;
}
