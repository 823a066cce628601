import { parseQuantity, quantityToNumber } from "../../../core/api/quantity.js";
import { sanitizeLabelName, type Sample } from "../family.js";

/**
 * Resource quantities as upstream labels them (`resource`, `unit`): cpu in cores, memory and
 * storage (and hugepages, attachable volumes) in bytes, pods and extended resources as integers.
 * `prefixKeys`/`prefixValues` come first (a container's `container`, `node`).
 */
export function resourceSamples(list: Readonly<Record<string, string | number>> | undefined, prefixKeys: readonly string[] = [], prefixValues: readonly string[] = []): Sample[] {
  const out: Sample[] = [];
  for (const [name, raw] of Object.entries(list ?? {})) {
    const unit = resourceUnit(name);
    if (!unit) continue;
    const value = quantityValue(raw);
    if (value === undefined) continue;
    out.push({ keys: [...prefixKeys, "resource", "unit"], values: [...prefixValues, sanitizeLabelName(name), unit], value });
  }
  return out;
}

function resourceUnit(name: string): string | undefined {
  if (name === "cpu") return "core";
  if (name === "memory" || name === "storage" || name === "ephemeral-storage" || name.startsWith("hugepages-") || name.startsWith("attachable-volumes-")) return "byte";
  if (name === "pods") return "integer";
  // Extended resources: a domain-qualified name outside kubernetes.io (example.com/gpu).
  if (name.includes("/") && !name.startsWith("kubernetes.io/") && !name.startsWith("requests.")) return "integer";
  return undefined;
}

const parsed = new Map<string | number, number | undefined>();

/** A quantity's value; the distinct texts a cluster uses are few, so parses are remembered (bounded). */
function quantityValue(raw: string | number): number | undefined {
  if (parsed.has(raw)) return parsed.get(raw);
  let v: number | undefined;
  try {
    v = quantityToNumber(parseQuantity(raw));
  } catch {
    v = undefined;
  }
  if (parsed.size > 10_000) parsed.clear();
  parsed.set(raw, v);
  return v;
}
