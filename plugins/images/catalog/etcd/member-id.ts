import { createHash } from "node:crypto";

/**
 * etcd's identifiers: a member's ID is the first 8 bytes (big-endian) of
 * sha1(sorted peer URLs + cluster token [+ unix seconds, for members added at runtime]); the
 * cluster ID is the same of the sorted member IDs' 8-byte forms. Shown as lower-case hex.
 */
export function memberId(peerURLs: readonly string[], token: string, addedAtSeconds?: number): string {
  const h = createHash("sha1").update([...peerURLs].sort().join("") + token + (addedAtSeconds === undefined ? "" : String(addedAtSeconds)));
  return h.digest().subarray(0, 8).toString("hex");
}

export function clusterId(memberIds: readonly string[]): string {
  const h = createHash("sha1");
  for (const id of [...memberIds].sort()) h.update(Buffer.from(id.padStart(16, "0"), "hex"));
  return h.digest().subarray(0, 8).toString("hex");
}

/** The decimal form grpc-gateway's JSON gives uint64 fields. */
export function decimal(hexId: string): string {
  return BigInt(`0x${hexId}`).toString(10);
}

/** A member ID as etcdctl accepts it (hex). */
export function parseHexId(text: string): string | undefined {
  return /^[0-9a-fA-F]{1,16}$/.test(text) ? text.toLowerCase().padStart(16, "0").replace(/^0+(?=.)/, "") : undefined;
}
