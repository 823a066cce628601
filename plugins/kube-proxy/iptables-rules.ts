import { endpointChainName, serviceChainName } from "./chain-names.js";
import { ipv4ToUint32, parseIpv4Cidr, prefixMask } from "../../core/net/ipv4.js";
import { usableEndpoints, type ServicePortInfo } from "./service-ports.js";

export interface IptablesRulesOptions {
  /** This node's name (for externalTrafficPolicy/internalTrafficPolicy Local). */
  node: string;
  /** `--cluster-cidr`: traffic from outside it to a cluster IP is masqueraded. */
  clusterCidr: string;
  /** This node's address (loadBalancerSourceRanges that contain it also admit the LB IPs as sources). */
  nodeIP?: string;
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

/** What one service port contributes to a sync (kube-proxy writes these per service port). */
export interface ServicePortRules {
  /** Its rules in the filter table's shared chains (KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS, KUBE-PROXY-FIREWALL). */
  readonly filter: readonly string[];
  /** Its rules in the nat table's shared chains (KUBE-SERVICES, KUBE-NODEPORTS). */
  readonly nat: readonly string[];
  /** Its own nat chains: KUBE-SVC-, KUBE-SVL-, KUBE-EXT-, KUBE-FW-, KUBE-SEP-. */
  readonly chains: readonly string[];
  /** The rules of its own chains. */
  readonly chainRules: readonly string[];
}

/** Does `cidr` contain `ip` (both dotted)? */
function cidrContains(cidr: string, ip: string): boolean {
  try {
    const { network, prefix } = parseIpv4Cidr(cidr);
    return ((ipv4ToUint32(ip) & prefixMask(prefix)) >>> 0) === network;
  } catch {
    return false;
  }
}

/**
 * One service port's rules (after pkg/proxy/iptables/proxier.go syncProxyRules): the cluster IP's
 * jump (or REJECT/DROP when it has no usable endpoints), external destinations (node port, load
 * balancer and external IPs) through KUBE-EXT-, KUBE-FW- for loadBalancerSourceRanges (with the
 * KUBE-PROXY-FIREWALL drop for traffic it did not accept), KUBE-SVL- for Local traffic policies,
 * `recent` session affinity, and a KUBE-SEP- DNAT chain per endpoint.
 */
export function servicePortRules(sp: ServicePortInfo, opts: IptablesRulesOptions): ServicePortRules {
  const filter: string[] = [];
  const nat: string[] = [];
  const chains: string[] = [];
  const chainRules: string[] = [];
  const proto = sp.protocol;
  const spn = sp.name;
  const svcChain = serviceChainName("KUBE-SVC-", spn, proto);
  const extChain = serviceChainName("KUBE-EXT-", spn, proto);
  const svlChain = serviceChainName("KUBE-SVL-", spn, proto);
  const fwChain = serviceChainName("KUBE-FW-", spn, proto);
  const all = usableEndpoints(sp, opts.node, false);
  const local = usableEndpoints(sp, opts.node, true);
  const needsLocal = sp.externalPolicyLocal || sp.internalPolicyLocal;
  const internalChain = sp.internalPolicyLocal ? svlChain : svcChain;
  const internalEps = sp.internalPolicyLocal ? local : all;
  const externalEps = sp.externalPolicyLocal ? local : all;
  const hasExternal = sp.nodePort !== undefined || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
  const sourceRanges = sp.loadBalancerSourceRanges ?? [];
  const usesFw = externalEps.length > 0 && sp.loadBalancerIPs.length > 0 && sourceRanges.length > 0;
  const dport = `-m ${proto} --dport`;

  // Cluster IP.
  if (internalEps.length > 0) {
    nat.push(`-A KUBE-SERVICES -d ${sp.clusterIP}/32 -p ${proto} -m comment --comment "${spn} cluster IP" ${dport} ${sp.port} -j ${internalChain}`);
  } else {
    const why = all.length ? "has no local endpoints" : "has no endpoints";
    filter.push(`-A KUBE-SERVICES -d ${sp.clusterIP}/32 -p ${proto} -m comment --comment "${spn} ${why}" ${dport} ${sp.port} -j ${all.length ? "DROP" : "REJECT --reject-with icmp-port-unreachable"}`);
  }
  // External destinations: node ports, load balancer and external IPs.
  if (hasExternal) {
    if (externalEps.length > 0) {
      if (sp.nodePort !== undefined) nat.push(`-A KUBE-NODEPORTS -p ${proto} -m comment --comment "${spn}" ${dport} ${sp.nodePort} -j ${extChain}`);
      for (const ip of sp.loadBalancerIPs) {
        nat.push(`-A KUBE-SERVICES -d ${ip}/32 -p ${proto} -m comment --comment "${spn} loadbalancer IP" ${dport} ${sp.port} -j ${usesFw ? fwChain : extChain}`);
        if (usesFw) filter.push(`-A KUBE-PROXY-FIREWALL -d ${ip}/32 -p ${proto} -m comment --comment "${spn} traffic not accepted by ${fwChain}" ${dport} ${sp.port} -j DROP`);
      }
      for (const ip of sp.externalIPs) nat.push(`-A KUBE-SERVICES -d ${ip}/32 -p ${proto} -m comment --comment "${spn} external IP" ${dport} ${sp.port} -j ${extChain}`);
      chains.push(extChain);
      if (sp.externalPolicyLocal) {
        chainRules.push(`-A ${extChain} -s ${opts.clusterCidr} -m comment --comment "pod traffic for ${spn} external destinations" -j ${svcChain}`);
        chainRules.push(`-A ${extChain} -m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
        chainRules.push(`-A ${extChain} -m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${svcChain}`);
        chainRules.push(`-A ${extChain} -j ${svlChain}`);
      } else {
        chainRules.push(`-A ${extChain} -m comment --comment "masquerade traffic for ${spn} external destinations" -j KUBE-MARK-MASQ`);
        chainRules.push(`-A ${extChain} -j ${svcChain}`);
      }
      if (usesFw) {
        // Only sources in loadBalancerSourceRanges go on to KUBE-EXT-; the rest fall through
        // un-DNATed and KUBE-PROXY-FIREWALL drops them.
        chains.push(fwChain);
        const lb = `-A ${fwChain} -m comment --comment "${spn} loadbalancer IP"`;
        for (const cidr of sourceRanges) chainRules.push(`${lb} -s ${cidr} -j ${extChain}`);
        if (opts.nodeIP && sourceRanges.some((c) => cidrContains(c, opts.nodeIP!))) for (const ip of sp.loadBalancerIPs) chainRules.push(`${lb} -s ${ip} -j ${extChain}`);
        chainRules.push(`-A ${fwChain} -m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`);
      }
    } else {
      const why = all.length ? "has no local endpoints" : "has no endpoints";
      const target = all.length ? "DROP" : "REJECT --reject-with icmp-port-unreachable";
      if (sp.nodePort !== undefined) filter.push(`-A KUBE-EXTERNAL-SERVICES -p ${proto} -m comment --comment "${spn} ${why}" -m addrtype --dst-type LOCAL ${dport} ${sp.nodePort} -j ${target}`);
      for (const ip of [...sp.loadBalancerIPs, ...sp.externalIPs]) filter.push(`-A KUBE-EXTERNAL-SERVICES -d ${ip}/32 -p ${proto} -m comment --comment "${spn} ${why}" ${dport} ${sp.port} -j ${target}`);
    }
  }
  if (sp.externalPolicyLocal && sp.healthCheckNodePort) filter.push(`-A KUBE-NODEPORTS -p tcp -m comment --comment "${spn} health check node port" -m tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);

  // KUBE-SVC- (every usable endpoint) and KUBE-SVL- (this node's), when anything leads to them.
  const writeBalanced = (chain: string, eps: typeof all, masqueradeFromOutside: boolean): void => {
    chains.push(chain);
    if (masqueradeFromOutside) chainRules.push(`-A ${chain} ! -s ${opts.clusterCidr} -d ${sp.clusterIP}/32 -p ${proto} -m comment --comment "${spn} cluster IP" ${dport} ${sp.port} -j KUBE-MARK-MASQ`);
    if (sp.affinityTimeout !== undefined)
      for (const ep of eps) {
        const sep = endpointChainName(spn, proto, ep.key);
        chainRules.push(`-A ${chain} -m comment --comment "${spn} -> ${ep.key}" -m recent --name ${sep} --mask 255.255.255.255 --rsource --rcheck --seconds ${sp.affinityTimeout} --reap -j ${sep}`);
      }
    eps.forEach((ep, i) => {
      const sep = endpointChainName(spn, proto, ep.key);
      const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(eps.length - i)}` : "";
      chainRules.push(`-A ${chain} -m comment --comment "${spn} -> ${ep.key}"${stat} -j ${sep}`);
    });
  };
  const svcUsed = (!sp.internalPolicyLocal && all.length > 0) || (hasExternal && externalEps.length > 0) || (sp.externalPolicyLocal && all.length > 0);
  if (svcUsed && all.length > 0) writeBalanced(svcChain, all, true);
  if (needsLocal && local.length > 0) writeBalanced(svlChain, local, false);
  if (needsLocal && local.length === 0 && sp.externalPolicyLocal && externalEps.length > 0) chains.push(svlChain);
  const seps = new Map<string, (typeof all)[number]>();
  for (const ep of [...(svcUsed ? all : []), ...(needsLocal ? local : [])]) seps.set(ep.key, ep);
  for (const ep of seps.values()) {
    const sep = endpointChainName(spn, proto, ep.key);
    chains.push(sep);
    chainRules.push(`-A ${sep} -s ${ep.ip}/32 -m comment --comment "${spn}" -j KUBE-MARK-MASQ`);
    const recent = sp.affinityTimeout !== undefined ? ` -m recent --set --name ${sep} --mask 255.255.255.255 --rsource` : "";
    chainRules.push(`-A ${sep} -p ${proto} -m comment --comment "${spn}"${recent} -m ${proto} -j DNAT --to-destination ${ep.key}`);
  }
  return { filter, nat, chains, chainRules };
}

/** How one sync is written. */
export interface IptablesSyncState {
  /** The service chains the previous sync left (those no longer wanted are flushed and deleted with -X). */
  readonly nat?: readonly string[];
  /**
   * A partial sync (kube-proxy's default since 1.27): service ports for which this returns true
   * are unchanged since the last sync, so their own chains are neither declared nor written —
   * iptables-restore --noflush leaves them as they are. The shared chains are always rewritten.
   */
  readonly unchanged?: (sp: ServicePortInfo) => boolean;
  /**
   * Delete the chains no longer in use (default true). kube-proxy in large-cluster mode (more
   * than 1,000 endpoints) leaves stale chains — unreferenced, so harmless — for a cleanup at most
   * once per sync period.
   */
  readonly deleteStale?: boolean;
  /** Each service port's rules (default {@link servicePortRules}): a cache keeps them from sync to sync while the (immutable) port is the same. */
  readonly rules?: (sp: ServicePortInfo) => ServicePortRules;
}

/**
 * The iptables-restore input of one sync of kube-proxy's iptables mode (after
 * pkg/proxy/iptables/proxier.go syncProxyRules): the filter table's KUBE-SERVICES /
 * KUBE-EXTERNAL-SERVICES rejects for services without endpoints, KUBE-PROXY-FIREWALL, KUBE-FORWARD;
 * the nat table's KUBE-SERVICES → KUBE-SVC-<hash> → KUBE-SEP-<hash> DNAT chains with `statistic`
 * probabilities, KUBE-NODEPORTS → KUBE-EXT-<hash>, KUBE-FW-<hash>, KUBE-SVL-<hash>, `recent`
 * session affinity, and KUBE-MARK-MASQ / KUBE-POSTROUTING masquerading (mark 0x4000). Returns the
 * text and every service chain now in use.
 */
export function iptablesRestoreInput(ports: readonly ServicePortInfo[], opts: IptablesRulesOptions, state: IptablesSyncState = {}): { text: string; natChains: string[] } {
  const filter: string[] = [];
  const nat: string[] = [];
  const declared: string[] = [];
  const chainRules: string[] = [];
  const active = new Set<string>();

  filter.push(
    `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );
  nat.push(
    `-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000`,
    `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000`,
  );
  for (const sp of ports) {
    const rules = state.rules ? state.rules(sp) : servicePortRules(sp, opts);
    for (const line of rules.filter) filter.push(line);
    for (const line of rules.nat) nat.push(line);
    for (const c of rules.chains) active.add(c);
    if (state.unchanged?.(sp)) continue;
    for (const c of rules.chains) declared.push(c);
    for (const line of rules.chainRules) chainRules.push(line);
  }
  nat.push(`-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);

  const lines = ["*filter"];
  for (const c of FILTER_CHAINS) lines.push(`:${c} - [0:0]`);
  for (const l of filter) lines.push(l);
  lines.push("COMMIT", "*nat");
  for (const c of NAT_CHAINS) lines.push(`:${c} - [0:0]`);
  for (const c of declared) lines.push(`:${c} - [0:0]`);
  const stale = state.deleteStale === false ? [] : (state.nat ?? []).filter((c) => !active.has(c));
  if (state.deleteStale === false) for (const c of state.nat ?? []) active.add(c);
  for (const c of stale) lines.push(`:${c} - [0:0]`);
  for (const l of nat) lines.push(l);
  for (const l of chainRules) lines.push(l);
  for (const c of stale) lines.push(`-X ${c}`);
  lines.push("COMMIT", "");
  return { text: lines.join("\n"), natChains: [...active] };
}
