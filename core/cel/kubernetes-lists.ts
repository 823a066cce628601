import type { Environment } from "@marcbachmann/cel-js";

type Comparable = bigint | number | string | boolean;

function compare(a: Comparable, b: Comparable): number {
  if (typeof a === "string" || typeof b === "string") return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number")) return Number(a) === Number(b);
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v)) === JSON.stringify(b, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v));
}

function extreme(list: readonly Comparable[], sign: 1 | -1, name: string): Comparable {
  if (!list.length) throw new Error(`${name} called on empty list`);
  let best = list[0]!;
  for (const v of list) if (compare(v, best) * sign > 0) best = v;
  return best;
}

/**
 * The Kubernetes CEL list library (k8s.io/apiserver/pkg/cel/library/lists.go): isSorted, sum,
 * min, max, indexOf and lastIndexOf on lists.
 */
export function registerKubernetesLists(env: Environment): void {
  env
    .registerFunction("list.isSorted(): bool", (l: readonly Comparable[]) => l.every((v, i) => i === 0 || compare(l[i - 1]!, v) <= 0))
    .registerFunction("list.sum(): dyn", (l: readonly (bigint | number)[]) => {
      if (!l.length) return 0n;
      if (l.every((v) => typeof v === "bigint")) return (l as bigint[]).reduce((a, b) => a + b, 0n);
      return l.reduce<number>((a, b) => a + Number(b), 0);
    })
    .registerFunction("list.min(): dyn", (l: readonly Comparable[]) => extreme(l, -1, "min"))
    .registerFunction("list.max(): dyn", (l: readonly Comparable[]) => extreme(l, 1, "max"))
    .registerFunction("list.indexOf(dyn): int", (l: readonly unknown[], v: unknown) => BigInt(l.findIndex((x) => equal(x, v))))
    .registerFunction("list.lastIndexOf(dyn): int", (l: readonly unknown[], v: unknown) => {
      for (let i = l.length - 1; i >= 0; i--) if (equal(l[i], v)) return BigInt(i);
      return -1n;
    });
}
