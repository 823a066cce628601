import type { Pod, ResourceQuota } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../api/object.js";
import { addQuantities, compareQuantities, formatQuantity, parseQuantity, subtractQuantities, ZERO_QUANTITY } from "../../api/quantity.js";
import { isStatusError } from "../../api/status.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
import { admissionForbidden } from "./admission-forbidden.js";
import type { ResourceQuantities } from "./pod-resources.js";
import { objectUsage, podConstraintViolation, quotaScopesMatch } from "./quota-usage.js";

const MAX_CONFLICT_RETRIES = 5;

/** `a=1,b=2`, keys sorted, as the quota plugin's prettyPrint. */
function prettyPrint(list: ResourceQuantities, names: readonly string[]): string {
  return [...names].sort().map((n) => `${n}=${formatQuantity(list[n] ?? ZERO_QUANTITY)}`).join(",");
}

function parseList(list: Readonly<Record<string, string>> | undefined): ResourceQuantities {
  const out: ResourceQuantities = {};
  for (const [k, v] of Object.entries(list ?? {})) out[k] = parseQuantity(v);
  return out;
}

/** Whether a quota's scopes select this object (pod scopes only; other kinds match unscoped quotas). */
function scopesMatch(quota: ResourceQuota, request: AdmissionRequest): boolean {
  return quotaScopesMatch(quota, request.resource, request.object as KubeObject);
}

/**
 * Usage of the request's resource in the namespace, computed from the live objects: used for
 * quota names the quota's status does not report yet (no quota controller has counted them).
 */
async function liveUsage(request: AdmissionRequest, ctx: AdmissionContext): Promise<ResourceQuantities> {
  const d = request.resource;
  const list = await ctx.client.resource({ group: d.group, version: d.version, resource: d.plural }).list({ namespace: request.namespace });
  const total: ResourceQuantities = {};
  for (const obj of list.items) {
    for (const [k, q] of Object.entries(objectUsage(d, obj))) total[k] = total[k] ? addQuantities(total[k]!, q) : q;
  }
  return total;
}

/** One pass: check every matching quota, then record the new usage; throws Conflict if a quota moved meanwhile. */
async function admitOnce(request: AdmissionRequest, ctx: AdmissionContext): Promise<void> {
  // Most namespaces have no quota: the server's lister says so without a list. Where there is one,
  // the check reads the quotas live (their usage must be current for the compare-and-swap below).
  if (request.namespace !== undefined && ctx.listers?.list("resourcequotas", request.namespace)?.length === 0) return;
  const quotas = (await ctx.client.resource("resourcequotas").list({ namespace: request.namespace })).items as ResourceQuota[];
  if (!quotas.length) return;
  const requestedAll = requestedUsage(request);
  let live: ResourceQuantities | undefined;
  const updates: ResourceQuota[] = [];
  for (const quota of quotas) {
    if (!scopesMatch(quota, request)) continue;
    const hardText = quota.status?.hard && Object.keys(quota.status.hard).length ? quota.status.hard : quota.spec?.hard ?? {};
    const hard = parseList(hardText);
    const tracked = Object.keys(hard).filter((n) => n in requestedAll || (request.resource.plural === "pods" && request.resource.group === "" && podConstraintResource(n)));
    if (!tracked.length) continue;
    if (request.resource.plural === "pods" && request.resource.group === "") {
      const violation = podConstraintViolation(request.object as Pod, tracked);
      if (violation) throw admissionForbidden(request, `failed quota: ${quota.metadata?.name}: ${violation}`);
    }
    const reported = parseList(quota.status?.used);
    const used: ResourceQuantities = {};
    for (const n of Object.keys(hard)) {
      if (reported[n]) used[n] = reported[n]!;
      else if (tracked.includes(n)) {
        live ??= await liveUsage(request, ctx);
        used[n] = live[n] ?? ZERO_QUANTITY;
      }
    }
    const requested = tracked.filter((n) => (requestedAll[n]?.nanos ?? 0n) !== 0n);
    if (!requested.length) continue;
    const newUsed: ResourceQuantities = { ...used };
    const exceeded: string[] = [];
    for (const n of requested) {
      newUsed[n] = addQuantities(used[n] ?? ZERO_QUANTITY, requestedAll[n]!);
      if (compareQuantities(newUsed[n]!, hard[n]!) > 0) exceeded.push(n);
    }
    if (exceeded.length) {
      const name = quota.metadata?.name ?? "";
      throw admissionForbidden(
        request,
        `exceeded quota: ${name}, requested: ${prettyPrint(requestedAll, exceeded)}, used: ${prettyPrint(used, exceeded)}, limited: ${prettyPrint(hard, exceeded)}`,
      );
    }
    const usedText: Record<string, string> = {};
    for (const n of Object.keys(hard)) usedText[n] = formatQuantity(newUsed[n] ?? ZERO_QUANTITY);
    updates.push({ ...quota, status: { ...quota.status, hard: { ...hardText }, used: usedText } });
  }
  if (request.dryRun) return;
  for (const q of updates) await ctx.client.resource("resourcequotas").updateStatus(q as KubeObject, { namespace: request.namespace });
}

