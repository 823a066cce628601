/**
 * resource.Quantity read as a plain number of base units (cores, bytes), enough to compare
 * requests with limits and classify QoS. Exactness beyond float64 is not needed there.
 */

const SUFFIX_MULTIPLIERS: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

const QUANTITY_RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The value of a quantity string (`500m`, `1Gi`, `1e3`) or number; undefined if malformed. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  const m = QUANTITY_RE.exec(q.trim() === q ? q : "");
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX_MULTIPLIERS[m[3] ?? ""]!;
}

/** The canonical-enough text of a quantity for messages: strings as given, numbers as digits. */
export function quantityText(q: string | number): string {
  return typeof q === "number" ? String(q) : q;
}
