import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from "kubernetes-types/rbac/v1.js";

/**
 * The roles and bindings kube-apiserver 1.32 creates at start (plugin/pkg/auth/authorizer/rbac/
 * bootstrappolicy: policy.go, controller_policy.go, namespace_policy.go), written as a compact
 * table: a `role` line names the ClusterRole (with `label=` / `aggregate=` options), each rule line is
 * `verbs | apiGroups | resources [| resourceNames]` (`""` is the core group), or
 * `verbs | url | nonResourceURLs`. Every object carries `kubernetes.io/bootstrapping: rbac-defaults`
 * and `rbac.authorization.kubernetes.io/autoupdate: "true"`.
 */
const CLUSTER_ROLES = `
role cluster-admin
  * | * | *
  * | url | *
role system:discovery
  get | url | /api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* /readyz /version /version/
role system:monitoring
  get | url | /healthz /healthz/* /livez /livez/* /metrics /metrics/slis /readyz /readyz/*
role system:basic-user
  create | authorization.k8s.io | selfsubjectaccessreviews selfsubjectrulesreviews
  create | authentication.k8s.io | selfsubjectreviews
role system:public-info-viewer
  get | url | /healthz /livez /readyz /version /version/
role admin aggregate=rbac.authorization.k8s.io/aggregate-to-admin
role edit label=rbac.authorization.k8s.io/aggregate-to-admin aggregate=rbac.authorization.k8s.io/aggregate-to-edit
role view label=rbac.authorization.k8s.io/aggregate-to-edit aggregate=rbac.authorization.k8s.io/aggregate-to-view
role system:aggregate-to-admin label=rbac.authorization.k8s.io/aggregate-to-admin
  create | authorization.k8s.io | localsubjectaccessreviews
  create delete deletecollection get list patch update watch | rbac.authorization.k8s.io | rolebindings roles
role system:aggregate-to-edit label=rbac.authorization.k8s.io/aggregate-to-edit
  get list watch | "" | pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy
  impersonate | "" | serviceaccounts
  create delete deletecollection patch update | "" | pods pods/attach pods/exec pods/portforward pods/proxy
  create | "" | pods/eviction
  create delete deletecollection patch update | "" | configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale secrets serviceaccounts services services/proxy
  create | "" | serviceaccounts/token
  create delete deletecollection patch update | apps | daemonsets deployments deployments/rollback deployments/scale replicasets replicasets/scale statefulsets statefulsets/scale
  create delete deletecollection patch update | autoscaling | horizontalpodautoscalers
  create delete deletecollection patch update | batch | cronjobs jobs
  create delete deletecollection patch update | extensions | daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale
  create delete deletecollection patch update | policy | poddisruptionbudgets
  create delete deletecollection patch update | networking.k8s.io | ingresses networkpolicies
  create delete deletecollection get list patch update watch | coordination.k8s.io | leases
role system:aggregate-to-view label=rbac.authorization.k8s.io/aggregate-to-view
  get list watch | "" | configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status
  get list watch | "" | bindings events limitranges namespaces/status pods/log pods/status replicationcontrollers/status resourcequotas resourcequotas/status
  get list watch | "" | namespaces
  get list watch | discovery.k8s.io | endpointslices
  get list watch | apps | controllerrevisions daemonsets daemonsets/status deployments deployments/scale deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale statefulsets/status
  get list watch | autoscaling | horizontalpodautoscalers horizontalpodautoscalers/status
  get list watch | batch | cronjobs cronjobs/status jobs jobs/status
  get list watch | extensions | daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status replicationcontrollers/scale
  get list watch | policy | poddisruptionbudgets poddisruptionbudgets/status
  get list watch | networking.k8s.io | ingresses ingresses/status networkpolicies
role system:heapster
  get list watch | "" | events namespaces nodes pods
  get list watch | extensions | deployments
role system:node
  create | authentication.k8s.io | tokenreviews
  create | authorization.k8s.io | localsubjectaccessreviews subjectaccessreviews
  get list watch | "" | services
  create get list watch | "" | nodes
  patch update | "" | nodes/status
  patch update | "" | nodes
  create patch update | "" | events
  get list watch | "" | pods
  create delete | "" | pods
  patch update | "" | pods/status
  create | "" | pods/eviction
  get list watch | "" | configmaps secrets
  get | "" | persistentvolumeclaims persistentvolumes
  get | "" | endpoints
  create get list watch | certificates.k8s.io | certificatesigningrequests
  create delete get patch update | coordination.k8s.io | leases
  get | storage.k8s.io | volumeattachments
  create | "" | serviceaccounts/token
  get patch update | "" | persistentvolumeclaims/status
  get list watch | storage.k8s.io | csidrivers
  create delete get patch update | storage.k8s.io | csinodes
  get list watch | node.k8s.io | runtimeclasses
  get | resource.k8s.io | resourceclaims
  deletecollection | resource.k8s.io | resourceslices
role system:node-problem-detector
  get | "" | nodes
  patch | "" | nodes/status
  create patch update | "" events.k8s.io | events
role system:kubelet-api-admin
  get list watch | "" | nodes
  proxy | "" | nodes
  * | "" | nodes/log nodes/metrics nodes/proxy nodes/stats
role system:node-bootstrapper
  create get list watch | certificates.k8s.io | certificatesigningrequests
role system:auth-delegator
  create | authentication.k8s.io | tokenreviews
  create | authorization.k8s.io | subjectaccessreviews
role system:kube-aggregator
  get list watch | "" | endpoints services
role system:kube-controller-manager
  create patch update | "" events.k8s.io | events
  create | coordination.k8s.io | leases
  get update | coordination.k8s.io | leases | kube-controller-manager
  create | "" | secrets serviceaccounts
  delete | "" | secrets
  get | "" | configmaps namespaces secrets serviceaccounts
  update | "" | secrets serviceaccounts
  create | authentication.k8s.io | tokenreviews
  create | authorization.k8s.io | subjectaccessreviews
  list watch | * | *
  create | "" | serviceaccounts/token
role system:kube-dns
  list watch | "" | endpoints services
role system:persistent-volume-provisioner
  create delete get list watch | "" | persistentvolumes
  get list update watch | "" | persistentvolumeclaims
  get list watch | storage.k8s.io | storageclasses
  watch | "" | events
  create patch update | "" events.k8s.io | events
role system:certificates.k8s.io:kube-apiserver-client-approver
  approve | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client
role system:certificates.k8s.io:kube-apiserver-client-kubelet-approver
  approve | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client-kubelet
role system:certificates.k8s.io:kubelet-serving-approver
  approve | certificates.k8s.io | signers | kubernetes.io/kubelet-serving
role system:certificates.k8s.io:legacy-unknown-approver
  approve | certificates.k8s.io | signers | kubernetes.io/legacy-unknown
role system:certificates.k8s.io:certificatesigningrequests:nodeclient
  create | certificates.k8s.io | certificatesigningrequests/nodeclient
role system:certificates.k8s.io:certificatesigningrequests:selfnodeclient
  create | certificates.k8s.io | certificatesigningrequests/selfnodeclient
role system:volume-scheduler
  get list patch update watch | "" | persistentvolumes
  get list watch | storage.k8s.io | storageclasses
  get list patch update watch | "" | persistentvolumeclaims
role system:kube-scheduler
  create patch update | "" events.k8s.io | events
  create | coordination.k8s.io | leases
  get list update watch | coordination.k8s.io | leases | kube-scheduler
  create delete deletecollection get list patch update watch | coordination.k8s.io | leasecandidates
  get list watch | "" | nodes
  delete get list watch | "" | pods
  create | "" | bindings pods/binding
  patch update | "" | pods/status
  get list watch | "" | replicationcontrollers services
  get list watch | apps extensions | replicasets
  get list watch | apps | statefulsets
  get list watch | policy | poddisruptionbudgets
  get list watch | "" | persistentvolumeclaims persistentvolumes
  create | authentication.k8s.io | tokenreviews
  create | authorization.k8s.io | subjectaccessreviews
  get list watch | storage.k8s.io | csinodes
  get list watch | storage.k8s.io | volumeattachments
  get list watch | "" | namespaces
  get list watch | storage.k8s.io | csidrivers
  get list watch | storage.k8s.io | csistoragecapacities
role system:node-proxier
  list watch | "" | endpoints services
  get list watch | "" | nodes
  create patch update | "" events.k8s.io | events
  list watch | discovery.k8s.io | endpointslices
role system:service-account-issuer-discovery
  get | url | /.well-known/openid-configuration /.well-known/openid-configuration/ /openid/v1/jwks /openid/v1/jwks/
`;

