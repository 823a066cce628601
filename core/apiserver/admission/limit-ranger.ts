import type { Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import { formatQuantity, milliValue, parseQuantity, type Quantity } from "../../api/quantity.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
import { admissionForbidden, aggregateMessage } from "./admission-forbidden.js";
import { podLimits, podRequests, type ResourceQuantities } from "./pod-resources.js";

/** The annotation LimitRanger writes on pods it changed. */
export const LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger";

type ResourceList = Record<string, string>;

/**
 * The defaults of a Container limit as the LimitRange defaulter fills them: a missing default
 * limit falls back to max, a missing default request to the default limit, then to min.
 */
function containerDefaults(item: LimitRangeItem): { limits: ResourceList; requests: ResourceList } {
  const limits: ResourceList = { ...(item.max ?? {}), ...(item.default ?? {}) };
  const requests: ResourceList = { ...(item.min ?? {}), ...limits, ...(item.defaultRequest ?? {}) };
  return { limits, requests };
}

function mergeDefaults(container: Container, defaults: { limits: ResourceList; requests: ResourceList }, prefix: string, notes: string[]): void {
  const resources = (container.resources ??= {});
  const limits = (resources.limits ??= {});
  const requests = (resources.requests ??= {});
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(defaults.limits)) {
    if (!(k in limits)) {
      limits[k] = v;
      setLimits.push(k);
    }
  }
  for (const [k, v] of Object.entries(defaults.requests)) {
    if (!(k in requests)) {
      requests[k] = v;
      setRequests.push(k);
    }
  }
  if (setRequests.length) notes.push(`${setRequests.sort().join(", ")} request for ${prefix} ${container.name}`);
  if (setLimits.length) notes.push(`${setLimits.sort().join(", ")} limit for ${prefix} ${container.name}`);
}

