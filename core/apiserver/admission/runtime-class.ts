import type { Pod, PodSpec, Toleration } from "kubernetes-types/core/v1.js";
import type { RuntimeClass } from "kubernetes-types/node/v1.js";
import { isStatusError } from "../../api/status.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
import { admissionForbidden } from "./admission-forbidden.js";

const isPodCreate = (r: AdmissionRequest): boolean => r.operation === "CREATE" && !r.subresource && r.resource.group === "" && r.resource.plural === "pods";

async function runtimeClass(request: AdmissionRequest, ctx: AdmissionContext, name: string): Promise<RuntimeClass> {
  try {
    return (await ctx.client.resource<RuntimeClass>("runtimeclasses.node.k8s.io").get(name)) as RuntimeClass;
  } catch (err) {
    if (isStatusError(err, "NotFound")) throw admissionForbidden(request, `pod rejected: RuntimeClass "${name}" not found`);
    throw err;
  }
}

const sameQuantities = (a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean => JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

/**
 * The RuntimeClass admission plugin (plugin/pkg/admission/runtimeclass): a new pod naming a
 * RuntimeClass gets its `overhead.podFixed` as `spec.overhead` and its scheduling constraints
 * (nodeSelector merged, tolerations added); a missing class, a conflicting nodeSelector or an
 * overhead that disagrees with the class is refused, as is an overhead without a class.
 */
export const runtimeClassAdmission: AdmissionPlugin = {
  name: "RuntimeClass",
  operations: ["CREATE"],
  resources: ["pods"],
  subresources: [""],
  admit(request, ctx) {
    if (!isPodCreate(request)) return;
    const spec = (request.object as Pod | undefined)?.spec;
    if (!spec?.runtimeClassName) return;
    return runtimeClass(request, ctx, spec.runtimeClassName).then((rc) => applyRuntimeClass(request, spec, rc));
  },
  validate(request, ctx) {
    if (!isPodCreate(request)) return;
    const spec = (request.object as Pod | undefined)?.spec;
    if (!spec?.overhead) return;
    if (!spec.runtimeClassName) throw admissionForbidden(request, "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
    return runtimeClass(request, ctx, spec.runtimeClassName).then((rc) => {
      if (!sameQuantities(spec.overhead, rc.overhead?.podFixed as Record<string, unknown> | undefined)) throw admissionForbidden(request, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    });
  },
};

/** Gives the pod its class's overhead and scheduling constraints. */
function applyRuntimeClass(request: AdmissionRequest, spec: PodSpec, rc: RuntimeClass): void {
  const podFixed = rc.overhead?.podFixed as Record<string, string> | undefined;
  if (podFixed) {
    if (spec.overhead && !sameQuantities(spec.overhead, podFixed)) throw admissionForbidden(request, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    spec.overhead = { ...podFixed };
  }
  const scheduling = rc.scheduling;
  if (scheduling?.nodeSelector) {
    const selector = { ...(spec.nodeSelector ?? {}) };
    for (const [k, v] of Object.entries(scheduling.nodeSelector)) {
      if (k in selector && selector[k] !== v) throw admissionForbidden(request, `pod rejected: conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${selector[k]}`);
      selector[k] = v;
    }
    spec.nodeSelector = selector;
  }
  if (scheduling?.tolerations?.length) {
    const tolerations: Toleration[] = [...(spec.tolerations ?? [])];
    for (const t of scheduling.tolerations) if (!tolerations.some((x) => JSON.stringify(x) === JSON.stringify(t))) tolerations.push(t);
    spec.tolerations = tolerations;
  }
}
