import type { ClusterRole, PolicyRule, Role, RoleBinding, RoleRef } from "kubernetes-types/rbac/v1.js";
import { forbidden } from "../../../api/status.js";
import type { AdmissionPlugin, AdmissionRequest, UserInfo } from "../../admission.js";
import type { Authorizer } from "../../http/authorization.js";
import { compactRule, uncoveredBy } from "./policy-rule.js";
import type { RbacIndex } from "./rbac-index.js";

/** What the check reads of the RBAC index. */
export type RuleResolver = Pick<RbacIndex, "rulesFor" | "rulesOf">;

const RBAC = "rbac.authorization.k8s.io";
const FULL_AUTHORITY: PolicyRule[] = [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] }];

/** Upstream's `CompactRules`: single-permission rules that differ only in verb, merged. */
function compact(rules: readonly PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  for (const r of rules) {
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs]);
    const m = merged.get(key);
    if (m) m.verbs = [...m.verbs, ...r.verbs];
    else merged.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...merged.values()];
}

/**
 * The RBAC storage's escalation prevention (the policybased storage of pkg/registry/rbac, run here as a
 * validating step on RBAC writes): a Role or ClusterRole may be written only by someone who holds
 * every permission it grants, or may `escalate` it; a binding only by someone who holds every
 * permission of the role it refers to, or may `bind` that role. `system:masters` (and the API
 * server's own writes) are exempt. Refusals are upstream's Forbidden texts.
 */
export function rbacEscalationCheck(index: RuleResolver, authorizer: () => Authorizer): AdmissionPlugin {
  const allowedVerb = async (user: UserInfo, verb: string, kind: "roles" | "clusterroles", name: string, namespace: string | undefined): Promise<boolean> =>
    (await authorizer().authorize({ user, verb, isResourceRequest: true, path: "", apiGroup: RBAC, apiVersion: "v1", resource: kind, name, ...(namespace ? { namespace } : {}) })).allowed;

  const confirmNoEscalation = (req: AdmissionRequest, user: UserInfo, rules: readonly PolicyRule[], namespace: string): void => {
    const errors: string[] = [];
    const owner = index.rulesFor(user, namespace, errors);
    if (user.groups?.includes("system:masters")) owner.push(...FULL_AUTHORITY);
    const missing = compact(rules.flatMap((r) => uncoveredBy(owner, r)));
    if (!missing.length) return;
    const descriptions = [...new Set(missing.map(compactRule))].sort();
    let msg = `user "${user.username}" (groups=[${(user.groups ?? []).map((g) => JSON.stringify(g)).join(" ")}]) is attempting to grant RBAC permissions not currently held:\n${descriptions.join("\n")}`;
    if (errors.length) msg += `; resolution errors: [${errors.join(" ")}]`;
    throw forbidden(req.resource, req.name ?? req.object?.metadata?.name ?? "", msg);
  };

  return {
    name: "RBACEscalation",
    operations: ["CREATE", "UPDATE"],
    resources: ["roles.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io"],
    subresources: [""],
    async validate(req) {
      const user = req.user;
      if (req.resource.group !== RBAC || req.subresource || !user || user.groups?.includes("system:masters")) return;
      const namespace = req.namespace ?? "";
      const name = req.object?.metadata?.name ?? req.name ?? "";
      switch (req.resource.plural) {
        case "roles":
        case "clusterroles": {
          const role = req.object as Role | ClusterRole;
          const old = req.oldObject as Role | ClusterRole | undefined;
          const kind = req.resource.plural;
          if (old && JSON.stringify(old.rules ?? []) === JSON.stringify(role.rules ?? []) && JSON.stringify((old as ClusterRole).aggregationRule) === JSON.stringify((role as ClusterRole).aggregationRule)) return;
          if (await allowedVerb(user, "escalate", kind, name, req.namespace)) return;
          if ((role as ClusterRole).aggregationRule) {
            try {
              confirmNoEscalation(req, user, FULL_AUTHORITY, "");
            } catch {
              throw forbidden(req.resource, name, "must have cluster-admin privileges to use the aggregationRule");
            }
          }
          confirmNoEscalation(req, user, role.rules ?? [], namespace);
          return;
        }
        case "rolebindings":
        case "clusterrolebindings": {
          const binding = req.object as unknown as RoleBinding;
          const old = req.oldObject as RoleBinding | undefined;
          if (old && JSON.stringify(old.subjects ?? []) === JSON.stringify(binding.subjects ?? [])) return;
          const ref: RoleRef = binding.roleRef;
          if (await allowedVerb(user, "bind", ref.kind === "Role" ? "roles" : "clusterroles", ref.name, req.namespace)) return;
          const errors: string[] = [];
          const rules = index.rulesOf(ref, req.namespace, errors);
          if (errors.length) throw forbidden(req.resource, name, errors.join(", "));
          confirmNoEscalation(req, user, rules, namespace);
          return;
        }
      }
    },
  };
}
