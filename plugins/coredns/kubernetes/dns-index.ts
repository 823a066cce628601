import type { Namespace, Pod, Service, ServicePort } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { DnsInformers } from "../server/handler.js";
import type { EventHandlerRegistration } from "../../../core/informers/event-handler.js";
import { isTombstone } from "../../../core/informers/tombstone.js";
import type { Clock } from "../../../core/clock/clock.js";

/** A port of a service or an endpoint, as DNS names it. */
export interface DnsPort {
  readonly name: string;
  readonly port: number;
  /** `TCP`, `UDP`, `SCTP`. */
  readonly protocol: string;
}

/** One ready endpoint address of a service. */
export interface DnsEndpoint {
  readonly ip: string;
  readonly v6: boolean;
  /** `spec.hostname` of the pod (StatefulSets), as the EndpointSlice carries it. */
  readonly hostname?: string;
  /** The backing pod's name (targetRef), for `endpoint_pod_names`. */
  readonly podName?: string;
  readonly ports: readonly DnsPort[];
}

/** What DNS knows of a Service. */
export interface DnsService {
  readonly namespace: string;
  readonly name: string;
  readonly kind: "ClusterIP" | "Headless" | "ExternalName";
  readonly clusterIPs: readonly string[];
  readonly externalName?: string;
  readonly ports: readonly DnsPort[];
  /** Ready endpoints (each IP once), from all the service's EndpointSlices. */
  endpoints: readonly DnsEndpoint[];
}

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

/**
 * The kubernetes plugin's view of the cluster, kept up to date from the shared informers and
 * indexed for queries: services by namespace/name, endpoints by service, reverse maps from cluster
 * and endpoint IPs, pods by IP (only when `pods verified` asks). Every query is a few map lookups;
 * every event touches only its own service.
 */
export class DnsIndex {
  private readonly services = new Map<string, DnsService>();
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  private readonly namespaceServices = new Map<string, number>();
  private readonly namespaces = new Set<string>();
  private readonly clusterIpIndex = new Map<string, Set<string>>();
  private readonly endpointIpIndex = new Map<string, Set<string>>();
  private readonly podIps = new Map<string, Set<string>>();
  private readonly registrations: EventHandlerRegistration[] = [];
  /** When the index last changed (unix seconds): the SOA serial. */
  modified: number;
  /** Counts the index's changes: an answer computed at one generation holds while it stays the same. */
  generation = 0;

  constructor(
    informers: DnsInformers,
    private readonly clock: Clock,
    options: { pods?: boolean } = {},
  ) {
    this.modified = Math.floor(clock.now() / 1000);
    const svc = informers.forResource<Service>("Service");
    this.registrations.push(
      svc.addEventHandler({
        onAdd: (s) => this.setService(s),
        onUpdate: (_o, s) => this.setService(s),
        onDelete: (s) => this.deleteService(isTombstone(s) ? s.obj : s),
      }),
    );
    const eps = informers.forResource<EndpointSlice>("EndpointSlice");
    this.registrations.push(
      eps.addEventHandler({
        onAdd: (e) => this.setSlice(e),
        onUpdate: (_o, e) => this.setSlice(e),
        onDelete: (e) => this.deleteSlice(isTombstone(e) ? e.obj : e),
      }),
    );
    const ns = informers.forResource<Namespace>("Namespace");
    this.registrations.push(
      ns.addEventHandler({
        onAdd: (n) => {
          this.generation++;
          this.namespaces.add(n.metadata?.name ?? "");
        },
        onDelete: (n) => {
          this.generation++;
          this.namespaces.delete((isTombstone(n) ? n.obj : n).metadata?.name ?? "");
        },
      }),
    );
    if (options.pods) {
      const pods = informers.forResource<Pod>("Pod");
      const ips = (p: Pod): string[] => (p.status?.podIPs?.map((i) => i.ip) ?? (p.status?.podIP ? [p.status.podIP] : [])).filter((ip): ip is string => !!ip && !p.spec?.hostNetwork);
      this.registrations.push(
        pods.addEventHandler({
          onAdd: (p) => {
            this.generation++;
            ips(p).forEach((ip) => addTo(this.podIps, ip, p.metadata?.namespace ?? ""));
          },
          onUpdate: (o, p) => {
            this.generation++;
            ips(o).forEach((ip) => removeFrom(this.podIps, ip, o.metadata?.namespace ?? ""));
            ips(p).forEach((ip) => addTo(this.podIps, ip, p.metadata?.namespace ?? ""));
          },
          onDelete: (p) => {
            this.generation++;
            const pod = isTombstone(p) ? p.obj : p;
            ips(pod).forEach((ip) => removeFrom(this.podIps, ip, pod.metadata?.namespace ?? ""));
          },
        }),
      );
    }
    if (informers.all().some((i) => !i.isStarted())) informers.start();
  }

  /** True once every informer's initial list has been delivered. */
  synced(): boolean {
    return this.registrations.every((r) => r.hasSynced());
  }

