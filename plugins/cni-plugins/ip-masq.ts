import type { CniEnv, CniHost, NetConf } from "../../core/cni/cni-types.js";
import { uint32ToIpv4 } from "../../core/net/ipv4.js";
import { chainName } from "./veth-name.js";

/**
 * `ipMasq: true` of the bridge and ptp plugins (plugins/pkg/ip SetupIPMasq): a per-attachment
 * chain in nat POSTROUTING that accepts traffic to the pod subnet and masquerades the rest
 * (except multicast).
 */
export function applyIpMasq(host: CniHost, conf: NetConf, env: CniEnv, podIp: string, subnet: string): void {
  const chain = chainName("CNI-", conf.name ?? "", env.CNI_CONTAINERID ?? "");
  const comment = `name: "${conf.name}" id: "${env.CNI_CONTAINERID}"`;
  const [net, prefix] = subnet.split("/");
  const netText = `${uint32ToIpv4(Number(net))}/${prefix}`;
  host.root.netfilter.restore(
    [
      "*nat",
      `:${chain} - [0:0]`,
      `-A ${chain} -d ${netText} -m comment --comment "${comment.replace(/"/g, '\\"')}" -j ACCEPT`,
      `-A ${chain} ! -d 224.0.0.0/4 -m comment --comment "${comment.replace(/"/g, '\\"')}" -j MASQUERADE`,
      `-A POSTROUTING -s ${podIp}/32 -m comment --comment "${comment.replace(/"/g, '\\"')}" -j ${chain}`,
      "COMMIT",
      "",
    ].join("\n"),
    { noflush: true },
  );
}

export function removeIpMasq(host: CniHost, conf: NetConf, env: CniEnv): void {
  const chain = chainName("CNI-", conf.name ?? "", env.CNI_CONTAINERID ?? "");
  const post = host.root.netfilter.chain("nat", "POSTROUTING");
  if (!post || !host.root.netfilter.chain("nat", chain)) return;
  post.rules = post.rules.filter((r) => !(r.target.kind === "jump" && r.target.chain === chain));
  host.root.netfilter.flush("nat", chain);
  host.root.netfilter.deleteChain("nat", chain);
}