function mutatePod(pod: Pod, ranges: readonly LimitRange[]): void {
  if (!pod.spec) return;
  const defaults = { limits: {} as ResourceList, requests: {} as ResourceList };
  for (const range of ranges) {
    for (const item of range.spec?.limits ?? []) {
      if (item.type !== "Container") continue;
      const d = containerDefaults(item);
      Object.assign(defaults.limits, d.limits);
      Object.assign(defaults.requests, d.requests);
    }
  }
  if (!Object.keys(defaults.limits).length && !Object.keys(defaults.requests).length) return;
  const notes: string[] = [];
  for (const c of pod.spec.containers ?? []) mergeDefaults(c, defaults, "container", notes);
  for (const c of pod.spec.initContainers ?? []) mergeDefaults(c, defaults, "init container", notes);
  if (notes.length) {
    const meta = (pod.metadata ??= {});
    meta.annotations = { ...(meta.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}` };
  }
}

function lookup(list: ResourceQuantities | ResourceList | undefined, name: string): Quantity | undefined {
  const v = list?.[name];
  if (v === undefined) return undefined;
  return typeof v === "string" ? parseQuantity(v) : v;
}

/** Compares at milli precision, as `requestLimitEnforcedValues` does. */
function milliCmp(a: Quantity, b: Quantity): number {
  const x = milliValue(a);
  const y = milliValue(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

type Lists = { requests: ResourceQuantities | ResourceList | undefined; limits: ResourceQuantities | ResourceList | undefined };

function minConstraint(type: string, name: string, enforcedText: string, { requests, limits }: Lists): string | undefined {
  const enforced = parseQuantity(enforcedText);
  const req = lookup(requests, name);
  const lim = lookup(limits, name);
  const e = formatQuantity(enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${e}.  No request is specified`;
  if (milliCmp(req, enforced) < 0) return `minimum ${name} usage per ${type} is ${e}, but request is ${formatQuantity(req)}`;
  if (lim && milliCmp(lim, enforced) < 0) return `minimum ${name} usage per ${type} is ${e}, but limit is ${formatQuantity(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforcedText: string, { requests, limits }: Lists): string | undefined {
  const enforced = parseQuantity(enforcedText);
  const req = lookup(requests, name);
  const lim = lookup(limits, name);
  const e = formatQuantity(enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${e}.  No limit is specified`;
  if (milliCmp(lim, enforced) > 0) return `maximum ${name} usage per ${type} is ${e}, but limit is ${formatQuantity(lim)}`;
  if (req && milliCmp(req, enforced) > 0) return `maximum ${name} usage per ${type} is ${e}, but request is ${formatQuantity(req)}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforcedText: string, requests: ResourceList | undefined): string | undefined {
  const enforced = parseQuantity(enforcedText);
  const req = lookup(requests, name);
  const e = formatQuantity(enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${e}.  No request is specified`;
  if (milliCmp(req, enforced) > 0) return `maximum ${name} usage per ${type} is ${e}, but request is ${formatQuantity(req)}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforcedText: string, { requests, limits }: Lists): string | undefined {
  const enforced = parseQuantity(enforcedText);
  const req = lookup(requests, name);
  const lim = lookup(limits, name);
  const e = formatQuantity(enforced);
  if (!req || milliValue(req) === 0n) return `${name} max limit to request ratio per ${type} is ${e}, but no request is specified or request is 0`;
  if (!lim || milliValue(lim) === 0n) return `${name} max limit to request ratio per ${type} is ${e}, but no limit is specified or limit is 0`;
  const ratio = Number(milliValue(lim)) / Number(milliValue(req));
  if (ratio * 1000 > Number(milliValue(enforced))) return `${name} max limit to request ratio per ${type} is ${e}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkItem(item: LimitRangeItem, type: string, lists: Lists, errors: string[]): void {
  for (const [k, v] of Object.entries(item.min ?? {})) {
    const e = minConstraint(type, k, v, lists);
    if (e) errors.push(e);
  }
  for (const [k, v] of Object.entries(item.max ?? {})) {
    const e = maxConstraint(type, k, v, lists);
    if (e) errors.push(e);
  }
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const e = ratioConstraint(type, k, v, lists);
    if (e) errors.push(e);
  }
}

function validatePod(pod: Pod, range: LimitRange): string[] {
  const errors: string[] = [];
  for (const item of range.spec?.limits ?? []) {
    if (item.type === "Container") {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        checkItem(item, "Container", { requests: c.resources?.requests, limits: c.resources?.limits }, errors);
      }
    } else if (item.type === "Pod" && pod.spec) {
      checkItem(item, "Pod", { requests: podRequests(pod.spec), limits: podLimits(pod.spec) }, errors);
    }
  }
  return errors;
}

function validateClaim(pvc: PersistentVolumeClaim, range: LimitRange): string[] {
  const errors: string[] = [];
  const requests = pvc.spec?.resources?.requests;
  for (const item of range.spec?.limits ?? []) {
    if (item.type !== "PersistentVolumeClaim") continue;
    for (const [k, v] of Object.entries(item.min ?? {})) {
      const e = minConstraint("PersistentVolumeClaim", k, v, { requests, limits: {} });
      if (e) errors.push(e);
    }
    for (const [k, v] of Object.entries(item.max ?? {})) {
      const e = maxRequestConstraint("PersistentVolumeClaim", k, v, requests);
      if (e) errors.push(e);
    }
  }
  return errors;
}

function applies(request: AdmissionRequest): "pods" | "persistentvolumeclaims" | undefined {
  if (request.subresource || request.resource.group !== "" || !request.namespace || !request.object) return undefined;
  if (request.oldObject?.metadata?.deletionTimestamp) return undefined;
  if (request.resource.plural === "pods") return request.operation === "CREATE" ? "pods" : undefined;
  return request.resource.plural === "persistentvolumeclaims" ? "persistentvolumeclaims" : undefined;
}

/**
 * Calls `use` with the namespace's LimitRanges: straight away from the server's lister when it
 * runs, otherwise once they are listed (the promise to await).
 */
function withLimitRanges(namespace: string | undefined, ctx: AdmissionContext, use: (ranges: readonly LimitRange[]) => void): void | Promise<void> {
  const listed = namespace !== undefined ? ctx.listers?.list("limitranges", namespace) as readonly LimitRange[] | undefined : undefined;
  if (listed) return use(listed);
  return ctx.client.resource("limitranges").list({ namespace }).then((list) => use(list.items as readonly LimitRange[]));
}

/**
 * LimitRanger: on pod create, fills container requests/limits from the namespace's LimitRanges
 * (annotating the pod with what it set), then refuses pods and claims outside any range's
 * min/max/maxLimitRequestRatio with kube-apiserver's wording, all violations of one range in
 * one Forbidden error.
 */
export const limitRanger: AdmissionPlugin = {
  name: "LimitRanger",
  operations: ["CREATE", "UPDATE"],
  resources: ["pods", "persistentvolumeclaims"],
  subresources: [""],
  admit(request, ctx) {
    if (applies(request) !== "pods") return;
    return withLimitRanges(request.namespace, ctx, (ranges) => {
      if (ranges.length) mutatePod(request.object as Pod, ranges);
    });
  },
  validate(request, ctx) {
    const kind = applies(request);
    if (!kind) return;
    return withLimitRanges(request.namespace, ctx, (ranges) => {
      for (const range of ranges) {
        const errors = kind === "pods" ? validatePod(request.object as Pod, range) : validateClaim(request.object as PersistentVolumeClaim, range);
        if (errors.length) throw admissionForbidden(request, aggregateMessage(errors));
      }
    });
  },
};
