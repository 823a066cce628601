import type { KubeObject } from "../../../core/api/object.js";
import { EXPLAIN_NAMESPACE } from "./explanation.js";

const RBAC = "rbac.authorization.k8s.io";
const NAME = "kubesim:kube-scheduler-explain";

/**
 * The RBAC kube-scheduler's explain protocol needs beyond upstream's system:kube-scheduler role
 * (kubesim's own addition, shipped with the scheduler): reading the request ConfigMaps in
 * kube-system and writing the answer into them. A Role and a RoleBinding to the user
 * system:kube-scheduler, which an installer (kubesim up --split) creates as it creates add-ons' RBAC.
 */
export function explainRbac(): KubeObject[] {
  return [
    { apiVersion: `${RBAC}/v1`, kind: "Role", metadata: { name: NAME, namespace: EXPLAIN_NAMESPACE }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "update"] }] } as KubeObject,
    { apiVersion: `${RBAC}/v1`, kind: "RoleBinding", metadata: { name: NAME, namespace: EXPLAIN_NAMESPACE }, roleRef: { apiGroup: RBAC, kind: "Role", name: NAME }, subjects: [{ apiGroup: RBAC, kind: "User", name: "system:kube-scheduler" }] } as KubeObject,
  ];
}