/** The controllers' roles (controller_policy.go), bound to `kube-system/<controller>` ServiceAccounts. */
const CONTROLLER_ROLES = `
role system:controller:attachdetach-controller
  list watch | "" | persistentvolumeclaims persistentvolumes
  get list watch | "" | nodes
  patch update | "" | nodes/status
  list watch | "" | pods
  create patch update | "" events.k8s.io | events
  create delete get list watch | storage.k8s.io | volumeattachments
  get list watch | storage.k8s.io | csidrivers
  get list watch | storage.k8s.io | csinodes
role system:controller:certificate-controller
  delete get list watch | certificates.k8s.io | certificatesigningrequests
  update | certificates.k8s.io | certificatesigningrequests/approval certificatesigningrequests/status
  approve | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client-kubelet
  sign | certificates.k8s.io | signers | kubernetes.io/kube-apiserver-client kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving kubernetes.io/legacy-unknown
  create | authorization.k8s.io | subjectaccessreviews
  create patch update | "" events.k8s.io | events
role system:controller:clusterrole-aggregation-controller
  escalate get list patch update watch | rbac.authorization.k8s.io | clusterroles
role system:controller:cronjob-controller
  get list update watch | batch | cronjobs
  create delete get list patch update watch | batch | jobs
  update | batch | cronjobs/status
  update | batch | cronjobs/finalizers
  delete list | "" | pods
  create patch update | "" events.k8s.io | events
role system:controller:daemon-set-controller
  get list watch | apps extensions | daemonsets
  update | apps extensions | daemonsets/status
  update | apps extensions | daemonsets/finalizers
  list watch | "" | nodes
  create delete list patch watch | "" | pods
  create | "" | pods/binding
  create delete get list patch update watch | apps | controllerrevisions
  create patch update | "" events.k8s.io | events
role system:controller:deployment-controller
  get list update watch | apps extensions | deployments
  update | apps extensions | deployments/status
  update | apps extensions | deployments/finalizers
  create delete get list patch update watch | apps extensions | replicasets
  get list update watch | "" | pods
  create patch update | "" events.k8s.io | events
role system:controller:disruption-controller
  get list watch | apps extensions | deployments
  get list watch | apps extensions | replicasets
  get list watch | "" | replicationcontrollers
  get list watch | policy | poddisruptionbudgets
  get list watch | apps | statefulsets
  update | policy | poddisruptionbudgets/status
  patch update | "" | pods/status
  get | * | */scale
  create patch update | "" events.k8s.io | events
role system:controller:endpoint-controller
  get list watch | "" | pods services
  create delete get list update | "" | endpoints
  create | "" | endpoints/restricted
  create patch update | "" events.k8s.io | events
role system:controller:endpointslice-controller
  get list watch | "" | nodes pods services
  update | "" | services/finalizers
  create delete get list update | discovery.k8s.io | endpointslices
  create patch update | "" events.k8s.io | events
role system:controller:endpointslicemirroring-controller
  get list watch | "" | endpoints services
  update | "" | services/finalizers
  update | "" | endpoints/finalizers
  create delete get list update | discovery.k8s.io | endpointslices
  create patch update | "" events.k8s.io | events
role system:controller:ephemeral-volume-controller
  get list watch | "" | pods
  update | "" | pods/finalizers
  create get list watch | "" | persistentvolumeclaims
  create patch update | "" events.k8s.io | events
role system:controller:expand-controller
  get list patch update watch | "" | persistentvolumes
  patch update | "" | persistentvolumeclaims/status
  get list watch | "" | persistentvolumeclaims
  create patch update | "" events.k8s.io | events
  get | "" | services
role system:controller:generic-garbage-collector
  delete get list patch update watch | * | *
  create patch update | "" events.k8s.io | events
role system:controller:horizontal-pod-autoscaler
  get list watch | autoscaling | horizontalpodautoscalers
  update | autoscaling | horizontalpodautoscalers/status
  get update | * | */scale
  list | "" | pods
  list | metrics.k8s.io | pods
  get list | custom.metrics.k8s.io | *
  get list | external.metrics.k8s.io | *
  create patch update | "" events.k8s.io | events
role system:controller:job-controller
  get list patch update watch | batch | jobs
  update | batch | jobs/status
  update | batch | jobs/finalizers
  create delete list patch watch | "" | pods
  create patch update | "" events.k8s.io | events
role system:controller:namespace-controller
  delete get list watch | "" | namespaces
  update | "" | namespaces/finalize namespaces/status
  delete deletecollection get list | * | *
role system:controller:node-controller
  delete get list patch update | "" | nodes
  patch update | "" | nodes/status
  patch update | "" | pods/status
  delete get list | "" | pods
  create patch update | "" events.k8s.io | events
role system:controller:persistent-volume-binder
  create delete get list update watch | "" | persistentvolumes
  update | "" | persistentvolumes/status
  get list update watch | "" | persistentvolumeclaims
  update | "" | persistentvolumeclaims/status
  create delete get list watch | "" | pods
  get list watch | storage.k8s.io | storageclasses
  list watch | "" | nodes
  create patch update | "" events.k8s.io | events
  watch | "" | events
  get | "" | services
role system:controller:pod-garbage-collector
  delete list watch | "" | pods
  get list | "" | nodes
  patch | "" | pods/status
role system:controller:pv-protection-controller
  get list update watch | "" | persistentvolumes
  create patch update | "" events.k8s.io | events
role system:controller:pvc-protection-controller
  get list update watch | "" | persistentvolumeclaims
  get list watch | "" | pods
  create patch update | "" events.k8s.io | events
role system:controller:replicaset-controller
  get list update watch | apps extensions | replicasets
  update | apps extensions | replicasets/status
  update | apps extensions | replicasets/finalizers
  create delete list patch watch | "" | pods
  create patch update | "" events.k8s.io | events
role system:controller:replication-controller
  get list update watch | "" | replicationcontrollers
  update | "" | replicationcontrollers/status
  update | "" | replicationcontrollers/finalizers
  create delete list patch watch | "" | pods
  create patch update | "" events.k8s.io | events
role system:controller:resourcequota-controller
  list watch | * | *
  update | "" | resourcequotas/status
  create patch update | "" events.k8s.io | events
role system:controller:root-ca-cert-publisher
  create update | "" | configmaps
  create patch update | "" events.k8s.io | events
role system:controller:route-controller
  list watch | "" | nodes
  patch | "" | nodes/status
  create patch update | "" events.k8s.io | events
role system:controller:service-account-controller
  create | "" | serviceaccounts
  create patch update | "" events.k8s.io | events
role system:controller:service-controller
  get list watch | "" | services
  patch update | "" | services/status
  list watch | "" | nodes
  create patch update | "" events.k8s.io | events
role system:controller:statefulset-controller
  list watch | "" | pods
  get list watch | apps | statefulsets
  update | apps | statefulsets/status
  update | apps | statefulsets/finalizers
  create delete get patch update | "" | pods
  create delete get list patch update watch | apps | controllerrevisions
  create get list watch | "" | persistentvolumeclaims
  create patch update | "" events.k8s.io | events
  delete update | "" | persistentvolumeclaims
  update | "" | pods/finalizers
role system:controller:ttl-after-finished-controller
  delete get list watch | batch | jobs
  create patch update | "" events.k8s.io | events
role system:controller:ttl-controller
  list patch update watch | "" | nodes
  create patch update | "" events.k8s.io | events
role system:controller:validatingadmissionpolicy-status-controller
  get list watch | admissionregistration.k8s.io | validatingadmissionpolicies
  get patch update | admissionregistration.k8s.io | validatingadmissionpolicies/status
  create patch update | "" events.k8s.io | events
`;

