import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { servicePortRules, type IptablesRulesOptions, type ServicePortRules } from "./iptables-rules.js";
import { servicePorts, type ServicePortInfo } from "./service-ports.js";

/**
 * What every node's kube-proxy derives alike from the same objects, derived once in the process:
 * every node's informers deliver the same (immutable) Service and EndpointSlice objects, so a
 * change to a Service with thousands of endpoints is turned into service ports, and into rules
 * where they do not depend on the node, once — not once per node — and every node's proxier
 * keeps the same copy instead of one of its own. Entries go with the objects they were made from.
 */
const portsByService = new WeakMap<Service, { readonly slices: readonly EndpointSlice[]; readonly ports: ServicePortInfo[] }>();
const rulesByPort = new WeakMap<ServicePortInfo, { readonly clusterCidr: string; readonly rules: ServicePortRules }>();

/** {@link servicePorts} of one Service and its slices: the ports already made from the same objects, if any. */
export function sharedServicePorts(svc: Service, slices: readonly EndpointSlice[]): ServicePortInfo[] {
  const hit = portsByService.get(svc);
  if (hit && hit.slices.length === slices.length && hit.slices.every((s, i) => s === slices[i])) return hit.ports;
  const ports = servicePorts([svc], new Map([[`${svc.metadata?.namespace ?? "default"}/${svc.metadata?.name ?? ""}`, slices]]));
  portsByService.set(svc, { slices, ports });
  return ports;
}

/** Do a port's rules depend on the node writing them (Local traffic policies, source ranges checked against the node's IP)? */
function nodeDependent(sp: ServicePortInfo): boolean {
  return sp.externalPolicyLocal || sp.internalPolicyLocal || (sp.loadBalancerSourceRanges?.length ?? 0) > 0;
}

/**
 * One node's cache of {@link servicePortRules}: rules that do not depend on the node are shared
 * by every node (per cluster CIDR), the others kept per node.
 */
export class ServicePortRulesCache {
  private readonly own = new WeakMap<ServicePortInfo, ServicePortRules>();

  constructor(private readonly opts: IptablesRulesOptions) {}

  rules(sp: ServicePortInfo): ServicePortRules {
    if (nodeDependent(sp)) {
      let rules = this.own.get(sp);
      if (!rules) this.own.set(sp, (rules = servicePortRules(sp, this.opts)));
      return rules;
    }
    const hit = rulesByPort.get(sp);
    if (hit?.clusterCidr === this.opts.clusterCidr) return hit.rules;
    const rules = servicePortRules(sp, this.opts);
    rulesByPort.set(sp, { clusterCidr: this.opts.clusterCidr, rules });
    return rules;
  }
}
