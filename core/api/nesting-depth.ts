/**
 * The deepest nesting of objects and arrays a request body (JSON or YAML) or a patched object may
 * have. kube-apiserver's decoders stop at 10000 levels (Go's encoding/json, go-yaml); kubesim stops
 * at 256 because its YAML parser, patch, validation and field-tracking code recurse once per level
 * on Node's ~1 MB stack, and a stack overflow inside V8's regular-expression compiler aborts the
 * whole process. No Kubernetes object comes near it (a large CRD schema is ~60 levels deep).
 */
export const MAX_NESTING_DEPTH = 256;

/** Where JSON text nests too deeply: the offset of the opening bracket past the limit, and that bracket. */
export interface TooDeep {
  offset: number;
  bracket: "{" | "[";
}

/**
 * The first `{` or `[` of JSON `text` nested deeper than `limit`, outside strings; undefined when
 * the text stays within it. One linear pass, no recursion, nothing allocated: it runs before the
 * text is parsed, so a hostile body costs no more than reading it.
 */
export function jsonTextTooDeep(text: string, limit = MAX_NESTING_DEPTH): TooDeep | undefined {
  if (text.length <= limit) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return { offset: i, bracket: c === 0x7b ? "{" : "[" };
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/**
 * True when a decoded JSON value nests objects and arrays deeper than `limit` (a cycle counts as
 * too deep). Iterative: safe on any input, and it stops at the first level past the limit.
 */
export function valueTooDeep(value: unknown, limit = MAX_NESTING_DEPTH): boolean {
  if (typeof value !== "object" || value === null) return false;
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop() as object;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      if (typeof child === "object" && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