/** kube-system Roles (namespace_policy.go): leader locking and the authentication ConfigMap reader. */
const KUBE_SYSTEM_ROLES = `
role extension-apiserver-authentication-reader
  get list watch | "" | configmaps | extension-apiserver-authentication
role system::leader-locking-kube-controller-manager
  watch | "" | configmaps
  get update | "" | configmaps | kube-controller-manager
role system::leader-locking-kube-scheduler
  watch | "" | configmaps
  get update | "" | configmaps | kube-scheduler
role system:controller:bootstrap-signer
  get list watch | "" | secrets
role system:controller:cloud-provider
  create get list watch | "" | configmaps
role system:controller:token-cleaner
  delete get list watch | "" | secrets
  create patch update | "" events.k8s.io | events
`;

/** kube-public Roles (namespace_policy.go): the bootstrap signer signs cluster-info. */
const KUBE_PUBLIC_ROLES = `
role system:controller:bootstrap-signer
  get list watch | "" | configmaps
  update | "" | configmaps | cluster-info
  create patch update | "" events.k8s.io | events
`;

/** `kubernetes.io/bootstrapping: rbac-defaults`, on every bootstrap object. */
export const BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping";
/** The annotation that lets the API server add missing permissions and subjects at each start. */
export const AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";

interface ParsedRole {
  name: string;
  labels: Record<string, string>;
  aggregate: string[];
  rules: PolicyRule[];
}

