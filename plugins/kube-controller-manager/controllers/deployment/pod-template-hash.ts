import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";

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

/** Canonical JSON: keys sorted, so equal templates hash alike whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const encoder = new TextEncoder();

/**
 * The pod-template-hash of a template (controller.ComputeHash): fnv32a over the template, then
 * over the collision count's four bytes (little-endian, when set), printed in decimal and
 * encoded with {@link safeEncodeString}. Upstream hashes Go's `%#v` dump of the struct; kubesim
 * hashes canonical JSON, so values differ from a real cluster's while the form is the same.
 */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = fnv32a(encoder.encode(canonical(template)));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}