/** Which updates change usage: services (type, ports) and claims (storage resize); pods and others count on create only. */
function countsOnUpdate(request: AdmissionRequest): boolean {
  return request.resource.group === "" && (request.resource.plural === "services" || request.resource.plural === "persistentvolumeclaims");
}

/** What this request adds: the object's usage on create; on update, only what grew since the old object. */
function requestedUsage(request: AdmissionRequest): ResourceQuantities {
  const usage = objectUsage(request.resource, request.object as KubeObject);
  if (request.operation !== "UPDATE" || !request.oldObject) return usage;
  const before = objectUsage(request.resource, request.oldObject);
  const grown: ResourceQuantities = {};
  for (const [k, q] of Object.entries(usage)) {
    const delta = before[k] ? subtractQuantities(q, before[k]!) : q;
    if (delta.nanos > 0n) grown[k] = delta;
  }
  return grown;
}

function podConstraintResource(n: string): boolean {
  return n === "cpu" || n === "memory" || n === "requests.cpu" || n === "requests.memory" || n === "limits.cpu" || n === "limits.memory";
}

/**
 * ResourceQuota: refuses a create (or a service/claim update) that would take any matching quota of its namespace over its
 * hard limits (`exceeded quota: <name>, requested: ..., used: ..., limited: ...`), refuses pods
 * whose containers do not state a quota-limited cpu/memory (`failed quota: <name>: must specify
 * ...`), and records the new usage in each quota's status.used (optimistic concurrency, retried on
 * conflict). Object counts (`pods`, `count/<resource>.<group>`, ...), requests/limits of cpu,
 * memory and ephemeral storage, services.nodeports/loadbalancers and claim storage are counted.
 */
export const resourceQuota: AdmissionPlugin = {
  name: "ResourceQuota",
  operations: ["CREATE", "UPDATE"],
  validate(request, ctx) {
    if (request.operation === "UPDATE" && !countsOnUpdate(request)) return;
    if ((request.operation !== "CREATE" && request.operation !== "UPDATE") || request.subresource || !request.resource.namespaced || !request.namespace || !request.object) return;
    // Most namespaces have no quota: the server's lister says so without awaiting anything.
    if (ctx.listers?.list("resourcequotas", request.namespace)?.length === 0) return;
    return checkQuotas(request, ctx);
  },
};

/** Checks and records usage against the namespace's quotas, retrying when a quota moved meanwhile. */
async function checkQuotas(request: AdmissionRequest, ctx: AdmissionContext): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admitOnce(request, ctx);
      return;
    } catch (err) {
      if (!isStatusError(err, "Conflict") || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
  }
}

