import { endpointChainName, serviceChainName } from "./chain-names.js";
import { usableEndpoints, type ServicePortInfo } from "./service-ports.js";

export interface IptablesRulesOptions {
  /** This node's name (for externalTrafficPolicy/internalTrafficPolicy Local). */
  node: string;
  /** `--cluster-cidr`: traffic from outside it to a cluster IP is masqueraded. */
  clusterCidr: string;
}

/** The jumps from the built-in chains kube-proxy ensures once (`iptables -C`/`-I`), per table. */
export const JUMP_RULES: Record<"filter" | "nat", readonly [string, string][]> = {
  filter: [
    ["INPUT", `-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`],
    ["INPUT", `-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS`],
    ["INPUT", `-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`],
    ["FORWARD", `-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`],
    ["FORWARD", `-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD`],
    ["FORWARD", `-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`],
    ["FORWARD", `-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`],
    ["OUTPUT", `-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`],
    ["OUTPUT", `-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`],
  ],
  nat: [
    ["PREROUTING", `-m comment --comment "kubernetes service portals" -j KUBE-SERVICES`],
    ["OUTPUT", `-m comment --comment "kubernetes service portals" -j KUBE-SERVICES`],
    ["POSTROUTING", `-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`],
  ],
};

const FILTER_CHAINS = ["KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"];
const NAT_CHAINS = ["KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES"];

/** kube-proxy writes probabilities with `%0.10f`. */
function probability(n: number): string {
  return (1 / n).toFixed(10);
}

/**
 * The iptables-restore input of one full sync of kube-proxy's iptables mode (after
 * pkg/proxy/iptables/proxier.go syncProxyRules): the filter table's KUBE-SERVICES /
 * KUBE-EXTERNAL-SERVICES rejects for services without endpoints, KUBE-FORWARD; the nat table's
 * KUBE-SERVICES → KUBE-SVC-<hash> → KUBE-SEP-<hash> DNAT chains with `statistic` probabilities,
 * KUBE-NODEPORTS → KUBE-EXT-<hash>, KUBE-SVL-<hash> for Local traffic policies, `recent` session
 * affinity, and KUBE-MARK-MASQ / KUBE-POSTROUTING masquerading (mark 0x4000). `stale` chains are
 * deleted (-X).
 */
