import { Environment } from "@marcbachmann/cel-js";
import { registerKubernetesLists } from "./kubernetes-lists.js";
import { registerKubernetesNetwork } from "./kubernetes-network.js";
import { registerKubernetesQuantity } from "./kubernetes-quantity.js";
import { registerKubernetesStrings } from "./kubernetes-strings.js";

let base: Environment | undefined;

/** The evaluator with the Kubernetes CEL libraries, built once (cloning freezes it). */
function kubernetesBase(): Environment {
  if (!base) {
    base = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true, limits: { maxAstNodes: 10_000, maxDepth: 250, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 } });
    registerKubernetesLists(base);
    registerKubernetesStrings(base);
    registerKubernetesQuantity(base);
    registerKubernetesNetwork(base);
  }
  return base;
}

/** A variable of a CEL environment: its name and CEL type (`dyn`, `optional<dyn>`, `map`, ...). */
export interface CelVariable {
  name: string;
  type: string;
}

/**
 * A CEL environment with the Kubernetes libraries (lists, strings, regex, quantity, url, ip, cidr)
 * and the given variables. Build one per kind of expression (CRD rules, admission policies) and
 * compile each expression once with it.
 */
export function kubernetesCelEnvironment(variables: readonly CelVariable[]): Environment {
  const env = kubernetesBase().clone();
  for (const v of variables) env.registerVariable(v.name, v.type);
  return env;
}
