import type { CniEnv, CniHost, CniResult, NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";
import { chainName } from "./veth-name.js";

interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  hostIP?: string;
}

const TOP = "CNI-HOSTPORT-DNAT";

/**
 * The `portmap` plugin (capability `portMappings`, the pods' hostPorts): nat chain
 * CNI-HOSTPORT-DNAT, jumped to from PREROUTING and OUTPUT for local destinations, sends each
 * mapped host port to a per-pod CNI-DN-<hash> chain that DNATs to the pod. A chained plugin:
 * passes prevResult through.
 */
export function portmap(env: CniEnv, conf: NetConf, host: CniHost): CniResult | undefined {
  if (env.CNI_COMMAND === "VERSION") return versionResult();
  const nf = host.root.netfilter;
  // The per-pod chain's name (a sha512) is only worked out when there is a chain to name.
  const chainOf = (): string => chainName("CNI-DN-", conf.name ?? "", env.CNI_CONTAINERID ?? "");
  if (env.CNI_COMMAND === "DEL") {
    const chain = chainOf();
    const top = nf.chain("nat", TOP);
    if (top) top.rules = top.rules.filter((r) => !(r.target.kind === "jump" && r.target.chain === chain));
    if (nf.chain("nat", chain)) {
      nf.flush("nat", chain);
      nf.deleteChain("nat", chain);
    }
    return undefined;
  }
  if (env.CNI_COMMAND !== "ADD") return undefined;
  const mappings = ((conf.runtimeConfig?.["portMappings"] as PortMapping[] | undefined) ?? []).filter((m) => m.hostPort > 0);
  const prev = conf.prevResult;
  if (!mappings.length || !prev) return prev;
  const podIp = prev.ips?.[0]?.address.split("/")[0];
  if (!podIp) return prev;
  const chain = chainOf();
  const lines = ["*nat"];
  if (!nf.chain("nat", TOP)) {
    lines.push(`:${TOP} - [0:0]`, `-A PREROUTING -m addrtype --dst-type LOCAL -j ${TOP}`, `-A OUTPUT -m addrtype --dst-type LOCAL -j ${TOP}`);
  }
  lines.push(`:${chain} - [0:0]`);
  const comment = `dnat name: \\"${conf.name}\\" id: \\"${env.CNI_CONTAINERID}\\"`;
  for (const m of mappings) {
    const p = m.protocol.toLowerCase();
    const dst = m.hostIP ? ` -d ${m.hostIP}/32` : "";
    lines.push(`-A ${TOP}${dst} -p ${p} -m comment --comment "${comment}" -m ${p} --dport ${m.hostPort} -j ${chain}`);
    lines.push(`-A ${chain} -p ${p} -m ${p} --dport ${m.hostPort} -j DNAT --to-destination ${podIp}:${m.containerPort}`);
  }
  lines.push("COMMIT", "");
  nf.restore(lines.join("\n"), { noflush: true });
  return prev;
}
