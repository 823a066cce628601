import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";
import type { Namespace } from "kubernetes-types/core/v1.js";
import type { AdmissionRule } from "../../api/builtin/admissionregistration/index.js";
import { labelSelectorFromObject, type LabelSelector } from "../../api/selectors/label-selector.js";
import type { AdmissionContext, AdmissionRequest } from "../admission.js";

/** The resources webhooks and policies never see: their own configuration (so a broken webhook cannot lock itself in). */
const EXEMPT = new Set(["mutatingwebhookconfigurations", "validatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings"]);

export function isExemptFromAdmissionHooks(req: AdmissionRequest): boolean {
  return req.resource.group === "admissionregistration.k8s.io" && EXEMPT.has(req.resource.plural);
}

function splitResource(r: string): [string, string] {
  const i = r.indexOf("/");
  return i < 0 ? [r, ""] : [r.slice(0, i), r.slice(i + 1)];
}

const has = (list: readonly string[] | undefined, v: string): boolean => !!list && (list.includes("*") || list.includes(v));

/** webhook/predicates/rules Matcher: operations, groups, versions, resources (with `/sub`, `*`), scope. */
export function ruleMatches(rule: AdmissionRule, req: AdmissionRequest): boolean {
  const d = req.resource;
  if (!has(rule.operations, req.operation) || !has(rule.apiGroups, d.group) || !has(rule.apiVersions, d.version)) return false;
  const sub = req.subresource ?? "";
  if (!(rule.resources ?? []).some((r) => {
    const [res, s] = splitResource(r);
    return (res === "*" || res === d.plural) && (s === "*" || s === sub);
  })) return false;
  const isNamespaceObject = d.group === "" && d.plural === "namespaces";
  switch (rule.scope ?? "*") {
    case "Namespaced": return !isNamespaceObject && !!req.namespace;
    case "Cluster": return isNamespaceObject || !req.namespace;
    default: return true;
  }
}

/** Compiled label selectors by their JSON: configurations are few and stable. */
const selectors = new Map<string, LabelSelector>();

function selectorOf(s: LabelSelectorObject | undefined): LabelSelector | undefined {
  if (!s || (!s.matchLabels && !s.matchExpressions?.length)) return undefined;
  const key = JSON.stringify(s);
  let sel = selectors.get(key);
  if (!sel) {
    sel = labelSelectorFromObject(s);
    if (selectors.size > 1024) selectors.clear();
    selectors.set(key, sel);
  }
  return sel.empty ? undefined : sel;
}

/** objectSelector: the new or the old object's labels match. */
export function objectSelectorMatches(selector: LabelSelectorObject | undefined, req: AdmissionRequest): boolean {
  const sel = selectorOf(selector);
  if (!sel) return true;
  return (!!req.object && sel.matches(req.object.metadata?.labels)) || (!!req.oldObject && sel.matches(req.oldObject.metadata?.labels));
}

/**
 * namespaceSelector: a namespaced request matches by its namespace's labels, a Namespace by its
 * own; other cluster-scoped requests always match.
 */
export async function namespaceSelectorMatches(selector: LabelSelectorObject | undefined, req: AdmissionRequest, ctx: AdmissionContext): Promise<boolean> {
  const sel = selectorOf(selector);
  if (!sel) return true;
  const d = req.resource;
  if (d.group === "" && d.plural === "namespaces") return sel.matches((req.object ?? req.oldObject)?.metadata?.labels);
  if (!req.namespace) return true;
  const ns = (await ctx.client.resource<Namespace>("Namespace").get(req.namespace).catch(() => undefined)) as Namespace | undefined;
  return sel.matches(ns?.metadata?.labels);
}
