/**
 * What in a decoded value has no place in a Kubernetes object: an infinite or NaN number (YAML's
 * `.inf`, `.nan`; Go's json.Marshal refuses them), a non-plain object, or a member named
 * `__proto__` (kubesim's objects are plain JavaScript objects, where that name would replace the
 * prototype instead of holding a field). Returns the message of the first one, or undefined.
 * Iterative: safe on any input.
 */
export function firstNonJson(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return `json: unsupported value: ${v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN"}`;
    } else if (Array.isArray(v)) {
      for (const child of v) stack.push(child);
    } else if (typeof v === "object" && v !== null) {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return `json: unsupported type: ${(v as object).constructor?.name ?? "object"}`;
      if (Object.prototype.hasOwnProperty.call(v, "__proto__")) return 'a field named "__proto__" is not supported';
      for (const child of Object.values(v)) stack.push(child);
    } else if (typeof v !== "string" && typeof v !== "boolean" && v !== null) return `json: unsupported type: ${typeof v}`;
  }
  return undefined;
}