function parse(table: string): ParsedRole[] {
  const roles: ParsedRole[] = [];
  for (const raw of table.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("role ")) {
      const [, name, ...options] = line.split(/\s+/);
      const role: ParsedRole = { name: name!, labels: { [BOOTSTRAP_LABEL]: "rbac-defaults" }, aggregate: [], rules: [] };
      for (const o of options) {
        const [k, v] = o.split("=") as [string, string];
        if (k === "label") role.labels[v] = "true";
        else role.aggregate.push(v);
      }
      roles.push(role);
      continue;
    }
    const [verbs, groups, items, names] = line.split("|").map((p) => p.trim().split(/\s+/).map((w) => (w === '""' ? "" : w)));
    const rule: PolicyRule = groups![0] === "url" ? { verbs: verbs!, nonResourceURLs: items! } : { verbs: verbs!, apiGroups: groups!, resources: items!, ...(names ? { resourceNames: names } : {}) };
    roles.at(-1)!.rules.push(rule);
  }
  return roles;
}

const ANNOTATIONS = { [AUTOUPDATE_ANNOTATION]: "true" };

function clusterRole(r: ParsedRole): ClusterRole {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole",
    metadata: { name: r.name, labels: r.labels, annotations: ANNOTATIONS },
    ...(r.aggregate.length ? { aggregationRule: { clusterRoleSelectors: r.aggregate.map((l) => ({ matchLabels: { [l]: "true" } })) } } : { rules: r.rules }),
  };
}

