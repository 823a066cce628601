import { isIP } from "node:net";
import type { EndpointAddress, EndpointPort as CoreEndpointPort, Endpoints, Service } from "kubernetes-types/core/v1.js";
import type { Endpoint, EndpointPort, EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { Controller, enqueueRequestForObject, enqueueRequestsFromMapFunc, isStatusError, jsonEqual, type Manager } from "../../../../core/index.js";
import { newControllerRef } from "../workload/controller-ref.js";
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from "./endpoint-slice-controller.js";
import { hasSelector } from "./service-pods.js";

export const MIRRORING_MANAGED_BY = "endpointslicemirroring-controller.k8s.io";
/** An Endpoints with this label set to "true" is not mirrored (the API server's own `kubernetes` Endpoints carries it). */
export const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";
/** `--mirroring-max-endpoints-per-subset` default: addresses past it in a subset are not mirrored. */
export const MAX_MIRRORED_ENDPOINTS_PER_SUBSET = 1000;
const SKIPPED_ANNOTATIONS = new Set(["endpoints.kubernetes.io/last-change-trigger-time", "kubectl.kubernetes.io/last-applied-configuration"]);

type AddressType = "IPv4" | "IPv6";

/** What the mirrored slices of one Endpoints should hold: endpoints grouped by ports and address type. */
export interface MirroredGroup {
  addressType: AddressType;
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

const portsKey = (addressType: string, ports: readonly EndpointPort[] | undefined): string => `${addressType}|${(ports ?? []).map((p) => `${p.name ?? ""}/${p.protocol ?? "TCP"}/${p.port}/${p.appProtocol ?? ""}`).sort().join(",")}`;

function toEndpoint(a: EndpointAddress, ready: boolean): Endpoint {
  return {
    addresses: [a.ip],
    conditions: { ready },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
  };
}

const toPorts = (ports: readonly CoreEndpointPort[] | undefined): EndpointPort[] =>
  (ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP", ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));

/**
 * The desired mirror of an Endpoints (upstream's desiredCalc): each subset's ready `addresses`
 * (ready: true) and `notReadyAddresses` (ready: false) grouped by ports and address family,
 * invalid IPs and duplicates dropped, at most {@link MAX_MIRRORED_ENDPOINTS_PER_SUBSET} per subset.
 */
export function mirroredGroups(endpoints: Endpoints, maxPerSubset = MAX_MIRRORED_ENDPOINTS_PER_SUBSET): MirroredGroup[] {
  const groups = new Map<string, MirroredGroup & { seen: Set<string> }>();
  for (const subset of endpoints.subsets ?? []) {
    const ports = toPorts(subset.ports);
    let taken = 0;
    const add = (a: EndpointAddress, ready: boolean): void => {
      const family = isIP(a.ip);
      if (family === 0 || taken >= maxPerSubset) return;
      const addressType: AddressType = family === 6 ? "IPv6" : "IPv4";
      const key = portsKey(addressType, ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { addressType, ports, endpoints: [], seen: new Set() }));
      if (g.seen.has(a.ip)) return;
      g.seen.add(a.ip);
      g.endpoints.push(toEndpoint(a, ready));
      taken++;
    };
    for (const a of subset.addresses ?? []) add(a, true);
    for (const a of subset.notReadyAddresses ?? []) add(a, false);
  }
  return [...groups.values()].map(({ addressType, ports, endpoints: eps }) => ({ addressType, ports, endpoints: eps }));
}

/**
 * The EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring): the Endpoints
 * of a Service without a selector (hand-made, or kept by another controller) are mirrored into
 * EndpointSlices named `<service>-<random>`, owned by the Endpoints, with its labels and
 * annotations (but `last-change-trigger-time` and `last-applied-configuration`), plus
 * `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
 * endpointslicemirroring-controller.k8s.io`; one slice per ports and address family. The mirror
 * is removed when the Endpoints or the Service goes, the Service gains a selector, or the
 * Endpoints is labelled `endpointslice.kubernetes.io/skip-mirror: "true"`.
 */
export function endpointSliceMirroringController(mgr: Manager, workers: number): Controller {
  const services = mgr.informers.forResource<Service>("Service");
  const endpointsInformer = mgr.informers.forResource<Endpoints>("Endpoints");
  const slices = mgr.informers.forResource<EndpointSlice>("endpointslices.discovery.k8s.io");
  const client = mgr.client.resource<EndpointSlice>("endpointslices.discovery.k8s.io");
  const mirrored = (s: EndpointSlice): boolean => s.metadata?.labels?.[MANAGED_BY_LABEL] === MIRRORING_MANAGED_BY;

  const controller = new Controller({ name: "endpointslicemirroring", clock: mgr.clock, log: mgr.log.child("endpointslicemirroring"), maxConcurrentReconciles: workers, reconciler: { reconcile: (req) => sync(req.namespace!, req.name) } });
  controller.watch({ informer: services, handler: enqueueRequestForObject<Service>() });
  controller.watch({ informer: endpointsInformer, handler: enqueueRequestForObject<Endpoints>() });
  controller.watch({
    informer: slices,
    handler: enqueueRequestsFromMapFunc<EndpointSlice>((s) => (mirrored(s) && s.metadata?.labels?.[SERVICE_NAME_LABEL] ? [{ namespace: s.metadata.namespace!, name: s.metadata.labels[SERVICE_NAME_LABEL] }] : [])),
  });
  mgr.add(controller);

  async function remove(ns: string, victims: readonly EndpointSlice[]): Promise<void> {
    for (const s of victims) {
      try {
        await client.delete(s.metadata!.name!, { namespace: ns });
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
  }

  async function sync(ns: string, name: string): Promise<void> {
    const existing = slices
      .lister()
      .namespace(ns)
      .list()
      .filter((s) => mirrored(s) && s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && !s.metadata?.deletionTimestamp);
    const ep = endpointsInformer.lister().namespace(ns).get(name);
    const svc = services.lister().namespace(ns).get(name);
    if (!ep || !svc || hasSelector(svc) || ep.metadata?.labels?.[SKIP_MIRROR_LABEL] === "true") {
      await remove(ns, existing);
      return;
    }
    const labels: Record<string, string> = { ...ep.metadata?.labels, [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY };
    const annotations = Object.fromEntries(Object.entries(ep.metadata?.annotations ?? {}).filter(([k]) => !SKIPPED_ANNOTATIONS.has(k)));
    const ownerRef = newControllerRef(ep, "v1", "Endpoints");
    const byKey = new Map<string, EndpointSlice[]>();
    for (const s of existing) byKey.set(portsKey(s.addressType, s.ports), [...(byKey.get(portsKey(s.addressType, s.ports)) ?? []), s]);
    const stale: EndpointSlice[] = [];
    for (const g of mirroredGroups(ep)) {
      const key = portsKey(g.addressType, g.ports);
      const [current, ...extra] = byKey.get(key) ?? [];
      byKey.delete(key);
      stale.push(...extra);
      const body = { addressType: g.addressType, ports: g.ports, endpoints: g.endpoints };
      if (!current) {
        await client.create(
          { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { generateName: `${name.slice(0, 57)}-`, namespace: ns, labels, annotations, ownerReferences: [ownerRef] }, ...body },
          { namespace: ns, fieldManager: "kube-controller-manager" },
        );
        continue;
      }
      const same = jsonEqual(current.endpoints ?? [], g.endpoints) && jsonEqual(current.ports ?? [], g.ports) && jsonEqual(current.metadata?.labels ?? {}, labels) && jsonEqual(current.metadata?.annotations ?? {}, annotations);
      if (!same) await client.update({ ...current, metadata: { ...current.metadata, labels, annotations }, ...body }, { namespace: ns });
    }
    for (const left of byKey.values()) stale.push(...left);
    await remove(ns, stale);
  }

  return controller;
}
