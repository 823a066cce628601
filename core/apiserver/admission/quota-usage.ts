import type { PersistentVolumeClaim, Pod, ResourceQuota, ScopedResourceSelectorRequirement, Service } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../api/object.js";
import { parseQuantity, quantityOf } from "../../api/quantity.js";
import type { ResourceDescriptor } from "../../api/resource.js";
import { podLimits, podRequests, type ResourceQuantities } from "./pod-resources.js";

/** Core resources that have a plain object-count quota name (`pods`, `services`, ...) besides `count/<resource>`. */
const LEGACY_COUNT_NAMES: ReadonlySet<string> = new Set(["pods", "services", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers", "resourcequotas"]);

/** Quota names whose use must be stated by every container, or the pod is refused (`must specify ...`). */
const CONTAINER_RESOURCE_NAMES: ReadonlySet<string> = new Set(["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]);

/** `count/deployments.apps`, `count/pods`: the object-count quota name of a resource. */
export function countResourceName(d: Pick<ResourceDescriptor, "plural" | "group">): string {
  return d.group ? `count/${d.plural}.${d.group}` : `count/${d.plural}`;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

function podUsage(pod: Pod): ResourceQuantities {
  const usage: ResourceQuantities = { pods: quantityOf(1), "count/pods": quantityOf(1) };
  if (isTerminal(pod) || !pod.spec) return isTerminal(pod) ? {} : usage;
  const requests = podRequests(pod.spec, { includeOverhead: true });
  const limits = podLimits(pod.spec, { includeOverhead: true });
  for (const [k, q] of Object.entries(requests)) {
    usage[`requests.${k}`] = q;
    if (k === "cpu" || k === "memory" || k === "ephemeral-storage") usage[k] = q;
  }
  for (const [k, q] of Object.entries(limits)) usage[`limits.${k}`] = q;
  return usage;
}

function serviceUsage(svc: Service): ResourceQuantities {
  const usage: ResourceQuantities = { services: quantityOf(1), "count/services": quantityOf(1) };
  const type = svc.spec?.type;
  const ports = svc.spec?.ports?.length ?? 0;
  if (type === "NodePort" || (type === "LoadBalancer" && svc.spec?.allocateLoadBalancerNodePorts !== false)) usage["services.nodeports"] = quantityOf(ports);
  else usage["services.nodeports"] = quantityOf(0);
  usage["services.loadbalancers"] = quantityOf(type === "LoadBalancer" ? 1 : 0);
  return usage;
}

function claimUsage(pvc: PersistentVolumeClaim): ResourceQuantities {
  const usage: ResourceQuantities = { persistentvolumeclaims: quantityOf(1), "count/persistentvolumeclaims": quantityOf(1) };
  const storage = pvc.spec?.resources?.requests?.["storage"];
  const className = pvc.spec?.storageClassName;
  if (storage !== undefined) usage["requests.storage"] = parseQuantity(storage);
  if (className) {
    usage[`${className}.storageclass.storage.k8s.io/persistentvolumeclaims`] = quantityOf(1);
    if (storage !== undefined) usage[`${className}.storageclass.storage.k8s.io/requests.storage`] = parseQuantity(storage);
  }
  return usage;
}

/** What one object of this resource consumes, by quota resource name (the quota evaluators' `Usage`). */
export function objectUsage(d: ResourceDescriptor, obj: KubeObject): ResourceQuantities {
  if (d.group === "") {
    if (d.plural === "pods") return podUsage(obj as Pod);
    if (d.plural === "services") return serviceUsage(obj as Service);
    if (d.plural === "persistentvolumeclaims") return claimUsage(obj as PersistentVolumeClaim);
    if (LEGACY_COUNT_NAMES.has(d.plural)) return { [d.plural]: quantityOf(1), [countResourceName(d)]: quantityOf(1) };
  }
  return { [countResourceName(d)]: quantityOf(1) };
}

/**
 * The pod evaluator's `Constraints`: when a quota limits cpu or memory, each container must state
 * that request or limit. Returns `must specify limits.cpu for: a,b; requests.memory for: a`, or
 * undefined.
 */
export function podConstraintViolation(pod: Pod, tracked: readonly string[]): string | undefined {
  const required = tracked.filter((r) => CONTAINER_RESOURCE_NAMES.has(r));
  if (!required.length) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const r of required) {
      const [side, res] = r.startsWith("limits.") ? ["limits", r.slice(7)] : ["requests", r.replace(/^requests\./, "")];
      const list = side === "limits" ? c.resources?.limits : c.resources?.requests;
      if (list?.[res!] === undefined) {
        let names = missing.get(r);
        if (!names) missing.set(r, (names = new Set()));
        names.add(c.name);
      }
    }
  }
  if (!missing.size) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(",")}`);
  return `must specify ${parts.join("; ")}`;
}


function isBestEffort(pod: Pod): boolean {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].every(
    (c) => !Object.keys(c.resources?.requests ?? {}).length && !Object.keys(c.resources?.limits ?? {}).length,
  );
}

/** One scope (from `spec.scopes`, or a `scopeSelector` requirement) against a pod. */
function podMatchesScope(pod: Pod, req: ScopedResourceSelectorRequirement): boolean {
  let matched: boolean;
  switch (req.scopeName) {
    case "Terminating": matched = pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null; break;
    case "NotTerminating": matched = pod.spec?.activeDeadlineSeconds === undefined || pod.spec.activeDeadlineSeconds === null; break;
    case "BestEffort": matched = isBestEffort(pod); break;
    case "NotBestEffort": matched = !isBestEffort(pod); break;
    case "PriorityClass": {
      const name = pod.spec?.priorityClassName;
      switch (req.operator) {
        case "In": return name !== undefined && (req.values ?? []).includes(name);
        case "NotIn": return name === undefined || !(req.values ?? []).includes(name);
        case "Exists": return name !== undefined && name !== "";
        case "DoesNotExist": return name === undefined || name === "";
        default: return false;
      }
    }
    default: return false;
  }
  return req.operator === "DoesNotExist" ? !matched : matched;
}

/**
 * Whether a quota's scopes (`spec.scopes` and `spec.scopeSelector`) select this object: scopes
 * are about pods, so a scoped quota tracks pods only; an unscoped quota tracks everything.
 */
export function quotaScopesMatch(quota: ResourceQuota, resource: Pick<ResourceDescriptor, "plural" | "group">, obj: KubeObject): boolean {
  const reqs: ScopedResourceSelectorRequirement[] = [...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: "Exists" })), ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
  if (!reqs.length) return true;
  if (resource.plural !== "pods" || resource.group !== "") return false;
  return reqs.every((r) => podMatchesScope(obj as Pod, r));
}