  stop(): void {
    for (const r of this.registrations) r.remove();
  }

  service(namespace: string, name: string): DnsService | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  /** The namespace exists (or holds a service). */
  hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace) || this.namespaceServices.has(namespace);
  }

  /** Services whose cluster IP is `ip`. */
  servicesByClusterIp(ip: string): DnsService[] {
    return [...(this.clusterIpIndex.get(ip) ?? [])].map((k) => this.services.get(k)).filter((s): s is DnsService => !!s);
  }

  /** Services with a ready endpoint at `ip`. */
  servicesByEndpointIp(ip: string): DnsService[] {
    return [...(this.endpointIpIndex.get(ip) ?? [])].map((k) => this.services.get(k)).filter((s): s is DnsService => !!s);
  }

  /** A pod with `ip` runs in `namespace` (`pods verified`). */
  podExists(ip: string, namespace: string): boolean {
    return this.podIps.get(ip)?.has(namespace) ?? false;
  }

  /** Number of services indexed. */
  get size(): number {
    return this.services.size;
  }

  private touch(): void {
    this.generation++;
    this.modified = Math.floor(this.clock.now() / 1000);
  }

  private setService(s: Service): void {
    const ns = s.metadata?.namespace ?? "default";
    const name = s.metadata?.name ?? "";
    const key = `${ns}/${name}`;
    const old = this.services.get(key);
    if (old) for (const ip of old.clusterIPs) removeFrom(this.clusterIpIndex, ip, key);
    else this.namespaceServices.set(ns, (this.namespaceServices.get(ns) ?? 0) + 1);
    const spec = s.spec ?? {};
    const kind = spec.type === "ExternalName" ? "ExternalName" : spec.clusterIP === "None" ? "Headless" : "ClusterIP";
    const clusterIPs = kind === "ClusterIP" ? (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((ip) => ip && ip !== "None") : [];
    const entry: DnsService = {
      namespace: ns,
      name,
      kind,
      clusterIPs,
      ...(kind === "ExternalName" && spec.externalName ? { externalName: spec.externalName.replace(/\.$/, "") } : {}),
      ports: (spec.ports ?? []).map((p: ServicePort) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP" })),
      endpoints: old?.endpoints ?? [],
    };
    this.services.set(key, entry);
    for (const ip of clusterIPs) addTo(this.clusterIpIndex, ip, key);
    if (!old) this.recompute(key);
    this.touch();
  }

  private deleteService(s: Service): void {
    const key = `${s.metadata?.namespace ?? "default"}/${s.metadata?.name ?? ""}`;
    const old = this.services.get(key);
    if (!old) return;
    for (const ip of old.clusterIPs) removeFrom(this.clusterIpIndex, ip, key);
    for (const e of old.endpoints) removeFrom(this.endpointIpIndex, e.ip, key);
    this.services.delete(key);
    const n = (this.namespaceServices.get(old.namespace) ?? 1) - 1;
    if (n <= 0) this.namespaceServices.delete(old.namespace);
    else this.namespaceServices.set(old.namespace, n);
    this.touch();
  }

  private sliceService(e: EndpointSlice): string | undefined {
    const svc = e.metadata?.labels?.[SERVICE_NAME_LABEL];
    return svc ? `${e.metadata?.namespace ?? "default"}/${svc}` : undefined;
  }

  private setSlice(e: EndpointSlice): void {
    const key = this.sliceService(e);
    if (!key) return;
    let m = this.slices.get(key);
    if (!m) this.slices.set(key, (m = new Map()));
    m.set(e.metadata?.name ?? "", e);
    this.recompute(key);
    this.touch();
  }

  private deleteSlice(e: EndpointSlice): void {
    const key = this.sliceService(e);
    if (!key) return;
    const m = this.slices.get(key);
    if (!m) return;
    m.delete(e.metadata?.name ?? "");
    if (m.size === 0) this.slices.delete(key);
    this.recompute(key);
    this.touch();
  }

  /** Rebuilds one service's ready endpoints from its slices. */
  private recompute(key: string): void {
    const entry = this.services.get(key);
    const seen = new Map<string, DnsEndpoint>();
    for (const slice of this.slices.get(key)?.values() ?? []) {
      if (slice.addressType === "FQDN") continue;
      const ports: DnsPort[] = (slice.ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port ?? 0, protocol: p.protocol ?? "TCP" }));
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses ?? []) {
          if (seen.has(ip)) continue;
          seen.set(ip, {
            ip,
            v6: ip.includes(":"),
            ...(ep.hostname ? { hostname: ep.hostname } : {}),
            ...(ep.targetRef?.kind === "Pod" && ep.targetRef.name ? { podName: ep.targetRef.name } : {}),
            ports,
          });
        }
      }
    }
    if (!entry) return;
    for (const e of entry.endpoints) removeFrom(this.endpointIpIndex, e.ip, key);
    entry.endpoints = [...seen.values()];
    for (const e of entry.endpoints) addTo(this.endpointIpIndex, e.ip, key);
  }
}
