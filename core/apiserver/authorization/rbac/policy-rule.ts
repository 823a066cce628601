import type { PolicyRule } from "kubernetes-types/rbac/v1.js";
import type { AuthorizationAttributes } from "../../http/authorization.js";

/** `*` in verbs, apiGroups, resources and nonResourceURLs: everything (rbacv1.VerbAll and friends). */
export const ALL = "*";

/** RBAC's `VerbMatches`: the rule names the verb or `*`. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes(ALL) || rule.verbs.includes(verb);
}

/** `APIGroupMatches`. */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  const groups = rule.apiGroups ?? [];
  return groups.includes(ALL) || groups.includes(group);
}

/**
 * `ResourceMatches`: `*` matches any resource and subresource; `pods/log` matches that
 * subresource only; a star before `/scale` matches the scale subresource of any resource.
 */
export function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith("*/") && r.endsWith(subresource)) return true;
  }
  return false;
}

/** `ResourceNameMatches`: a rule without resourceNames matches any name; with them, only those (never a nameless request). */
export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return name !== undefined && name !== "" && names.includes(name);
}

/** `NonResourceURLMatches`: exact, `*`, or a prefix ending in `*`. */
export function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** `RuleAllows`: whether one rule allows the request. */
export function ruleAllows(a: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (a.isResourceRequest) {
    return verbMatches(rule, a.verb) && apiGroupMatches(rule, a.apiGroup ?? "") && resourceMatches(rule, a.resource ?? "", a.subresource) && resourceNameMatches(rule, a.name);
  }
  return verbMatches(rule, a.verb) && nonResourceUrlMatches(rule, a.path);
}

/**
 * Whether the `owner` rules cover every permission of `servant` (upstream's `validation.Covers`):
 * the servant rule is broken down into single verb × group × resource × name (or verb × URL) rules,
 * each of which some owner rule must include. A servant `*` is covered only by an owner `*`.
 */
export function covers(owner: readonly PolicyRule[], servant: PolicyRule): boolean {
  return uncoveredBy(owner, servant).length === 0;
}

/** The single-permission rules of `servant` no owner rule includes (upstream's uncovered rules, for the error message). */
export function uncoveredBy(owner: readonly PolicyRule[], servant: PolicyRule): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const atom of breakdown(servant)) if (!owner.some((o) => includes(o, atom))) missing.push(atom);
  return missing;
}

function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
      }
    }
  }
  return out;
}

/** Upstream's `ruleCovers` for one broken-down rule. */
function includes(owner: PolicyRule, atom: PolicyRule): boolean {
  const has = (list: readonly string[] | undefined, v: string): boolean => (list ?? []).includes(ALL) || (list ?? []).includes(v);
  if (!has(owner.verbs, atom.verbs[0]!)) return false;
  if (atom.nonResourceURLs?.length) {
    const url = atom.nonResourceURLs[0]!;
    return (owner.nonResourceURLs ?? []).some((u) => u === ALL || u === url || (u.endsWith("*") && url.startsWith(u.slice(0, -1))));
  }
  if (!has(owner.apiGroups, atom.apiGroups![0]!)) return false;
  const resource = atom.resources![0]!;
  const slash = resource.indexOf("/");
  const resourceOk = (owner.resources ?? []).some((r) => r === ALL || r === resource || (slash > 0 && r === `*${resource.slice(slash)}`));
  if (!resourceOk) return false;
  if (!owner.resourceNames?.length) return true;
  return atom.resourceNames?.length === 1 && owner.resourceNames.includes(atom.resourceNames[0]!);
}

/** A rule as `kubectl describe` and upstream's `CompactString` print it: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`. */
export function compactRule(rule: PolicyRule): string {
  const parts: string[] = [];
  const list = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(" ")}]`;
  if (rule.apiGroups?.length) parts.push(`APIGroups:${list(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${list(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${list(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${list(rule.resourceNames)}`);
  parts.push(`Verbs:${list(rule.verbs)}`);
  return `{${parts.join(", ")}}`;
}
