import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from "kubernetes-types/rbac/v1.js";
import type { Client } from "../../../client/client.js";
import type { KubeObject } from "../../../api/object.js";
import { isStatusError } from "../../../api/status.js";
import { AUTOUPDATE_ANNOTATION, BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_ROLE_BINDINGS, BOOTSTRAP_ROLES } from "./bootstrap-policy.js";
import { covers } from "./policy-rule.js";

type Roleish = (Role | ClusterRole) & KubeObject;
type Bindingish = (RoleBinding | ClusterRoleBinding) & KubeObject;

const FIELD_MANAGER = "kube-apiserver";

/** Labels and annotations of `want` missing from `have`, merged (reconciliation never removes metadata). */
function mergedMeta(have: KubeObject, want: KubeObject): { labels: Record<string, string>; annotations: Record<string, string>; changed: boolean } {
  const labels = { ...have.metadata?.labels, ...want.metadata?.labels };
  const annotations = { ...have.metadata?.annotations, ...want.metadata?.annotations };
  const same = (a: Record<string, string> | undefined, b: Record<string, string>): boolean => Object.keys(b).every((k) => a?.[k] === b[k]);
  return { labels, annotations, changed: !same(have.metadata?.labels, labels) || !same(have.metadata?.annotations, annotations) };
}

/** A role as reconciliation leaves it: the stored rules plus any bootstrap rule they do not cover, and the aggregation selectors. */
function reconciledRole(have: Roleish, want: Roleish): Roleish | undefined {
  const meta = mergedMeta(have, want);
  const rules = [...(have.rules ?? [])];
  let changed = meta.changed;
  // Aggregated roles get their rules from the aggregation controller; only their selectors are reconciled.
  const wantAggregation = (want as ClusterRole).aggregationRule;
  if (wantAggregation) {
    const haveSelectors = (have as ClusterRole).aggregationRule?.clusterRoleSelectors ?? [];
    const missing = (wantAggregation.clusterRoleSelectors ?? []).filter((s) => !haveSelectors.some((h) => JSON.stringify(h) === JSON.stringify(s)));
    if (!missing.length && !changed) return undefined;
    return { ...have, metadata: { ...have.metadata, labels: meta.labels, annotations: meta.annotations }, aggregationRule: { clusterRoleSelectors: [...haveSelectors, ...missing] } } as Roleish;
  }
  for (const rule of want.rules ?? []) {
    if (!covers(rules, rule)) {
      rules.push(rule as PolicyRule);
      changed = true;
    }
  }
  return changed ? ({ ...have, metadata: { ...have.metadata, labels: meta.labels, annotations: meta.annotations }, rules } as Roleish) : undefined;
}

function reconciledBinding(have: Bindingish, want: Bindingish): Bindingish | undefined {
  const meta = mergedMeta(have, want);
  const subjects: Subject[] = [...(have.subjects ?? [])];
  let changed = meta.changed;
  for (const s of want.subjects ?? []) {
    if (!subjects.some((h) => h.kind === s.kind && h.name === s.name && (h.namespace ?? "") === (s.namespace ?? ""))) {
      subjects.push(s);
      changed = true;
    }
  }
  return changed ? ({ ...have, metadata: { ...have.metadata, labels: meta.labels, annotations: meta.annotations }, subjects } as Bindingish) : undefined;
}

async function reconcile<T extends KubeObject>(client: Client, kind: string, wanted: readonly T[], merge: (have: T, want: T) => T | undefined): Promise<void> {
  const api = client.resource<T>(kind);
  const existing = new Map<string, T>();
  for (const o of (await api.list()).items) existing.set(`${o.metadata?.namespace ?? ""}/${o.metadata?.name}`, o);
  for (const want of wanted) {
    const have = existing.get(`${want.metadata?.namespace ?? ""}/${want.metadata?.name}`);
    try {
      if (!have) await api.create(want, { fieldManager: FIELD_MANAGER });
      else if (have.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] !== "false") {
        const next = merge(have, want);
        if (next) await api.update(next, { fieldManager: FIELD_MANAGER });
      }
    } catch (err) {
      // Another API server (or a user) got there first: the next start reconciles again.
      if (!isStatusError(err, "AlreadyExists") && !isStatusError(err, "Conflict") && !isStatusError(err, "NotFound")) throw err;
    }
  }
}

/**
 * kube-apiserver's `rbac/bootstrap-roles` post-start hook: creates the bootstrap ClusterRoles,
 * ClusterRoleBindings, Roles and RoleBindings that are missing, and on those still annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` adds missing permissions, subjects, labels
 * and annotations (never removing what an administrator added). Idempotent.
 */
export async function reconcileBootstrapPolicy(client: Client): Promise<void> {
  await reconcile<Roleish>(client, "ClusterRole", BOOTSTRAP_CLUSTER_ROLES as Roleish[], reconciledRole);
  await reconcile<Bindingish>(client, "ClusterRoleBinding", BOOTSTRAP_CLUSTER_ROLE_BINDINGS as Bindingish[], reconciledBinding);
  await reconcile<Roleish>(client, "Role", BOOTSTRAP_ROLES as Roleish[], reconciledRole);
  await reconcile<Bindingish>(client, "RoleBinding", BOOTSTRAP_ROLE_BINDINGS as Bindingish[], reconciledBinding);
}
