import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from "kubernetes-types/autoscaling/v2.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import type { ClusterRoleBinding, RoleBinding, Subject } from "kubernetes-types/rbac/v1.js";
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js";
import type { RuntimeClass } from "kubernetes-types/node/v1.js";
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js";
import { humanDuration } from "./human-duration.js";
import { ageColumn, column, objectAge, objectName, nameColumn, type TablePrinter } from "./printer.js";

/* Printers of coordination, autoscaling, policy, rbac and scheduling kinds. */


export const leasePrinter: TablePrinter = {
  columns: [nameColumn(), column("Holder", "string", "io.k8s.api.coordination.v1.LeaseSpec#holderIdentity"), ageColumn()],
  row: (obj, ctx) => ({ cells: [objectName(obj), (obj as unknown as Lease).spec?.holderIdentity ?? "", objectAge(obj, ctx)] }),
};

const HPA = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler";

export const horizontalPodAutoscalerPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Reference", "string", `${HPA}Spec#scaleTargetRef`),
    column("Targets", "string", `${HPA}Spec#metrics`),
    column("MinPods", "string", `${HPA}Spec#minReplicas`),
    column("MaxPods", "string", `${HPA}Spec#maxReplicas`),
    column("Replicas", "string", `${HPA}Status#currentReplicas`),
    ageColumn(),
  ],
  row(obj, ctx) {
    const hpa = obj as unknown as HorizontalPodAutoscaler;
    const spec = hpa.spec;
    const ref = spec?.scaleTargetRef;
    const minPods = spec?.minReplicas !== undefined && spec.minReplicas !== null ? String(spec.minReplicas) : "<unset>";
    return { cells: [objectName(obj), `${ref?.kind ?? ""}/${ref?.name ?? ""}`, formatHpaMetrics(spec?.metrics, hpa.status?.currentMetrics), minPods, spec?.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0, objectAge(obj, ctx)] };
  },
};

/** `cpu: 40%/80%`-style targets (kubectl 1.32 prints `<resource>: <current>/<target>` for resource metrics), at most two then `+ N more...`. */
export function formatHpaMetrics(specs: readonly MetricSpec[] | undefined, statuses: readonly MetricStatus[] | undefined): string {
  if (!specs?.length) return "<none>";
  const list = specs.map((spec, i) => {
    const status = statuses?.[i];
    const source = spec.resource ?? spec.containerResource;
    if (source) {
      // kubectl 1.32's formatHPAMetrics names the resource: `cpu: 40%/80%`, `memory: 100Mi/200Mi`.
      const current = (spec.resource ? status?.resource : status?.containerResource)?.current;
      if (source.target.averageValue) return `${source.name}: ${current?.averageValue ?? "<unknown>"}/${source.target.averageValue}`;
      const cur = current?.averageUtilization !== undefined && current?.averageUtilization !== null ? `${current.averageUtilization}%` : "<unknown>";
      const target = source.target.averageUtilization !== undefined && source.target.averageUtilization !== null ? `${source.target.averageUtilization}%` : "<auto>";
      return `${source.name}: ${cur}/${target}`;
    }
    if (spec.pods) return `${status?.pods?.current.averageValue ?? "<unknown>"}/${spec.pods.target.averageValue ?? ""}`;
    const target = spec.object?.target ?? spec.external?.target;
    if (target) {
      const current = (spec.object ? status?.object : status?.external)?.current;
      if (target.averageValue) return `${current?.averageValue ?? "<unknown>"}/${target.averageValue} (avg)`;
      return `${current?.value ?? "<unknown>"}/${target.value ?? ""}`;
    }
    return "<unknown type>";
  });
  return list.length > 2 ? `${list.slice(0, 2).join(", ")} + ${list.length - 2} more...` : list.join(", ");
}

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Min Available", "string", "The minimum number of pods that must be available."),
    column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
    column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
    ageColumn(),
  ],
  row(obj, ctx) {
    const pdb = obj as unknown as PodDisruptionBudget;
    const text = (v: number | string | undefined): string => (v === undefined || v === null ? "N/A" : String(v));
    return { cells: [objectName(obj), text(pdb.spec?.minAvailable), text(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, objectAge(obj, ctx)] };
  },
};

