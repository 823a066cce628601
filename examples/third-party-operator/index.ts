/**
 * A third-party operator as its own package (loaded by name: `cluster.use("kubesim-operator-tenant")`
 * or a cluster.yaml `plugins` entry, once installed in the project's node_modules). A cluster-scoped
 * `Tenant` (tenancy.example.com/v1) becomes a Namespace `tenant-<name>` holding a ResourceQuota and
 * a RoleBinding granting the tenant's owner the `admin` ClusterRole. Deleting the Tenant runs its
 * finalizer: the namespace is deleted and the Tenant goes only once the namespace is gone.
 *
 * A published operator imports from "kubesim"; this example imports the core by relative path so
 * it runs inside the kubesim repository without installing itself.
 */
import type { Namespace, ResourceQuota } from "kubernetes-types/core/v1.js";
import type { RoleBinding } from "kubernetes-types/rbac/v1.js";
import {
  conditionsSchema,
  controllerFor,
  createOrUpdate,
  defineCustomResource,
  defineOperator,
  isStatusError,
  reconcileFinalizer,
  resourceSchema,
  setControllerReference,
  setStatusCondition,
  jsonEqual,
  type CustomResource,
  type Manager,
} from "../../core/index.js";
import type { Condition } from "kubernetes-types/meta/v1.js";

export interface TenantSpec {
  /** The user who administers the tenant's namespace. */
  owner: string;
  /** `hard` limits of the namespace's ResourceQuota (e.g. `{ pods: "10", "requests.cpu": "4" }`). */
  quota?: Record<string, string>;
}
export interface TenantStatus {
  namespace?: string;
  phase?: "Active" | "Terminating";
  observedGeneration?: number;
  conditions?: Condition[];
}
export type Tenant = CustomResource<TenantSpec, TenantStatus>;

export const TenantResource = defineCustomResource<TenantSpec, TenantStatus>({
  group: "tenancy.example.com",
  kind: "Tenant",
  scope: "Cluster",
  shortNames: ["tn"],
  versions: [
    {
      name: "v1",
      schema: resourceSchema({
        spec: { required: ["owner"], properties: { owner: { type: "string", minLength: 1 }, quota: { type: "object", additionalProperties: { type: "string" } } } },
        status: { properties: { namespace: { type: "string" }, phase: { type: "string" }, observedGeneration: { type: "integer" }, conditions: conditionsSchema } },
      }),
      subresources: { status: true },
      additionalPrinterColumns: [
        { name: "Namespace", type: "string", jsonPath: ".status.namespace" },
        { name: "Owner", type: "string", jsonPath: ".spec.owner" },
        { name: "Phase", type: "string", jsonPath: ".status.phase" },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    },
  ],
});

export const TENANT_FINALIZER = "tenancy.example.com/namespace";
const FIELD_MANAGER = "tenant-operator";
const namespaceOf = (t: Tenant): string => `tenant-${t.metadata!.name}`;

function tenantController(mgr: Manager): void {
  const tenants = TenantResource.client(mgr.client);
  const lister = mgr.informers.forResource<Tenant>(TenantResource.ref).lister();
  const recorder = mgr.getEventRecorderFor("tenant-operator");
  const write = { fieldManager: FIELD_MANAGER };

  controllerFor(mgr)
    .named("tenant")
    .for(TenantResource.ref)
    .owns("Namespace")
    .watches<ResourceQuota>("ResourceQuota", (q) => (q.metadata?.labels?.["tenancy.example.com/tenant"] ? [{ name: q.metadata.labels["tenancy.example.com/tenant"] }] : []))
    .complete({
      async reconcile(req) {
        const tenant = lister.get(req.name);
        if (!tenant) return;
        const ns = namespaceOf(tenant);
        const outcome = await reconcileFinalizer(tenants, tenant, TENANT_FINALIZER, async () => {
          // Cleanup: delete the namespace; done once it is gone (false: not yet, keep the finalizer).
          try {
            await mgr.client.resource("Namespace").delete(ns);
            return false;
          } catch (err) {
            if (!isStatusError(err, "NotFound")) throw err;
          }
          recorder.eventf(tenant, "Normal", "NamespaceDeleted", "namespace %s is gone", ns);
          return true;
        }, write);
        if (outcome.state === "finalizing") return { requeueAfter: 1_000 };
        if (outcome.state !== "live") return;
        const live = outcome.object;
        const labels = { "tenancy.example.com/tenant": req.name };
        const created = await createOrUpdate(mgr.client.resource<Namespace>("Namespace"), { name: ns }, (n) => {
          const owned = setControllerReference(live, n);
          return { ...owned, metadata: { ...owned.metadata, labels: { ...n.metadata?.labels, ...labels } } };
        }, write);
        if (created.result === "created") recorder.eventf(live, "Normal", "NamespaceCreated", "created namespace %s for %s", ns, live.spec!.owner);
        await createOrUpdate(mgr.client.resource<ResourceQuota>("ResourceQuota"), { namespace: ns, name: "tenant-quota" }, (q) => ({ ...q, metadata: { ...q.metadata, labels }, spec: { hard: { ...(live.spec!.quota ?? { pods: "10" }) } } }), write);
        await createOrUpdate(mgr.client.resource<RoleBinding>("RoleBinding"), { namespace: ns, name: "tenant-admin" }, (rb) => ({
          ...rb,
          metadata: { ...rb.metadata, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
          subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: live.spec!.owner }],
        }), write);
        const { conditions } = setStatusCondition(live.status?.conditions, { type: "Ready", status: "True", reason: "NamespaceReady", message: `namespace ${ns} is set up for ${live.spec!.owner}`, observedGeneration: live.metadata!.generation! }, mgr.clock.now());
        const status: TenantStatus = { namespace: ns, phase: "Active", observedGeneration: live.metadata!.generation!, conditions };
        if (!jsonEqual(status, live.status)) await tenants.updateStatus({ ...live, status }, write);
      },
    });
}

export default defineOperator({
  name: "tenant-operator",
  description: "Tenants: a namespace per tenant with a quota and an admin binding",
  customResources: [TenantResource],
  controllers: { tenant: tenantController },
});