const user = (name: string): Subject => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name });
const group = (name: string): Subject => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name });
const serviceAccount = (namespace: string, name: string): Subject => ({ kind: "ServiceAccount", name, namespace });

function clusterBinding(name: string, subjects: Subject[], role = name): ClusterRoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding",
    metadata: { name, labels: { [BOOTSTRAP_LABEL]: "rbac-defaults" }, annotations: ANNOTATIONS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    ...(subjects.length ? { subjects } : {}),
  };
}

const controllerRoles = parse(CONTROLLER_ROLES);

/** Every bootstrap ClusterRole, in upstream's order (policy, then controllers). */
export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = [...parse(CLUSTER_ROLES), ...controllerRoles].map(clusterRole);

/** Every bootstrap ClusterRoleBinding. `system:node` is bound to no one: the Node authorizer grants kubelets their rules. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  clusterBinding("cluster-admin", [group("system:masters")]),
  clusterBinding("system:monitoring", [group("system:monitoring")]),
  clusterBinding("system:discovery", [group("system:authenticated")]),
  clusterBinding("system:basic-user", [group("system:authenticated")]),
  clusterBinding("system:public-info-viewer", [group("system:authenticated"), group("system:unauthenticated")]),
  clusterBinding("system:node-proxier", [user("system:kube-proxy")]),
  clusterBinding("system:kube-controller-manager", [user("system:kube-controller-manager")]),
  clusterBinding("system:kube-dns", [serviceAccount("kube-system", "kube-dns")]),
  clusterBinding("system:kube-scheduler", [user("system:kube-scheduler")]),
  clusterBinding("system:volume-scheduler", [user("system:kube-scheduler")]),
  clusterBinding("system:node", []),
  clusterBinding("system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
  // Each controller's role, bound to the ServiceAccount kube-controller-manager runs it as (--use-service-account-credentials).
  ...controllerRoles.map((r) => clusterBinding(r.name, [serviceAccount("kube-system", r.name.slice("system:controller:".length))])),
];

const namespacedRoles = (namespace: string, table: string): Role[] =>
  parse(table).map((r) => ({
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role",
    metadata: { name: r.name, namespace, labels: r.labels, annotations: ANNOTATIONS },
    rules: r.rules,
  }));

/** The bootstrap Roles, in kube-system and kube-public. */
export const BOOTSTRAP_ROLES: readonly Role[] = [...namespacedRoles("kube-system", KUBE_SYSTEM_ROLES), ...namespacedRoles("kube-public", KUBE_PUBLIC_ROLES)];

