import { Environment } from "@marcbachmann/cel-js";
import { registerKubernetesLists } from "./kubernetes-lists.js";
import { registerKubernetesNetwork } from "./kubernetes-network.js";
import { registerKubernetesQuantity } from "./kubernetes-quantity.js";
import { registerKubernetesStrings } from "./kubernetes-strings.js";
import { registerKubernetesFormat } from "./kubernetes-format.js";
import { registerKubernetesAuthz } from "./kubernetes-authz.js";

let base: Environment | undefined;

/** The evaluator with the Kubernetes CEL libraries, built once (cloning freezes it). */
function kubernetesBase(): Environment {
  if (!base) {
    base = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true, limits: { maxAstNodes: 10_000, maxDepth: 250, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 } });
    registerKubernetesLists(base);
    registerKubernetesStrings(base);
    registerKubernetesQuantity(base);
    registerKubernetesNetwork(base);
    registerKubernetesFormat(base);
    registerKubernetesAuthz(base);
  }
  return base;
}

/** A variable of a CEL environment: its name and CEL type (`dyn`, `optional<dyn>`, `map`, ...). */
export interface CelVariable {
  name: string;
  type: string;
}

/**
 * A CEL environment with the Kubernetes libraries (lists, strings, regex, quantity, url, ip, cidr, format, authorizer)
 * and the given variables. Build one per kind of expression (CRD rules, admission policies) and
 * compile each expression once with it.
 */
export function kubernetesCelEnvironment(variables: readonly CelVariable[]): Environment {
  const env = kubernetesBase().clone();
  for (const v of variables) env.registerVariable(v.name, v.type);
  return env;
}

/** A JSON value as CEL sees it without a schema: whole numbers as `int` (bigint), others as `double`. */
export function jsonToCel(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(jsonToCel);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonToCel(x);
    return out;
  }
  return v ?? null;
}

/** A CEL value back to JSON (bigints as numbers). */
export function celToJson(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(celToJson);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), celToJson(x)]));
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = celToJson(x);
    return out;
  }
  return v;
}
