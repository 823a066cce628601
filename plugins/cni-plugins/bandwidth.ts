import type { CniEnv, CniHost, CniResult, NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";

/**
 * The `bandwidth` plugin (capability `bandwidth`): records the pod's ingress/egress rates (the
 * kubernetes.io/ingress-bandwidth and egress-bandwidth annotations) as the token-bucket filter the
 * real plugin installs on the host veth. kubesim's data path does not pace traffic by it
 * (docs/differences.md). A chained plugin: passes prevResult through.
 */
export function bandwidth(env: CniEnv, conf: NetConf, host: CniHost): CniResult | undefined {
  if (env.CNI_COMMAND === "VERSION") return versionResult();
  if (env.CNI_COMMAND === "ADD") {
    const rates = (conf.runtimeConfig?.["bandwidth"] as { ingressRate?: number; egressRate?: number } | undefined) ?? {};
    if (rates.ingressRate || rates.egressRate) host.files.write(`/run/cni/bandwidth/${env.CNI_CONTAINERID}`, JSON.stringify(rates));
    return conf.prevResult;
  }
  if (env.CNI_COMMAND === "DEL") host.files.remove(`/run/cni/bandwidth/${env.CNI_CONTAINERID}`);
  return undefined;
}
