import type { Environment } from "@marcbachmann/cel-js";

/** Compiled regular expressions by source: rules name the same few patterns on every request. */
const regexes = new Map<string, RegExp>();
const REGEX_CACHE_LIMIT = 1024;

function regex(pattern: string): RegExp {
  let re = regexes.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "gu");
    if (regexes.size >= REGEX_CACHE_LIMIT) regexes.clear();
    regexes.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

function replaceN(s: string, from: string, to: string, n: bigint): string {
  if (n < 0n) return s.split(from).join(to);
  let out = "";
  let rest = s;
  for (let i = 0n; i < n; i++) {
    const at = rest.indexOf(from);
    if (at < 0) break;
    out += rest.slice(0, at) + to;
    rest = rest.slice(at + from.length);
    if (!from.length) {
      out += rest.slice(0, 1);
      rest = rest.slice(1);
    }
  }
  return out + rest;
}

/**
 * The CEL extended strings library as Kubernetes enables it (charAt, replace, reverse; indexOf,
 * lowerAscii, split, substring, trim, upperAscii and join come with the evaluator) and the
 * Kubernetes regex library (find, findAll).
 */
export function registerKubernetesStrings(env: Environment): void {
  env
    .registerFunction("string.charAt(int): string", (s: string, i: bigint) => {
      const chars = [...s];
      if (i < 0n || i > BigInt(chars.length)) throw new Error(`index out of range: ${i}`);
      return chars[Number(i)] ?? "";
    })
    .registerFunction("string.replace(string, string): string", (s: string, a: string, b: string) => replaceN(s, a, b, -1n))
    .registerFunction("string.replace(string, string, int): string", replaceN)
    .registerFunction("string.reverse(): string", (s: string) => [...s].reverse().join(""))
    .registerFunction("string.find(string): string", (s: string, p: string) => regex(p).exec(s)?.[0] ?? "")
    .registerFunction("string.findAll(string): list<string>", (s: string, p: string) => [...s.matchAll(regex(p))].map((m) => m[0]))
    .registerFunction("string.findAll(string, int): list<string>", (s: string, p: string, n: bigint) => {
      const all = [...s.matchAll(regex(p))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    });
}
