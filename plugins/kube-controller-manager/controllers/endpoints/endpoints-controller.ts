import type { EndpointAddress, Endpoints, EndpointSubset } from "kubernetes-types/core/v1.js";
import { isStatusError, jsonEqual, type Manager } from "../../../../core/index.js";
import { AddressGroups, type AddressEntry } from "./address-groups.js";
import { PodEndpointCache } from "./pod-endpoint-cache.js";
import { serviceLabels, shouldPodBeInEndpoints } from "./pod-endpoints.js";
import { serviceController } from "./service-pods.js";

/** An Endpoints address and its JSON (to tell a changed pod from a new version of the same). */
interface Address {
  address: EndpointAddress;
  json: string;
}

/** A selected pod's address and where it goes: its ports' subset, `addresses` (ready) or `notReadyAddresses`. */
interface Entry extends Address, AddressEntry {}

/** Upstream's maxCapacity: more addresses than this are truncated. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
export const OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";

/**
 * The Endpoints controller (pkg/controller/endpoint): for every Service with a selector, an
 * Endpoints object of the same name listing the selected pods that have an IP — ready ones in
 * `addresses`, the others in `notReadyAddresses` (all in `addresses` with
 * publishNotReadyAddresses; terminating pods only then) — one subset per set of resolved target
 * ports, with hostname, nodeName and a targetRef. Past 1,000 addresses the list is truncated and
 * annotated `endpoints.kubernetes.io/over-capacity: truncated`. Deleting the Service deletes it.
 */
export function endpointsController(mgr: Manager, workers: number): void {
  const informer = mgr.informers.forResource<Endpoints>("Endpoints");
  const lister = informer.lister();
  const client = mgr.client.resource<Endpoints>("Endpoints");
  const w = serviceController(mgr, "endpoints", workers, { informer, serviceOf: (ep) => ep.metadata!.name! }, sync);
  const addresses = new PodEndpointCache<Address>(w.node, (ep) => {
    const address: EndpointAddress = {
      ip: ep.ip,
      ...(ep.hostname ? { hostname: ep.hostname } : {}),
      ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
      targetRef: { kind: "Pod", namespace: ep.pod.metadata!.namespace!, name: ep.pod.metadata!.name!, uid: ep.pod.metadata!.uid! },
    };
    return { address, json: JSON.stringify(address) };
  });
  /** Per Service, each selected pod's place in the subsets (undefined: none). */
  const entries = w.entries<Entry>(
    (svc, pod) => {
      const tolerate = !!svc.spec?.publishNotReadyAddresses;
      if (!shouldPodBeInEndpoints(pod, tolerate)) return undefined;
      const { ep, derived } = addresses.get(svc, pod);
      if (ep.ports.length === 0 && !(svc.spec?.clusterIP === "None" && (svc.spec?.ports ?? []).length === 0)) return undefined;
      return { portsKey: ep.portsKey, ports: ep.ports, ready: tolerate || ep.serving, ...derived };
    },
    (a, b) => a.ready === b.ready && a.portsKey === b.portsKey && a.json === b.json,
  );
  /**
   * The resourceVersion of each Service's Endpoints when a sync last found it (or wrote it) as that
   * sync computed: while it and the Service's entries stay the same, a sync has nothing to do.
   */
  const confirmed = new Map<string, string>();
  /** Each Service's addresses sorted as its last sync's subsets list them (kept only when that sync completed). */
  const sorted = new Map<string, AddressGroups>();

  async function sync(ns: string, name: string): Promise<void> {
    const key = `${ns}/${name}`;
    const svc = w.services.lister().namespace(ns).get(name);
    if (!svc || !svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) {
      entries.forget(key);
      confirmed.delete(key);
      sorted.delete(key);
    }
    if (!svc) {
      try {
        if (lister.namespace(ns).get(name)) await client.delete(name, { namespace: ns });
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
      return;
    }
    if (!svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) return; // user-managed
    const current = entries.sync(key, svc);
    const existing = lister.namespace(ns).get(name);
    const rv = existing?.metadata?.resourceVersion;
    if (!current.changed && rv !== undefined && confirmed.get(key) === rv) return;
    confirmed.delete(key);
    let groups = sorted.get(key);
    sorted.delete(key);
    if (!groups || current.rebuilt || !groups.apply(current.changes)) groups = AddressGroups.of(current.entries.values());
    const { subsets, truncated } = computeSubsets(groups);
    const labels = serviceLabels(svc);
    const annotations: Record<string, string> = { ...(existing?.metadata?.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY] = "truncated";
    else delete annotations[OVER_CAPACITY];
    const body: Endpoints = { apiVersion: "v1", kind: "Endpoints", metadata: { ...(existing?.metadata ?? { name, namespace: ns }), labels, annotations }, ...(subsets.length ? { subsets } : {}) };
    // Compared in place (no serialisation of every address on every sync).
    if (existing && jsonEqual(existing.subsets ?? [], subsets) && jsonEqual(existing.metadata?.labels ?? {}, labels) && jsonEqual(existing.metadata?.annotations ?? {}, annotations)) {
      confirmed.set(key, rv!);
      sorted.set(key, groups);
      return;
    }
    try {
      const written = existing ? await client.update(body, { namespace: ns }) : await client.create(body, { namespace: ns, fieldManager: "kube-controller-manager" });
      w.wrote(written);
      if (written.metadata?.resourceVersion) confirmed.set(key, written.metadata.resourceVersion);
      sorted.set(key, groups);
    } catch (err) {
      if (isStatusError(err, "AlreadyExists") || isStatusError(err, "Conflict")) throw err; // retried with a fresh cache
      if (isStatusError(err, "Forbidden") || isStatusError(err, "NotFound")) return; // namespace going away
      throw err;
    }
  }

  function computeSubsets(groups: AddressGroups): { subsets: EndpointSubset[]; truncated: boolean } {
    let budget = MAX_ENDPOINTS_CAPACITY;
    let truncated = false;
    const subsets: EndpointSubset[] = [];
    const take = (list: readonly AddressEntry[]): EndpointAddress[] => {
      if (list.length > budget) truncated = true;
      const kept = list.length > budget ? list.slice(0, Math.max(0, budget)) : list;
      budget -= kept.length;
      return kept.map((e) => e.address);
    };
    for (const key of [...groups.groups.keys()].sort()) {
      const g = groups.groups.get(key)!;
      const ready = take(g.ready);
      const notReady = take(g.notReady);
      if (ready.length + notReady.length === 0) continue;
      subsets.push({ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ...(g.ports.length ? { ports: g.ports.map((p) => ({ ...p })) } : {}) });
    }
    return { subsets, truncated };
  }
}
