/**
 * The same text as one flat (sequential) string. A string built by concatenation is a tree of its
 * pieces (a 32-byte node per join), and so is a `JSON.stringify` result past a few dozen
 * characters (V8 builds it in growing parts); a string kept for long and made of pieces nothing
 * else holds is smaller copied once into one piece (joining its two halves copies it). Strings of
 * shared pieces (a common prefix and a short tail) are smaller left as they are.
 */
export function flatString(text: string): string {
  if (text.length < 2) return text;
  const half = text.length >> 1;
  return [text.slice(0, half), text.slice(half)].join("");
}
