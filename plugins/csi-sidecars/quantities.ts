import { formatQuantity, unitValue, type Quantity } from "../../core/index.js";

/** Bytes as the Quantity the sidecars write (`resource.NewQuantity(bytes, BinarySI)`: 1073741824 → "1Gi"). */
export function bytesQuantity(bytes: number): string {
  const q: Quantity = { nanos: BigInt(bytes) * 1_000_000_000n, format: "BinarySI" };
  return formatQuantity(q);
}

/** A Quantity in whole bytes, rounded up. */
export function quantityBytes(q: Quantity): number {
  return Number(unitValue(q));
}
