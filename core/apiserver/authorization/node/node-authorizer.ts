import type { Authorizer, AuthorizationAttributes, AuthorizationDecision } from "../../http/authorization.js";
import type { UserInfo } from "../../admission.js";
import { ruleAllows } from "../rbac/policy-rule.js";
import { NODE_RULES } from "../rbac/bootstrap-policy.js";
import type { NodeGraph, NodeObjectType } from "./node-graph.js";

/** The group every kubelet credential carries. */
export const NODES_GROUP = "system:nodes";
const NODE_USER_PREFIX = "system:node:";

/** The node a user is the kubelet of (upstream's `NodeIdentity`): `system:node:<name>` in `system:nodes`; `""` for a nameless node user; undefined for anyone else. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.groups?.includes(NODES_GROUP)) return undefined;
  if (!user.username.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}

const READ_VERBS = new Set(["get", "list", "watch"]);
const LEASE_VERBS = new Set(["get", "create", "update", "patch", "delete"]);
const no = (reason: string): AuthorizationDecision => ({ allowed: false, reason });

/**
 * kube-apiserver's Node authorizer (`--authorization-mode=Node`): a kubelet may read the secrets,
 * configmaps, claims and volumes of the pods bound to its node (and nothing else of those kinds),
 * request tokens for their service accounts, manage its own Lease; for every other resource it has
 * the `system:node` role's rules. Users that are not nodes get no opinion.
 */
export function nodeAuthorizer(graph: NodeGraph): Authorizer {
  const related = (node: string, type: NodeObjectType, a: AuthorizationAttributes): AuthorizationDecision => {
    if (!a.name) return no("No Object name found");
    return graph.hasPathFrom(node, type, a.namespace ?? "", a.name) ? { allowed: true } : no(`no relationship found between node '${node}' and this object`);
  };
  const readNamespaced = (node: string, type: NodeObjectType, a: AuthorizationAttributes): AuthorizationDecision => {
    if (!READ_VERBS.has(a.verb)) return no("can only read resources of this type");
    if (a.subresource) return no("cannot read subresource");
    if (!a.namespace) return no("can only read namespaced object of this type");
    return related(node, type, a);
  };
  const get = (node: string, type: NodeObjectType, a: AuthorizationAttributes): AuthorizationDecision => {
    if (a.verb !== "get") return no("can only get individual resources of this type");
    if (a.subresource) return no("cannot get subresource");
    return related(node, type, a);
  };
  return {
    name: "Node",
    authorize(a) {
      const node = nodeIdentity(a.user);
      if (node === undefined) return { allowed: false };
      if (!node) return no(`unknown node for user "${a.user.username}"`);
      if (a.isResourceRequest) {
        const group = a.apiGroup ?? "";
        const resource = `${group}/${a.resource}`;
        switch (resource) {
          case "/secrets":
            return readNamespaced(node, "secret", a);
          case "/configmaps":
            return readNamespaced(node, "configmap", a);
          case "/persistentvolumeclaims":
            if (a.subresource === "status") {
              if (a.verb !== "update" && a.verb !== "patch") return no("can only get, update, or patch persistentvolumeclaim status");
              return related(node, "pvc", a);
            }
            return get(node, "pvc", a);
          case "/persistentvolumes":
            return get(node, "pv", a);
          case "storage.k8s.io/volumeattachments":
            return get(node, "volumeattachment", a);
          case "/serviceaccounts":
            if (a.verb !== "create" || a.subresource !== "token" || !a.name) return no("can only create tokens for individual service accounts");
            return related(node, "serviceaccount", a);
          case "coordination.k8s.io/leases":
            if (!LEASE_VERBS.has(a.verb) || a.subresource) return no("can only get, create, update, patch, or delete a node lease");
            if (a.namespace !== "kube-node-lease") return no("can only access leases in the kube-node-lease namespace");
            if (a.verb !== "create" && a.name !== node) return no("can only access node lease with the same name as the requesting node");
            return { allowed: true };
          case "storage.k8s.io/csinodes":
            if (a.subresource) return no("cannot authorize CSINode subresources");
            if (a.verb !== "create" && a.name !== node) return no("can only access CSINode with the same name as the requesting node");
            break;
        }
      }
      return NODE_RULES.some((rule) => ruleAllows(a, rule)) ? { allowed: true } : { allowed: false };
    },
  };
}