function roleBinding(name: string, role: string, subjects: Subject[], namespace = "kube-system"): RoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding",
    metadata: { name, namespace, labels: { [BOOTSTRAP_LABEL]: "rbac-defaults" }, annotations: ANNOTATIONS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role },
    subjects,
  };
}

/** The bootstrap RoleBindings, in kube-system and kube-public. */
export const BOOTSTRAP_ROLE_BINDINGS: readonly RoleBinding[] = [
  roleBinding("system::extension-apiserver-authentication-reader", "extension-apiserver-authentication-reader", [user("system:kube-controller-manager"), user("system:kube-scheduler")]),
  roleBinding("system::leader-locking-kube-controller-manager", "system::leader-locking-kube-controller-manager", [user("system:kube-controller-manager"), serviceAccount("kube-system", "kube-controller-manager")]),
  roleBinding("system::leader-locking-kube-scheduler", "system::leader-locking-kube-scheduler", [user("system:kube-scheduler"), serviceAccount("kube-system", "kube-scheduler")]),
  roleBinding("system:controller:bootstrap-signer", "system:controller:bootstrap-signer", [serviceAccount("kube-system", "bootstrap-signer")]),
  roleBinding("system:controller:cloud-provider", "system:controller:cloud-provider", [serviceAccount("kube-system", "cloud-provider")]),
  roleBinding("system:controller:token-cleaner", "system:controller:token-cleaner", [serviceAccount("kube-system", "token-cleaner")]),
  roleBinding("system:controller:bootstrap-signer", "system:controller:bootstrap-signer", [serviceAccount("kube-system", "bootstrap-signer")], "kube-public"),
];

/** The rules of `system:node`, which the Node authorizer applies to kubelets for what its graph does not decide. */
export const NODE_RULES: readonly PolicyRule[] = BOOTSTRAP_CLUSTER_ROLES.find((r) => r.metadata!.name === "system:node")!.rules!;
