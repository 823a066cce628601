import type { Endpoint, EndpointPort, EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { isStatusError, type Manager } from "../../../../core/index.js";
import { newControllerRef } from "../workload/controller-ref.js";
import { PodEndpointCache } from "./pod-endpoint-cache.js";
import { serviceLabels, shouldPodBeInEndpoints, type PodEndpoint, type ResolvedPort } from "./pod-endpoints.js";
import { hasSelector, serviceController } from "./service-pods.js";
import type { EntryChange } from "./service-pod-entries.js";

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

/** A selected pod's endpoint, with its pod's uid and resolved ports (the slices it can go in). */
interface Entry extends Wanted {
  uid: string;
  portsKey: string;
  ports: readonly ResolvedPort[];
}

/** What a slice holds: its ports (and their key) and its endpoints by pod uid. */
interface Placed {
  portsKey: string;
  ports: EndpointPort[];
  endpoints: Map<string, Entry>;
}

/** One slice being planned: the existing one it rewrites, if any, and whether it must be written. */
interface Plan extends Placed {
  existing?: EndpointSlice;
  changed: boolean;
}

/** A Service's slices as its last sync left them, by `name@resourceVersion`, and the slice name of each pod uid. */
interface Confirmed {
  slices: Map<string, Placed>;
  where: Map<string, string>;
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
  const entries = w.entries<Entry>(
    (svc, pod) => {
      if (!shouldPodBeInEndpoints(pod, true)) return undefined;
      const { ep, derived } = wanted.get(svc, pod);
      if (ep.ports.length === 0 && (svc.spec?.ports ?? []).length > 0) return undefined;
      return { uid: pod.metadata!.uid!, portsKey: ep.portsKey, ports: ep.ports, ...derived };
    },
    (a, b) => a.portsKey === b.portsKey && a.json === b.json,
  );
  /**
   * Each Service's slices when a sync last found or wrote them as it computed (by
   * `name@resourceVersion`, with what they hold) and which slice holds each pod uid: while the
   * slices and the Service's entries stay the same, a sync has nothing to do; when only some
   * entries changed, it plans from them ({@link incrementalPlan}).
   */
  const confirmed = new Map<string, Confirmed>();
  const versionOf = (s: EndpointSlice): string => `${s.metadata!.name!}@${s.metadata!.resourceVersion ?? ""}`;
  // The JSON of the endpoints slices have (informer objects are immutable).
  const jsonOfExisting = new WeakMap<Endpoint, string>();
  const existingJson = (e: Endpoint): string => {
    let json = jsonOfExisting.get(e);
    if (json === undefined) jsonOfExisting.set(e, (json = JSON.stringify(e)));
    return json;
  };

  /**
   * The slices' plan from the existing slices and every entry: endpoints stay in the slices they
   * are in (rewritten when they changed), new ones fill slices with room, fullest first, then new
   * slices; emptied slices and those of ports no longer wanted go; a Service with no endpoint
   * keeps one empty placeholder slice.
   */
  function fullPlan(existing: readonly EndpointSlice[], entries: ReadonlyMap<string, Entry>): { plans: Plan[]; toDelete: EndpointSlice[] } {
    // Desired endpoints by ports key, then pod uid.
    const desired = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Entry> }>();
    for (const e of entries.values()) {
      let group = desired.get(e.portsKey);
      if (!group) desired.set(e.portsKey, (group = { ports: e.ports.map((p) => ({ ...p })), endpoints: new Map() }));
      group.endpoints.set(e.uid, e);
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
        const plan: Plan = { existing: s, portsKey: key, ports: group.ports, endpoints: new Map(), changed: false };
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
      fill(slices, remaining.values(), key, group.ports);
      for (const p of slices) {
        if (p.endpoints.size === 0 && p.existing) toDelete.push(p.existing);
        else plans.push(p);
      }
    }
    for (const [key, slices] of byKey) if (!desired.has(key) && key !== "<placeholder>") toDelete.push(...slices);
    const placeholders = byKey.get("<placeholder>") ?? [];
    if (desired.size === 0) {
      // Keep (or create) exactly one empty slice.
      if (placeholders.length === 0) plans.push({ portsKey: "", ports: [], endpoints: new Map(), changed: true });
      toDelete.push(...placeholders.slice(1));
    } else toDelete.push(...placeholders);
    return { plans, toDelete };
  }

  /** New endpoints into `slices` (sorted in place, fullest first): those with room, then new ones. */
  function fill(slices: Plan[], fresh: Iterable<Entry>, portsKey: string, ports: EndpointPort[]): void {
    slices.sort((a, b) => b.endpoints.size - a.endpoints.size);
    for (const e of fresh) {
      let plan = slices.find((p) => p.endpoints.size < MAX_ENDPOINTS_PER_SLICE);
      if (!plan) slices.push((plan = { portsKey, ports, endpoints: new Map(), changed: true }));
      plan.endpoints.set(e.uid, e);
      plan.changed = true;
    }
  }

  /**
   * The same plan as {@link fullPlan} from the changed entries alone, when the existing slices are
   * as `state` last confirmed them (the Service's own, all of one ports key, none empty): a changed
   * endpoint is rewritten in its slice, a removed one leaves it, new ones fill slices as there.
   * Undefined when a change needs the full plan (ports, a pod uid taking another's key, no endpoint left).
   * Takes over `state`'s slices (the caller drops it).
   */
  function incrementalPlan(existing: readonly EndpointSlice[], state: Confirmed, changes: readonly EntryChange<Entry>[]): { plans: Plan[]; toDelete: EndpointSlice[] } | undefined {
    const byName = new Map<string, Plan>();
    const slices: Plan[] = [];
    let size = 0;
    for (const s of existing) {
      const p = state.slices.get(versionOf(s))!;
      if (p.endpoints.size === 0 || (slices.length > 0 && p.portsKey !== slices[0]!.portsKey)) return undefined;
      const plan: Plan = { existing: s, portsKey: p.portsKey, ports: p.ports, endpoints: p.endpoints, changed: false };
      slices.push(plan);
      byName.set(s.metadata!.name!, plan);
      size += p.endpoints.size;
    }
    if (slices.length === 0) return undefined;
    const { portsKey, ports } = slices[0]!;
    const fresh: Entry[] = [];
    for (const { before, after } of changes) {
      if ((before && before.portsKey !== portsKey) || (after && after.portsKey !== portsKey) || (before && after && before.uid !== after.uid)) return undefined;
      if (!before) {
        if (state.where.has(after!.uid)) return undefined;
        fresh.push(after!);
        size++;
        continue;
      }
      const plan = byName.get(state.where.get(before.uid) ?? "");
      if (!plan) return undefined;
      if (after) {
        if (plan.endpoints.get(before.uid)?.json !== after.json) plan.changed = true;
        plan.endpoints.set(before.uid, after);
      } else {
        plan.endpoints.delete(before.uid);
        state.where.delete(before.uid);
        plan.changed = true;
        size--;
      }
    }
    if (size === 0) return undefined;
    fill(slices, fresh, portsKey, ports);
    const plans: Plan[] = [];
    const toDelete: EndpointSlice[] = [];
    for (const p of slices) {
      if (p.endpoints.size === 0 && p.existing) toDelete.push(p.existing);
      else plans.push(p);
    }
    return { plans, toDelete };
  }

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
    const state = confirmed.get(key);
    const asConfirmed = !!state && state.slices.size === existing.length && existing.every((s) => state.slices.has(versionOf(s)));
    if (!current.changed && asConfirmed) return;
    confirmed.delete(key);
    const incremental = asConfirmed && !current.rebuilt ? incrementalPlan(existing, state!, current.changes) : undefined;
    const { plans, toDelete } = incremental ?? fullPlan(existing, current.entries);

    const labels = { ...serviceLabels(svc), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    const slices = new Map<string, Placed>();
    const placed = (plan: Plan, s: EndpointSlice): void => void slices.set(versionOf(s), { portsKey: plan.portsKey, ports: plan.ports, endpoints: plan.endpoints });
    const wrote = (plan: Plan, s: EndpointSlice): void => {
      w.wrote(s);
      placed(plan, s);
      if (incremental) for (const uid of plan.endpoints.keys()) state!.where.set(uid, s.metadata!.name!);
    };
    for (const plan of plans) {
      const labelsChanged = plan.existing && JSON.stringify(plan.existing.metadata?.labels ?? {}) !== JSON.stringify(labels);
      if (!plan.changed && !labelsChanged) {
        if (plan.existing) placed(plan, plan.existing);
        continue;
      }
      const endpoints = [...plan.endpoints.values()].map((e) => e.endpoint);
      if (plan.existing) {
        wrote(plan, await client.update({ ...plan.existing, metadata: { ...plan.existing.metadata, labels }, endpoints, ports: plan.ports }, { namespace: ns }));
      } else {
        wrote(plan, await client.create(
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
    let where = incremental ? state!.where : undefined;
    if (!where) {
      where = new Map();
      for (const [version, p] of slices) for (const uid of p.endpoints.keys()) where.set(uid, version.slice(0, version.lastIndexOf("@")));
    }
    confirmed.set(key, { slices, where });
  }
}
