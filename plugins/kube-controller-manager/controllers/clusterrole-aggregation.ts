import type { ClusterRole, PolicyRule } from "kubernetes-types/rbac/v1.js";
import { isStatusError } from "../../../core/api/status.js";
import { labelSelectorFromObject } from "../../../core/api/selectors/label-selector.js";
import { controllerFor } from "../../../core/controller/builder.js";
import type { Manager } from "../../../core/controller/manager.js";

const AGGREGATED_INDEX = "aggregated";
const CLUSTER_ROLES = { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles" } as const;

/** A rule's identity whatever the order of its fields (the server may serialise them in another order than they were written). */
const ruleKeys = new WeakMap<PolicyRule, string>();
/** Cached per rule object: informer objects are immutable, so a rule's key is computed once. */
const ruleKey = (r: PolicyRule): string => {
  let key = ruleKeys.get(r);
  if (key === undefined) ruleKeys.set(r, (key = JSON.stringify([r.verbs ?? [], r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []])));
  return key;
};
const sameRule = (a: PolicyRule, b: PolicyRule): boolean => ruleKey(a) === ruleKey(b);

/**
 * kube-controller-manager's clusterrole-aggregation controller (pkg/controller/clusterroleaggregation):
 * a ClusterRole with an `aggregationRule` gets as its rules the union (first seen first, without
 * repeats) of the rules of every other ClusterRole matching one of its selectors — so `admin`,
 * `edit` and `view` grow with every `aggregate-to-*` role, including a CRD's. Any ClusterRole change
 * re-evaluates the aggregated ones (found through an index, not a scan).
 */
export function setupClusterRoleAggregation(mgr: Manager): void {
  const informer = mgr.informers.forResource<ClusterRole>(CLUSTER_ROLES, { indexers: { [AGGREGATED_INDEX]: (r) => ((r as ClusterRole).aggregationRule ? ["true"] : []) } });
  const roles = informer.lister();
  controllerFor(mgr)
    .named("clusterrole-aggregation")
    .for<ClusterRole>(CLUSTER_ROLES, { predicates: [{ create: (r) => !!r.aggregationRule, update: (_old, r) => !!r.aggregationRule, delete: () => false }] })
    .watches<ClusterRole>(CLUSTER_ROLES, () => informer.indexer.byIndex(AGGREGATED_INDEX, "true").map((r) => ({ name: r.metadata!.name! })))
    .complete({
      async reconcile(request) {
        const role = roles.get(request.name);
        const selectors = role?.aggregationRule?.clusterRoleSelectors;
        if (!role || !selectors) return;
        const rules: PolicyRule[] = [];
        const matchers = selectors.map((s) => labelSelectorFromObject(s));
        const sources = roles.list().filter((r) => r.metadata?.name !== role.metadata?.name && matchers.some((m) => m.matches(r.metadata?.labels ?? {})));
        sources.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
        // Union without repeats through a set of rule keys: no pairwise comparison (quadratic in the rules).
        const seen = new Set<string>();
        for (const source of sources) {
          for (const rule of source.rules ?? []) {
            const key = ruleKey(rule);
            if (seen.has(key)) continue;
            seen.add(key);
            rules.push(rule);
          }
        }
        const current = role.rules ?? [];
        if (current.length === rules.length && current.every((r, i) => sameRule(r, rules[i]!))) return;
        try {
          await mgr.client.resource<ClusterRole>(CLUSTER_ROLES).update({ ...role, rules }, { fieldManager: "clusterrole-aggregation-controller" });
        } catch (err) {
          if (isStatusError(err, "Conflict") || isStatusError(err, "NotFound")) return; // the informer brings the newer version and it is reconciled again
          throw err;
        }
      },
    });
}
