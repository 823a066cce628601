import { parseQuantity as parseExact, quantityToNumber } from "../../quantity.js";

/**
 * resource.Quantity read as a plain number of base units (cores, bytes), enough to compare
 * requests with limits and classify QoS. Parsing is core/api/quantity.ts's (exact, Kubernetes'
 * grammar); only the comparison here is in float64.
 */

/** The value of a quantity string (`500m`, `1Gi`, `1e3`) or number; undefined if malformed. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  try {
    return quantityToNumber(parseExact(q));
  } catch {
    return undefined;
  }
}

/** The text of a quantity for messages: strings as given, numbers as digits. */
export function quantityText(q: string | number): string {
  return typeof q === "number" ? String(q) : q;
}
