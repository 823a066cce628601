import { inspect } from "node:util";

/**
 * A small Go `fmt.Sprintf` for event messages: `%s` and `%v` (value), `%d` (integer), `%q`
 * (quoted string), `%%`. Missing arguments print `%!v(MISSING)` as Go does; extra ones are
 * appended as `%!(EXTRA ...)`.
 */
export function formatMessage(format: string, args: readonly unknown[]): string {
  let next = 0;
  const out = format.replace(/%([%svdq])/g, (_m, verb: string) => {
    if (verb === "%") return "%";
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    switch (verb) {
      case "d":
        return typeof arg === "number" ? String(Math.trunc(arg)) : typeof arg === "bigint" ? String(arg) : `%!d(${show(arg)})`;
      case "q":
        return JSON.stringify(String(arg));
      default:
        return show(arg);
    }
  });
  if (next < args.length) return `${out}%!(EXTRA ${args.slice(next).map(show).join(", ")})`;
  return out;
}

function show(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Error) return v.message;
  if (typeof v === "object" && v !== null) return inspect(v, { depth: 4, breakLength: Infinity });
  return String(v);
}