/** `SubjectsStrings`: users, groups and `namespace/name` service accounts of a binding. */
function subjectColumns(subjects: readonly Subject[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === "User") users.push(s.name);
    else if (s.kind === "Group") groups.push(s.name);
    else if (s.kind === "ServiceAccount") sas.push(`${s.namespace ?? ""}/${s.name}`);
  }
  return [users.join(", "), groups.join(", "), sas.join(", ")];
}

function bindingPrinter(kind: "roleBinding" | "clusterRoleBinding", definition: string): TablePrinter {
  return {
    columns: [
      nameColumn(),
      column("Role", "string", `${definition}#roleRef`),
      ageColumn(),
      column("Users", "string", `Users in the ${kind}`, { priority: 1 }),
      column("Groups", "string", `Groups in the ${kind}`, { priority: 1 }),
      column("ServiceAccounts", "string", `ServiceAccounts in the ${kind}`, { priority: 1 }),
    ],
    row(obj, ctx) {
      const b = obj as unknown as RoleBinding | ClusterRoleBinding;
      return { cells: [objectName(obj), `${b.roleRef?.kind ?? ""}/${b.roleRef?.name ?? ""}`, objectAge(obj, ctx), ...subjectColumns(b.subjects)] };
    },
  };
}

export const roleBindingPrinter = bindingPrinter("roleBinding", "io.k8s.api.rbac.v1.RoleBinding");
export const clusterRoleBindingPrinter = bindingPrinter("clusterRoleBinding", "io.k8s.api.rbac.v1.ClusterRoleBinding");

const PC = "io.k8s.api.scheduling.v1.PriorityClass";

export const priorityClassPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Value", "integer", `${PC}#value`),
    column("Global-Default", "boolean", `${PC}#globalDefault`),
    ageColumn(),
    column("PreemptionPolicy", "string", `${PC}#preemptionPolicy`),
  ],
  row(obj, ctx) {
    const pc = obj as unknown as PriorityClass;
    return { cells: [objectName(obj), pc.value, pc.globalDefault ?? false, objectAge(obj, ctx), pc.preemptionPolicy ?? "PreemptLowerPriority"] };
  },
};

export const runtimeClassPrinter: TablePrinter = {
  columns: [nameColumn(), column("Handler", "string", "io.k8s.api.node.v1.RuntimeClass#handler"), ageColumn()],
  row: (obj, ctx) => ({ cells: [objectName(obj), (obj as unknown as RuntimeClass).handler ?? "", objectAge(obj, ctx)] }),
};

const CSR = "io.k8s.api.certificates.v1.CertificateSigningRequest";

/** kubectl's CSR condition summary: Denied, else Approved, else Pending; then `,Failed` and `,Issued`. */
function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
  if (types.has("Failed")) status += ",Failed";
  if (csr.status?.certificate) status += ",Issued";
  return status;
}

export const certificateSigningRequestPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    ageColumn(),
    column("SignerName", "string", `${CSR}Spec#signerName`),
    column("Requestor", "string", `${CSR}Spec#username`),
    column("RequestedDuration", "string", `${CSR}Spec#expirationSeconds`),
    column("Condition", "string", `${CSR}Status#conditions`),
  ],
  row(obj, ctx) {
    const csr = obj as unknown as CertificateSigningRequest;
    const seconds = csr.spec?.expirationSeconds;
    return { cells: [objectName(obj), objectAge(obj, ctx), csr.spec?.signerName ?? "", csr.spec?.username ?? "", seconds === undefined || seconds === null ? "<none>" : humanDuration(seconds * 1000), csrCondition(csr)] };
  },
};
