import { test } from "uvu";
import * as assert from "uvu/assert";
import { ResourceRegistry } from "../../../core/api/resource-registry.js";
import { APPS_TYPES } from "../../../core/api/builtin/apps/index.js";
import { BATCH_TYPES } from "../../../core/api/builtin/batch/index.js";
import { AUTOSCALING_TYPES } from "../../../core/api/builtin/autoscaling/index.js";
import { POLICY_TYPES } from "../../../core/api/builtin/policy/index.js";
import { DISCOVERY_TYPES } from "../../../core/api/builtin/discovery/index.js";
import { NETWORKING_TYPES } from "../../../core/api/builtin/networking/index.js";
import { COORDINATION_TYPES } from "../../../core/api/builtin/coordination/index.js";
import { STORAGE_TYPES } from "../../../core/api/builtin/storage/index.js";
import { RBAC_TYPES } from "../../../core/api/builtin/rbac/index.js";
import { APIEXTENSIONS_TYPES } from "../../../core/api/builtin/apiextensions/index.js";

const ALL = [...APPS_TYPES, ...BATCH_TYPES, ...AUTOSCALING_TYPES, ...POLICY_TYPES, ...DISCOVERY_TYPES, ...NETWORKING_TYPES, ...COORDINATION_TYPES, ...STORAGE_TYPES, ...RBAC_TYPES, ...APIEXTENSIONS_TYPES];

/** `kubectl api-resources` for these groups: name, shortnames, apiVersion, namespaced, kind. */
const API_RESOURCES = `
controllerrevisions                apps/v1 true ControllerRevision
daemonsets ds                      apps/v1 true DaemonSet
deployments deploy                 apps/v1 true Deployment
replicasets rs                     apps/v1 true ReplicaSet
statefulsets sts                   apps/v1 true StatefulSet
cronjobs cj                        batch/v1 true CronJob
jobs                               batch/v1 true Job
horizontalpodautoscalers hpa       autoscaling/v2 true HorizontalPodAutoscaler
poddisruptionbudgets pdb           policy/v1 true PodDisruptionBudget
endpointslices                     discovery.k8s.io/v1 true EndpointSlice
ingressclasses                     networking.k8s.io/v1 false IngressClass
ingresses ing                      networking.k8s.io/v1 true Ingress
networkpolicies netpol             networking.k8s.io/v1 true NetworkPolicy
leases                             coordination.k8s.io/v1 true Lease
csidrivers                         storage.k8s.io/v1 false CSIDriver
csinodes                           storage.k8s.io/v1 false CSINode
csistoragecapacities               storage.k8s.io/v1 true CSIStorageCapacity
storageclasses sc                  storage.k8s.io/v1 false StorageClass
volumeattachments                  storage.k8s.io/v1 false VolumeAttachment
clusterrolebindings                rbac.authorization.k8s.io/v1 false ClusterRoleBinding
clusterroles                       rbac.authorization.k8s.io/v1 false ClusterRole
rolebindings                       rbac.authorization.k8s.io/v1 true RoleBinding
roles                              rbac.authorization.k8s.io/v1 true Role
customresourcedefinitions crd,crds apiextensions.k8s.io/v1 false CustomResourceDefinition
`;

test("names, scopes and kinds match kubectl api-resources", () => {
  const rows = API_RESOURCES.trim().split("\n").map((l) => l.trim().split(/\s+/));
  const got = ALL.map((t) => {
    const d = t.descriptor;
    const row = [d.plural];
    if (d.shortNames.length) row.push(d.shortNames.join(","));
    row.push(`${d.group}/${d.version}`, String(d.namespaced), d.kind);
    return row;
  });
  assert.equal(got, rows);
  for (const t of ALL) {
    assert.is(t.descriptor.listKind, `${t.descriptor.kind}List`);
    assert.is(t.descriptor.singular, t.descriptor.kind.toLowerCase());
  }
});

test("categories and subresources", () => {
  const by = new Map(ALL.map((t) => [t.descriptor.plural, t.descriptor]));
  for (const p of ["deployments", "replicasets", "daemonsets", "statefulsets", "jobs", "cronjobs", "horizontalpodautoscalers"]) assert.equal(by.get(p)!.categories, ["all"], p);
  assert.equal(by.get("customresourcedefinitions")!.categories, ["api-extensions"]);
  for (const p of ["deployments", "replicasets", "statefulsets"]) assert.equal(by.get(p)!.subresources, ["status", "scale"], p);
  for (const p of ["daemonsets", "jobs", "cronjobs", "horizontalpodautoscalers", "poddisruptionbudgets", "ingresses", "customresourcedefinitions", "volumeattachments"]) assert.equal(by.get(p)!.subresources, ["status"], p);
  for (const p of ["leases", "roles", "storageclasses", "networkpolicies", "endpointslices"]) assert.equal(by.get(p)!.subresources, [], p);
});

test("all register in one registry and resolve by short name", () => {
  const registry = new ResourceRegistry(ALL);
  assert.is(registry.find("deploy")?.descriptor.kind, "Deployment");
  assert.is(registry.find("crds")?.descriptor.kind, "CustomResourceDefinition");
  assert.is(registry.find("netpol")?.descriptor.kind, "NetworkPolicy");
  assert.is(registry.find({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" })?.descriptor.plural, "horizontalpodautoscalers");
});

test.run();
