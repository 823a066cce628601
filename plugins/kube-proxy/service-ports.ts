import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";

/** One endpoint of a service port, as kube-proxy's endpoints change tracker keeps it. */
export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly nodeName?: string;
  /** `ip:port` */
  readonly key: string;
}

/** One service port with what the proxier needs (kube-proxy's ServicePort). */
export interface ServicePortInfo {
  /** `ns/name` or `ns/name:portName` */
  readonly name: string;
  readonly namespace: string;
  readonly service: string;
  readonly protocol: "tcp" | "udp" | "sctp";
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort?: number;
  readonly loadBalancerIPs: readonly string[];
  readonly externalIPs: readonly string[];
  /** `spec.loadBalancerSourceRanges` (LoadBalancer services): who may reach the load balancer IPs. */
  readonly loadBalancerSourceRanges?: readonly string[];
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
  readonly healthCheckNodePort?: number;
  readonly affinityTimeout?: number;
  readonly endpoints: readonly EndpointInfo[];
}

/**
 * The service ports kube-proxy programs: ClusterIP/NodePort/LoadBalancer services with a cluster IP
 * (headless and ExternalName get no rules), each port joined with the EndpointSlices' endpoints
 * for the port's name and protocol, sorted by `ip:port` as kube-proxy sorts them.
 */
export function servicePorts(services: readonly Service[], slicesByService: ReadonlyMap<string, readonly EndpointSlice[]>): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const ns = svc.metadata?.namespace ?? "default";
    const name = svc.metadata?.name ?? "";
    if (!spec || spec.type === "ExternalName" || !spec.clusterIP || spec.clusterIP === "None") continue;
    const slices = slicesByService.get(`${ns}/${name}`) ?? [];
    const lbIPs = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);
    for (const p of spec.ports ?? []) {
      const protocol = (p.protocol ?? "TCP").toLowerCase() as ServicePortInfo["protocol"];
      const endpoints = new Map<string, EndpointInfo>();
      for (const slice of slices) {
        if (slice.addressType !== "IPv4") continue;
        const sp = (slice.ports ?? []).find((x) => (x.name ?? "") === (p.name ?? "") && (x.protocol ?? "TCP").toLowerCase() === protocol);
        if (!sp?.port) continue;
        for (const ep of slice.endpoints ?? []) {
          const ip = ep.addresses?.[0];
          if (!ip) continue;
          const key = `${ip}:${sp.port}`;
          const ready = ep.conditions?.ready !== false;
          endpoints.set(key, {
            ip,
            port: sp.port,
            key,
            ready,
            serving: ep.conditions?.serving ?? ready,
            terminating: ep.conditions?.terminating ?? false,
            ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
          });
        }
      }
      out.push({
        name: p.name ? `${ns}/${name}:${p.name}` : `${ns}/${name}`,
        namespace: ns,
        service: name,
        protocol,
        clusterIP: spec.clusterIP,
        port: p.port,
        ...(p.nodePort && (spec.type === "NodePort" || spec.type === "LoadBalancer") ? { nodePort: p.nodePort } : {}),
        loadBalancerIPs: spec.type === "LoadBalancer" ? lbIPs : [],
        externalIPs: spec.externalIPs ?? [],
        ...(spec.type === "LoadBalancer" && spec.loadBalancerSourceRanges?.length ? { loadBalancerSourceRanges: spec.loadBalancerSourceRanges.map((c) => c.trim()) } : {}),
        externalPolicyLocal: spec.externalTrafficPolicy === "Local" && (spec.type === "NodePort" || spec.type === "LoadBalancer"),
        internalPolicyLocal: spec.internalTrafficPolicy === "Local",
        ...(spec.healthCheckNodePort ? { healthCheckNodePort: spec.healthCheckNodePort } : {}),
        ...(spec.sessionAffinity === "ClientIP" ? { affinityTimeout: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 } : {}),
        endpoints: [...endpoints.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      });
    }
  }
  return out;
}

/**
 * The endpoints traffic may use (kube-proxy's CategorizeEndpoints): ready ones; if none, serving
 * terminating ones (the terminating-endpoints fallback). `local` keeps those on `node`.
 */
export function usableEndpoints(sp: ServicePortInfo, node: string, local: boolean): EndpointInfo[] {
  const pool = local ? sp.endpoints.filter((e) => e.nodeName === node) : sp.endpoints;
  const ready = pool.filter((e) => e.ready);
  return ready.length ? ready : pool.filter((e) => e.serving && e.terminating);
}