export function iptablesRestoreInput(ports: readonly ServicePortInfo[], opts: IptablesRulesOptions, stale: { nat: readonly string[] } = { nat: [] }): { text: string; natChains: string[] } {
  const filter: string[] = [];
  const nat: string[] = [];
  const natChains = new Set(NAT_CHAINS);
  const f = (chain: string, rule: string): void => void filter.push(`-A ${chain} ${rule}`);
  const n = (chain: string, rule: string): void => void nat.push(`-A ${chain} ${rule}`);

  f("KUBE-FORWARD", `-m conntrack --ctstate INVALID -j DROP`);
  f("KUBE-FORWARD", `-m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT`);
  f("KUBE-FORWARD", `-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  n("KUBE-POSTROUTING", `-m mark ! --mark 0x4000/0x4000 -j RETURN`);
  n("KUBE-POSTROUTING", `-j MARK --xor-mark 0x4000`);
  n("KUBE-POSTROUTING", `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`);
  n("KUBE-MARK-MASQ", `-j MARK --or-mark 0x4000`);

  const svcChainRules: string[] = [];
  const sepRules: string[] = [];
  for (const sp of ports) {
    const proto = sp.protocol;
    const spn = sp.name;
    const svcChain = serviceChainName("KUBE-SVC-", spn, proto);
    const extChain = serviceChainName("KUBE-EXT-", spn, proto);
    const svlChain = serviceChainName("KUBE-SVL-", spn, proto);
    const all = usableEndpoints(sp, opts.node, false);
    const local = usableEndpoints(sp, opts.node, true);
    const needsLocal = sp.externalPolicyLocal || sp.internalPolicyLocal;
    const internalChain = sp.internalPolicyLocal ? svlChain : svcChain;
    const internalEps = sp.internalPolicyLocal ? local : all;
    const externalEps = sp.externalPolicyLocal ? local : all;
    const hasExternal = sp.nodePort !== undefined || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
    const dport = `-m ${proto} --dport`;

    // Cluster IP.
    if (internalEps.length > 0) {
      n("KUBE-SERVICES", `-d ${sp.clusterIP}/32 -p ${proto} -m comment --comment "${spn} cluster IP" ${dport} ${sp.port} -j ${internalChain}`);
    } else {
      const why = all.length ? "has no local endpoints" : "has no endpoints";
      f("KUBE-SERVICES", `-d ${sp.clusterIP}/32 -p ${proto} -m comment --comment "${spn} ${why}" ${dport} ${sp.port} -j ${all.length ? "DROP" : "REJECT --reject-with icmp-port-unreachable"}`);
    }
    // External destinations: node ports, load balancer and external IPs.
    if (hasExternal) {
      if (externalEps.length > 0) {
        if (sp.nodePort !== undefined) n("KUBE-NODEPORTS", `-p ${proto} -m comment --comment "${spn}" ${dport} ${sp.nodePort} -j ${extChain}`);
        for (const ip of sp.loadBalancerIPs) n("KUBE-SERVICES", `-d ${ip}/32 -p ${proto} -m comment --comment "${spn} loadbalancer IP" ${dport} ${sp.port} -j ${extChain}`);
        for (const ip of sp.externalIPs) n("KUBE-SERVICES", `-d ${ip}/32 -p ${proto} -m comment --comment "${spn} external IP" ${dport} ${sp.port} -j ${extChain}`);
        natChains.add(extChain);
        if (sp.externalPolicyLocal) {
          n(extChain, `-s ${opts.clusterCidr} -m comment --comment "pod traffic for ${spn} external destinations" -j ${svcChain}`);
          n(extChain, `-m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
          n(extChain, `-m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${svcChain}`);
          n(extChain, `-j ${svlChain}`);
        } else {
          n(extChain, `-m comment --comment "masquerade traffic for ${spn} external destinations" -j KUBE-MARK-MASQ`);
          n(extChain, `-j ${svcChain}`);
        }
      } else {
        const why = all.length ? "has no local endpoints" : "has no endpoints";
        const target = all.length ? "DROP" : "REJECT --reject-with icmp-port-unreachable";
        if (sp.nodePort !== undefined) f("KUBE-EXTERNAL-SERVICES", `-p ${proto} -m comment --comment "${spn} ${why}" -m addrtype --dst-type LOCAL ${dport} ${sp.nodePort} -j ${target}`);
        for (const ip of [...sp.loadBalancerIPs, ...sp.externalIPs]) f("KUBE-EXTERNAL-SERVICES", `-d ${ip}/32 -p ${proto} -m comment --comment "${spn} ${why}" ${dport} ${sp.port} -j ${target}`);
      }
    }
    if (sp.externalPolicyLocal && sp.healthCheckNodePort) f("KUBE-NODEPORTS", `-p tcp -m comment --comment "${spn} health check node port" -m tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);

    // KUBE-SVC-: every usable endpoint (the cluster-wide chain), when anything leads to it.
    const writeBalanced = (chain: string, eps: typeof all, masqueradeFromOutside: boolean): void => {
      natChains.add(chain);
      if (masqueradeFromOutside) svcChainRules.push(`-A ${chain} ! -s ${opts.clusterCidr} -d ${sp.clusterIP}/32 -p ${proto} -m comment --comment "${spn} cluster IP" ${dport} ${sp.port} -j KUBE-MARK-MASQ`);
      if (sp.affinityTimeout !== undefined)
        for (const ep of eps) {
          const sep = endpointChainName(spn, proto, ep.key);
          svcChainRules.push(`-A ${chain} -m comment --comment "${spn} -> ${ep.key}" -m recent --name ${sep} --mask 255.255.255.255 --rsource --rcheck --seconds ${sp.affinityTimeout} --reap -j ${sep}`);
        }
      eps.forEach((ep, i) => {
        const sep = endpointChainName(spn, proto, ep.key);
        const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(eps.length - i)}` : "";
        svcChainRules.push(`-A ${chain} -m comment --comment "${spn} -> ${ep.key}"${stat} -j ${sep}`);
      });
    };
    const svcUsed = (!sp.internalPolicyLocal && all.length > 0) || (hasExternal && externalEps.length > 0) || (sp.externalPolicyLocal && all.length > 0);
    if (svcUsed && all.length > 0) writeBalanced(svcChain, all, true);
    if (needsLocal && local.length > 0) writeBalanced(svlChain, local, false);
    if (needsLocal && local.length === 0 && sp.externalPolicyLocal && externalEps.length > 0) natChains.add(svlChain);
    const seps = new Map<string, (typeof all)[number]>();
    for (const ep of [...(svcUsed ? all : []), ...(needsLocal ? local : [])]) seps.set(ep.key, ep);
    for (const ep of seps.values()) {
      const sep = endpointChainName(spn, proto, ep.key);
      natChains.add(sep);
      sepRules.push(`-A ${sep} -s ${ep.ip}/32 -m comment --comment "${spn}" -j KUBE-MARK-MASQ`);
      const recent = sp.affinityTimeout !== undefined ? ` -m recent --set --name ${sep} --mask 255.255.255.255 --rsource` : "";
      sepRules.push(`-A ${sep} -p ${proto} -m comment --comment "${spn}"${recent} -m ${proto} -j DNAT --to-destination ${ep.key}`);
    }
  }
  n("KUBE-SERVICES", `-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);

  const lines = ["*filter", ...FILTER_CHAINS.map((c) => `:${c} - [0:0]`), ...filter, "COMMIT", "*nat"];
  const chains = [...natChains].sort();
  lines.push(...chains.map((c) => `:${c} - [0:0]`), ...nat, ...svcChainRules, ...sepRules);
  for (const c of stale.nat) if (!natChains.has(c)) lines.push(`-X ${c}`);
  lines.push("COMMIT", "");
  return { text: lines.join("\n"), natChains: chains };
}
