import type { Endpoint, EndpointPort, EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { isStatusError, type Manager } from "../../../../core/index.js";
import { newControllerRef } from "../workload/controller-ref.js";
import { PodEndpointCache } from "./pod-endpoint-cache.js";
import { serviceLabels, shouldPodBeInEndpoints, type PodEndpoint } from "./pod-endpoints.js";
import { hasSelector, serviceController } from "./service-pods.js";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslice-controller.k8s.io";
/** `--max-endpoints-per-slice` default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** A desired endpoint and its JSON (to compare with the one a slice has). */
interface Wanted {
  endpoint: Endpoint;
  json: string;
}

/** One slice being planned: its endpoints by pod uid. */
interface Plan {
  existing?: EndpointSlice;
  ports: EndpointPort[];
  endpoints: Map<string, Wanted>;
  changed: boolean;
}

const portsKeyOf = (ports: readonly EndpointPort[] | undefined): string => (ports ?? []).map((p) => `${p.name ?? ""}/${p.protocol ?? "TCP"}/${p.port}/${p.appProtocol ?? ""}`).sort().join(",");

function toEndpoint(ep: PodEndpoint): Endpoint {
  const pod = ep.pod;
  return {
    addresses: [ep.ip],
    conditions: { ready: ep.ready, serving: ep.serving, terminating: ep.terminating },
    ...(ep.hostname ? { hostname: ep.hostname } : {}),
    targetRef: { kind: "Pod", namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! },
    ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
    ...(ep.zone ? { zone: ep.zone } : {}),
  };
}

/**
 * The EndpointSlice controller (pkg/controller/endpointslice): for every Service with a selector,
 * IPv4 EndpointSlices of at most 100 endpoints each, one group of slices per set of resolved
 * target ports, labelled `kubernetes.io/service-name` and
 * `endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io` (plus the Service's
 * labels and the headless marker), owned by the Service. Endpoints carry ready / serving /
 * terminating conditions, nodeName, zone (the node's `topology.kubernetes.io/zone`), hostname and
 * targetRef; terminating pods stay listed. Changes keep endpoints in the slices they are in, fill
 * slices with room before creating new ones, and delete emptied slices; a Service with no
 * endpoint keeps one empty placeholder slice.
 */
export function endpointSliceController(mgr: Manager, workers: number): void {
  const informer = mgr.informers.forResource<EndpointSlice>("endpointslices.discovery.k8s.io");
  const client = mgr.client.resource<EndpointSlice>("endpointslices.discovery.k8s.io");
  const managed = (s: EndpointSlice): boolean => s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
  const w = serviceController(mgr, "endpointslice", workers, { informer, serviceOf: (s) => (managed(s) ? s.metadata?.labels?.[SERVICE_NAME_LABEL] : undefined) }, sync);
  const wanted = new PodEndpointCache<Wanted>(w.node, (ep) => {
    const endpoint = toEndpoint(ep);
    return { endpoint, json: JSON.stringify(endpoint) };
  });
  /** Per Service, each selected pod's endpoint (undefined: none). */
  const entries = w.entries<Wanted & { ep: PodEndpoint }>(
    (svc, pod) => {
      if (!shouldPodBeInEndpoints(pod, true)) return undefined;
      const { ep, derived } = wanted.get(svc, pod);
      if (ep.ports.length === 0 && (svc.spec?.ports ?? []).length > 0) return undefined;
      return { ep, ...derived };
    },
    (a, b) => a.ep.portsKey === b.ep.portsKey && a.json === b.json,
  );
  /**
   * Each Service's slices (`name@resourceVersion`) when a sync last found or wrote them as it
   * computed: while they and the Service's entries stay the same, a sync has nothing to do.
   */
  const confirmed = new Map<string, Set<string>>();
  const versionOf = (s: EndpointSlice): string => `${s.metadata!.name!}@${s.metadata!.resourceVersion ?? ""}`;
  // The JSON of the endpoints slices have (informer objects are immutable).
  const jsonOfExisting = new WeakMap<Endpoint, string>();
  const existingJson = (e: Endpoint): string => {
    let json = jsonOfExisting.get(e);
    if (json === undefined) jsonOfExisting.set(e, (json = JSON.stringify(e)));
    return json;
  };

  async function sync(ns: string, name: string): Promise<void> {
    const key = `${ns}/${name}`;
    const svc = w.services.lister().namespace(ns).get(name);
    if (!svc || !hasSelector(svc)) {
      entries.forget(key);
      confirmed.delete(key);
      return; // owned slices go with the Service (garbage collector)
    }
    const existing = informer
      .lister()
      .namespace(ns)
      .list()
      .filter((s) => managed(s) && s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && s.addressType === "IPv4" && !s.metadata?.deletionTimestamp);
    const current = entries.sync(key, svc);
    const seen = confirmed.get(key);
    if (!current.changed && seen && seen.size === existing.length && existing.every((s) => seen.has(versionOf(s)))) return;
    confirmed.delete(key);
    // Desired endpoints by ports key, then pod uid.
    const desired = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Wanted> }>();
    for (const e of current.entries.values()) {
      let group = desired.get(e.ep.portsKey);
      if (!group) desired.set(e.ep.portsKey, (group = { ports: e.ep.ports.map((p) => ({ ...p })), endpoints: new Map() }));
      group.endpoints.set(e.ep.pod.metadata!.uid!, e);
    }
    const plans: Plan[] = [];
    const toDelete: EndpointSlice[] = [];
    const byKey = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      const k = (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0 ? "<placeholder>" : portsKeyOf(s.ports);
      byKey.set(k, [...(byKey.get(k) ?? []), s]);
    }
    for (const [key, group] of desired) {
      const remaining = new Map(group.endpoints);
      const slices: Plan[] = [];
      for (const s of byKey.get(key) ?? []) {
        const plan: Plan = { existing: s, ports: group.ports, endpoints: new Map(), changed: false };
        for (const e of s.endpoints ?? []) {
          const uid = e.targetRef?.uid ?? "";
          const want = remaining.get(uid);
          if (!want) {
            plan.changed = true;
            continue;
          }
          remaining.delete(uid);
          plan.endpoints.set(uid, want);
          if (want.json !== existingJson(e)) plan.changed = true;
        }
        slices.push(plan);
      }
      // New endpoints fill slices with room, fullest first, then new slices.
      slices.sort((a, b) => b.endpoints.size - a.endpoints.size);
      for (const [uid, e] of remaining) {
        let plan = slices.find((p) => p.endpoints.size < MAX_ENDPOINTS_PER_SLICE);
        if (!plan) slices.push((plan = { ports: group.ports, endpoints: new Map(), changed: true }));
        plan.endpoints.set(uid, e);
        plan.changed = true;
      }
      for (const p of slices) {
        if (p.endpoints.size === 0 && p.existing) toDelete.push(p.existing);
        else plans.push(p);
      }
    }
    for (const [key, slices] of byKey) if (!desired.has(key) && key !== "<placeholder>") toDelete.push(...slices);
    const placeholders = byKey.get("<placeholder>") ?? [];
    if (desired.size === 0) {
      // Keep (or create) exactly one empty slice.
      if (placeholders.length === 0) plans.push({ ports: [], endpoints: new Map(), changed: true });
      toDelete.push(...placeholders.slice(1));
    } else toDelete.push(...placeholders);

    const labels = { ...serviceLabels(svc), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    const after = new Set<string>();
    const wrote = (s: EndpointSlice): void => {
      w.wrote(s);
      after.add(versionOf(s));
    };
    for (const plan of plans) {
      const labelsChanged = plan.existing && JSON.stringify(plan.existing.metadata?.labels ?? {}) !== JSON.stringify(labels);
      if (!plan.changed && !labelsChanged) {
        if (plan.existing) after.add(versionOf(plan.existing));
        continue;
      }
      const endpoints = [...plan.endpoints.values()].map((e) => e.endpoint);
      if (plan.existing) {
        wrote(await client.update({ ...plan.existing, metadata: { ...plan.existing.metadata, labels }, endpoints, ports: plan.ports }, { namespace: ns }));
      } else {
        wrote(await client.create(
          {
            apiVersion: "discovery.k8s.io/v1",
            kind: "EndpointSlice",
            metadata: { generateName: `${name.slice(0, 57)}-`, namespace: ns, labels, ownerReferences: [newControllerRef(svc, "v1", "Service")] },
            addressType: "IPv4",
            endpoints,
            ports: plan.ports,
          },
          { namespace: ns, fieldManager: "kube-controller-manager" },
        ));
      }
    }
    for (const s of toDelete) {
      try {
        await client.delete(s.metadata!.name!, { namespace: ns });
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
    confirmed.set(key, after);
  }
}
