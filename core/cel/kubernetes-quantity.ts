import type { Environment } from "@marcbachmann/cel-js";
import { addQuantities, compareQuantities, parseQuantity, subtractQuantities, type Quantity } from "../api/quantity.js";

/** A `kubernetes.Quantity` CEL value. */
export class CelQuantity {
  constructor(readonly q: Quantity) {}
}

const NANO = 1_000_000_000n;

function parse(s: string): CelQuantity {
  return new CelQuantity(parseQuantity(s));
}

function asInteger(q: CelQuantity): bigint {
  if (q.q.nanos % NANO !== 0n) throw new Error("cannot convert value to integer");
  const v = q.q.nanos / NANO;
  if (v > 9223372036854775807n || v < -9223372036854775808n) throw new Error("cannot convert value to integer");
  return v;
}

function withInt(q: CelQuantity, n: bigint): Quantity {
  return { nanos: n * NANO, format: q.q.format };
}

/** The Kubernetes CEL quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go). */
export function registerKubernetesQuantity(env: Environment): void {
  env
    .registerType("kubernetes.Quantity", CelQuantity)
    .registerFunction("quantity(string): kubernetes.Quantity", parse)
    .registerFunction("isQuantity(string): bool", (s: string) => {
      try {
        parseQuantity(s);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction("kubernetes.Quantity.sign(): int", (q: CelQuantity) => BigInt(q.q.nanos > 0n ? 1 : q.q.nanos < 0n ? -1 : 0))
    .registerFunction("kubernetes.Quantity.isInteger(): bool", (q: CelQuantity) => q.q.nanos % NANO === 0n)
    .registerFunction("kubernetes.Quantity.asInteger(): int", asInteger)
    .registerFunction("kubernetes.Quantity.asApproximateFloat(): double", (q: CelQuantity) => Number(q.q.nanos) / 1e9)
    .registerFunction("kubernetes.Quantity.add(kubernetes.Quantity): kubernetes.Quantity", (a: CelQuantity, b: CelQuantity) => new CelQuantity(addQuantities(a.q, b.q)))
    .registerFunction("kubernetes.Quantity.add(int): kubernetes.Quantity", (a: CelQuantity, b: bigint) => new CelQuantity(addQuantities(a.q, withInt(a, b))))
    .registerFunction("kubernetes.Quantity.sub(kubernetes.Quantity): kubernetes.Quantity", (a: CelQuantity, b: CelQuantity) => new CelQuantity(subtractQuantities(a.q, b.q)))
    .registerFunction("kubernetes.Quantity.sub(int): kubernetes.Quantity", (a: CelQuantity, b: bigint) => new CelQuantity(subtractQuantities(a.q, withInt(a, b))))
    .registerFunction("kubernetes.Quantity.isGreaterThan(kubernetes.Quantity): bool", (a: CelQuantity, b: CelQuantity) => compareQuantities(a.q, b.q) > 0)
    .registerFunction("kubernetes.Quantity.isLessThan(kubernetes.Quantity): bool", (a: CelQuantity, b: CelQuantity) => compareQuantities(a.q, b.q) < 0)
    .registerOperator("kubernetes.Quantity == kubernetes.Quantity", (a: CelQuantity, b: CelQuantity) => compareQuantities(a.q, b.q) === 0)
    .registerFunction("kubernetes.Quantity.compareTo(kubernetes.Quantity): int", (a: CelQuantity, b: CelQuantity) => BigInt(compareQuantities(a.q, b.q)));
}
