import type { Pod, ResourceQuota } from "kubernetes-types/core/v1.js";
import {
  addQuantities,
  controllerFor,
  formatQuantity,
  isStatusError,
  objectUsage,
  quotaScopesMatch,
  ZERO_QUANTITY,
  type KubeObject,
  type Manager,
  type Quantity,
  type ResourceRegistry,
} from "../../../../core/index.js";

/** `--resource-quota-sync-period`: every quota is recomputed at least this often (5 minutes). */
export const QUOTA_RESYNC_MS = 5 * 60_000;

type Quota = ResourceQuota & KubeObject;

/** The resources (group, plural) whose objects a quota resource name is computed from. */
export function sourcesOf(name: string): { group: string; plural: string }[] {
  if (name.startsWith("count/")) {
    const rest = name.slice(6);
    const dot = rest.indexOf(".");
    return [dot < 0 ? { group: "", plural: rest } : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) }];
  }
  if (name === "pods" || name === "cpu" || name === "memory" || name === "ephemeral-storage" || name.startsWith("limits.") || (name.startsWith("requests.") && name !== "requests.storage")) return [{ group: "", plural: "pods" }];
  if (name.startsWith("services")) return [{ group: "", plural: "services" }];
  if (name === "persistentvolumeclaims" || name === "requests.storage" || name.includes(".storageclass.storage.k8s.io/")) return [{ group: "", plural: "persistentvolumeclaims" }];
  if (["configmaps", "secrets", "replicationcontrollers", "resourcequotas"].includes(name)) return [{ group: "", plural: name }];
  return [];
}

/** Pods past their deletion grace, or finished, use nothing (QuotaV1Pod). */
function podCounts(pod: Pod, now: number): boolean {
  const ts = pod.metadata?.deletionTimestamp;
  if (ts && pod.metadata?.deletionGracePeriodSeconds !== undefined && Date.parse(ts) <= now) return false;
  return true;
}

/**
 * The resource quota controller (pkg/controller/resourcequota): recomputes each ResourceQuota's
 * `status.hard` (from `spec.hard`) and `status.used` from the objects in its namespace — object
 * counts (`pods`, `count/deployments.apps`, ...), requests and limits of cpu, memory and
 * ephemeral storage, services.nodeports/loadbalancers, claim storage — honouring the quota's
 * scopes (BestEffort, NotBestEffort, Terminating, NotTerminating, PriorityClass). Quotas are
 * recomputed when they change, when a tracked object goes away or finishes (replenishment), and
 * every 5 minutes (full resync). Admission (the ResourceQuota plugin) charges creates in between.
 */
export function resourceQuotaController(mgr: Manager, registry: ResourceRegistry, workers: number): void {
  const quotaLister = mgr.informers.forResource<Quota>("ResourceQuota").lister();
  const quotas = mgr.client.resource<Quota>("ResourceQuota");
  const allQuotasIn = (obj: { metadata?: { namespace?: string } }) => {
    const ns = obj.metadata?.namespace;
    return ns ? quotaLister.namespace(ns).list().map((q) => ({ namespace: ns, name: q.metadata!.name! })) : [];
  };

  async function usage(quota: Quota, namespace: string): Promise<Record<string, Quantity>> {
    const hard = Object.keys(quota.spec?.hard ?? {});
    const used: Record<string, Quantity> = {};
    for (const n of hard) used[n] = ZERO_QUANTITY;
    const seen = new Set<string>();
    const now = mgr.clock.now();
    for (const source of hard.flatMap(sourcesOf)) {
      const key = `${source.group}/${source.plural}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const type = registry.all().find((t) => t.descriptor.group === source.group && t.descriptor.plural === source.plural && t.descriptor.namespaced);
      if (!type) continue;
      const d = type.descriptor;
      const list = await mgr.client.resource({ group: d.group, version: d.version, resource: d.plural }).list({ namespace });
      for (const obj of list.items as KubeObject[]) {
        if (d.group === "" && d.plural === "pods" && !podCounts(obj as Pod, now)) continue;
        if (!quotaScopesMatch(quota, d, obj)) continue;
        for (const [k, q] of Object.entries(objectUsage(d, obj))) if (k in used) used[k] = addQuantities(used[k]!, q);
      }
    }
    return used;
  }

  const podFinished = { update: (o: Pod, n: Pod) => o.status?.phase !== n.status?.phase || o.metadata?.deletionTimestamp !== n.metadata?.deletionTimestamp, create: () => false };
  const deletesOnly = { create: () => false, update: () => false };
  let builder = controllerFor(mgr)
    .named("resourcequota")
    // As upstream, only a change of spec (hard limits, scopes): admission's status.used writes are not a reason to recount.
    .for<Quota>("ResourceQuota", { predicates: [{ update: (o, n) => JSON.stringify(o.spec) !== JSON.stringify(n.spec) }] })
    .watches<Pod>("Pod", allQuotasIn, { predicates: [podFinished] })
    .watches<KubeObject>("Service", allQuotasIn, { predicates: [{ create: () => false, update: (o, n) => JSON.stringify((o as { spec?: unknown }).spec) !== JSON.stringify((n as { spec?: unknown }).spec) }] });
  for (const kind of ["PersistentVolumeClaim", "ConfigMap", "Secret", "ReplicationController", { apiVersion: "apps/v1", kind: "Deployment" }, { apiVersion: "apps/v1", kind: "ReplicaSet" }, { apiVersion: "apps/v1", kind: "StatefulSet" }, { apiVersion: "batch/v1", kind: "Job" }] as const) {
    builder = builder.watches<KubeObject>(kind, allQuotasIn, { predicates: [deletesOnly] });
  }
  builder.withOptions({ maxConcurrentReconciles: workers }).complete({
    async reconcile(req) {
      const quota = quotaLister.namespace(req.namespace!).get(req.name);
      if (!quota) return;
      const used = await usage(quota, req.namespace!);
      const hard = { ...(quota.spec?.hard ?? {}) };
      const usedText: Record<string, string> = {};
      for (const [k, q] of Object.entries(used)) usedText[k] = formatQuantity(q);
      const status = { hard, used: usedText };
      if (JSON.stringify(quota.status ?? {}) !== JSON.stringify(status)) {
        try {
          await quotas.updateStatus({ ...quota, status });
        } catch (err) {
          if (isStatusError(err, "NotFound")) return;
          throw err; // a conflict (admission charged it meanwhile): recompute
        }
      }
      return { requeueAfter: QUOTA_RESYNC_MS };
    },
  });
}
