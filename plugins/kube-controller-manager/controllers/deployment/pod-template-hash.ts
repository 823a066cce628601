import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { goDump } from "./go-dump.js";

/** The label a Deployment adds to its ReplicaSets' selectors and pods. */
export const POD_TEMPLATE_HASH = "pod-template-hash";

const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

/** Upstream's rand.SafeEncodeString: each byte mapped onto consonants and digits (no vowels, no bad words). */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const encoder = new TextEncoder();
/** Templates are immutable informer objects: each is dumped once. */
const dumps = new WeakMap<PodTemplateSpec, number>();

/**
 * The pod-template-hash of a template, as controller.ComputeHash computes it: FNV-32a over
 * go-spew's `%#v` dump of the PodTemplateSpec struct ({@link goDump}), then over the collision
 * count as eight bytes (little-endian uint32, four zero bytes), printed in decimal and encoded
 * with {@link safeEncodeString}. Equal to a real 1.32 cluster's value for the same stored template.
 */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = dumps.get(template);
  if (h === undefined) {
    h = fnv32a(encoder.encode(goDump(template, "core.PodTemplateSpec")));
    dumps.set(template, h);
  }
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}
