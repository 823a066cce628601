import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from "kubernetes-types/rbac/v1.js";
import type { SharedInformer } from "../../../informers/shared-informer.js";
import type { SharedInformerFactory } from "../../../informers/shared-informer-factory.js";
import type { UserInfo } from "../../admission.js";

const SUBJECT_INDEX = "rbac-subject";
const SA_PREFIX = "system:serviceaccount:";

/** A subject's key in the binding index: `User:alice`, `Group:dev`, `ServiceAccount:ops:bot` (RoleBindings prefix their namespace). */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case "User":
      return `User:${s.name}`;
    case "Group":
      return `Group:${s.name}`;
    case "ServiceAccount":
      return `ServiceAccount:${s.namespace || bindingNamespace}:${s.name}`;
    default:
      return undefined;
  }
}

/** The keys a user is found under: their name, each group, and their service account (from `system:serviceaccount:<ns>:<name>`). */
export function userKeys(user: UserInfo): string[] {
  const keys = [`User:${user.username}`];
  for (const g of user.groups ?? []) keys.push(`Group:${g}`);
  if (user.username.startsWith(SA_PREFIX)) {
    const [ns, name, extra] = user.username.slice(SA_PREFIX.length).split(":");
    if (ns && name && extra === undefined) keys.push(`ServiceAccount:${ns}:${name}`);
  }
  return keys;
}

/** Where a rule came from, as upstream's `PolicyRuleVisitor` sees it (for `--list` and escalation messages). */
export interface RuleSource {
  binding: ClusterRoleBinding | RoleBinding;
  role: RoleRef;
  /** The binding's subject the user matched. */
  subject: Subject;
  /** The binding's namespace (RoleBindings). */
  namespace?: string;
}

/** How upstream's visitor describes a source in its "allowed by" reason: `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`. */
export function describeSource(source: RuleSource): string {
  const s = source.subject;
  const subject = s.kind === "ServiceAccount" ? `ServiceAccount "${s.name}/${s.namespace || source.namespace || ""}"` : `${s.kind} "${s.name}"`;
  const binding = source.namespace ? `RoleBinding "${source.binding.metadata?.name}/${source.namespace}"` : `ClusterRoleBinding "${source.binding.metadata?.name}"`;
  return `${binding} of ${source.role.kind} "${source.role.name}" to ${subject}`;
}

/** Returns true to stop visiting. */
export type RuleVisitor = (rule: PolicyRule, source: RuleSource) => boolean;

/**
 * RBAC's view of the cluster from the API server's own informers: Roles, ClusterRoles and the
 * bindings, the bindings indexed by subject so that finding a user's rules touches only the
 * bindings naming them (or one of their groups), never every binding.
 */
export class RbacIndex {
  private readonly roles: SharedInformer<Role>;
  private readonly clusterRoles: SharedInformer<ClusterRole>;
  private readonly roleBindings: SharedInformer<RoleBinding>;
  private readonly clusterRoleBindings: SharedInformer<ClusterRoleBinding>;
  private changes = 0;

  constructor(informers: SharedInformerFactory) {
    this.roles = informers.forResource<Role>({ group: "rbac.authorization.k8s.io", version: "v1", resource: "roles" });
    this.clusterRoles = informers.forResource<ClusterRole>({ group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles" });
    this.roleBindings = informers.forResource<RoleBinding>({ group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings" });
    this.clusterRoleBindings = informers.forResource<ClusterRoleBinding>({ group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings" });
    const index = (b: RoleBinding | ClusterRoleBinding, ns: string, prefix: string): string[] => {
      const keys: string[] = [];
      for (const s of b.subjects ?? []) {
        const k = subjectKey(s, ns);
        if (k) keys.push(prefix + k);
      }
      return keys;
    };
    this.clusterRoleBindings.addIndexers({ [SUBJECT_INDEX]: (b) => index(b, "", "") });
    this.roleBindings.addIndexers({ [SUBJECT_INDEX]: (b) => index(b, b.metadata?.namespace ?? "", `${b.metadata?.namespace ?? ""}/`) });
    const changed = (): void => void this.changes++;
    for (const i of [this.roles, this.clusterRoles, this.roleBindings, this.clusterRoleBindings] as SharedInformer<Role | ClusterRole>[]) i.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
  }

  /** A number that changes whenever a role or binding does: what decisions cached on the RBAC objects compare against. */
  get generation(): number {
    return this.changes;
  }

  /** True once all four caches hold their first list. */
  hasSynced(): boolean {
    return this.roles.hasSynced() && this.clusterRoles.hasSynced() && this.roleBindings.hasSynced() && this.clusterRoleBindings.hasSynced();
  }

  /** The rules of the role a binding refers to; `errors` gets upstream's not-found message when it is missing. */
  rulesOf(ref: RoleRef, namespace: string | undefined, errors?: string[]): readonly PolicyRule[] {
    if (ref.kind === "ClusterRole") {
      const role = this.clusterRoles.indexer.getByKey(ref.name);
      if (!role) errors?.push(`clusterrole.rbac.authorization.k8s.io "${ref.name}" not found`);
      return role?.rules ?? [];
    }
    if (ref.kind === "Role" && namespace) {
      const role = this.roles.indexer.getByKey(`${namespace}/${ref.name}`);
      if (!role) errors?.push(`role.rbac.authorization.k8s.io "${ref.name}" not found`);
      return role?.rules ?? [];
    }
    return [];
  }

  /**
   * Visits the rules that apply to `user` in `namespace` (cluster-wide ones first, then the
   * namespace's RoleBindings; `""` = cluster scope only) until `visit` returns true. Returns
   * whether it was stopped; binding errors (a missing role) are appended to `errors`.
   */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor, errors?: string[]): boolean {
    const keys = userKeys(user);
    const seen = new Set<string>();
    for (const key of keys) {
      for (const b of this.clusterRoleBindings.indexer.byIndex(SUBJECT_INDEX, key)) {
        const name = b.metadata!.name!;
        if (seen.has(name)) continue;
        seen.add(name);
        const subject = b.subjects!.find((s) => subjectKey(s, "") === key)!;
        for (const rule of this.rulesOf(b.roleRef, undefined, errors)) if (visit(rule, { binding: b, role: b.roleRef, subject })) return true;
      }
    }
    if (!namespace) return false;
    for (const key of keys) {
      for (const b of this.roleBindings.indexer.byIndex(SUBJECT_INDEX, `${namespace}/${key}`)) {
        const name = `${namespace}/${b.metadata!.name!}`;
        if (seen.has(name)) continue;
        seen.add(name);
        const subject = b.subjects!.find((s) => subjectKey(s, namespace) === key)!;
        for (const rule of this.rulesOf(b.roleRef, namespace, errors)) if (visit(rule, { binding: b, role: b.roleRef, subject, namespace })) return true;
      }
    }
    return false;
  }

  /** Every rule that applies to `user` in `namespace` (upstream's `RulesFor`). */
  rulesFor(user: UserInfo, namespace: string, errors?: string[]): PolicyRule[] {
    const rules: PolicyRule[] = [];
    this.visitRulesFor(user, namespace, (rule) => {
      rules.push(rule);
      return false;
    }, errors);
    return rules;
  }
}
