import type { ControllerDescriptor } from "./controller-descriptor.js";

/** Raised for a `--controllers` entry naming no known controller. */
export class UnknownControllerError extends Error {
  override readonly name = "UnknownControllerError";
}

/** Splits `--controllers` values (`"*,-ttl"` or a list of them) into entries. */
export function parseControllerList(spec: string | readonly string[] | undefined): string[] {
  if (spec === undefined) return ["*"];
  const parts = typeof spec === "string" ? [spec] : spec;
  return parts.flatMap((p) => p.split(",")).map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * The controllers `--controllers` enables, in registry order, with upstream's rules
 * (`IsControllerEnabled`): an entry `foo` enables foo, `-foo` disables it, the first matching entry
 * wins, and `*` enables every controller not disabled by default. Aliases name the same controller.
 * An entry naming no known controller is an error, as upstream's flag validation has it.
 */
export function selectControllers(known: readonly ControllerDescriptor[], spec: string | readonly string[] | undefined): ControllerDescriptor[] {
  const entries = parseControllerList(spec);
  const byName = new Map<string, ControllerDescriptor>();
  for (const d of known) for (const n of [d.name, ...d.aliases]) byName.set(n, d);
  const resolved = entries.map((entry) => {
    if (entry === "*") return { star: true as const };
    const negated = entry.startsWith("-");
    const name = negated ? entry.slice(1) : entry;
    const d = byName.get(name);
    if (!d) throw new UnknownControllerError(`"${name}" is not in the list of known controllers`);
    return { star: false as const, negated, descriptor: d };
  });
  return known.filter((d) => {
    let star = false;
    for (const e of resolved) {
      if (e.star) star = true;
      else if (e.descriptor === d) return !e.negated;
    }
    return star && !d.disabledByDefault;
  });
}
