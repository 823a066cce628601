import type { Pod, PodSpec } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../api/object.js";
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js";
import { isStatusError } from "../../api/status.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
import { admissionForbidden } from "./admission-forbidden.js";

const isPods = (group: string, plural: string): boolean => group === "" && plural === "pods";
const isPriorityClasses = (group: string, plural: string): boolean => group === "scheduling.k8s.io" && plural === "priorityclasses";

/** The global default class among `classes`: several can only exist through a race; upstream picks the lowest value. */
function globalDefault(classes: readonly PriorityClass[]): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const c of classes) if (c.globalDefault && (!best || c.value < best.value)) best = c;
  return best;
}

async function defaultClass(ctx: AdmissionContext): Promise<PriorityClass | undefined> {
  const classes = (ctx.listers?.list("priorityclasses.scheduling.k8s.io") ?? (await ctx.client.resource<PriorityClass>("priorityclasses.scheduling.k8s.io").list()).items) as PriorityClass[];
  return globalDefault(classes);
}

async function namedClass(request: AdmissionRequest, ctx: AdmissionContext, name: string): Promise<PriorityClass> {
  try {
    return (await ctx.client.resource<PriorityClass>("priorityclasses.scheduling.k8s.io").get(name)) as PriorityClass;
  } catch (err) {
    if (isStatusError(err, "NotFound")) throw admissionForbidden(request, `no PriorityClass with name ${name} was found`);
    throw err;
  }
}

/** Sets the pod's priority and preemption policy from its class (`byDefault`: the global default, named on the pod too; none: 0). */
function applyClass(request: AdmissionRequest, spec: PodSpec, pc: PriorityClass | undefined, byDefault: boolean): void {
  if (byDefault && pc) spec.priorityClassName = pc.metadata!.name!;
  const priority = pc?.value ?? 0;
  const preemptionPolicy = pc?.preemptionPolicy ?? "PreemptLowerPriority";
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw admissionForbidden(request, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  if (spec.preemptionPolicy && spec.preemptionPolicy !== preemptionPolicy) {
    throw admissionForbidden(request, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`);
  }
  spec.priority = priority;
  spec.preemptionPolicy = preemptionPolicy;
}

/**
 * The Priority admission plugin (plugin/pkg/admission/priority): a new pod gets `spec.priority`
 * and `spec.preemptionPolicy` from its PriorityClass, or from the global default class, or 0 and
 * PreemptLowerPriority when there is none; a pod naming a missing class, or giving a priority
 * that disagrees with its class, is refused. At most one PriorityClass may be the global default.
 */
export const priorityAdmission: AdmissionPlugin = {
  name: "Priority",
  operations: ["CREATE", "UPDATE"],
  resources: ["pods", "priorityclasses.scheduling.k8s.io"],
  admit(request, ctx) {
    const { group, plural } = request.resource;
    if (request.operation !== "CREATE" || request.subresource || !isPods(group, plural)) return;
    const spec = (request.object as Pod | undefined)?.spec;
    if (!spec) return;
    if (spec.priorityClassName) return namedClass(request, ctx, spec.priorityClassName).then((pc) => applyClass(request, spec, pc, false));
    const listed = ctx.listers?.list<PriorityClass & KubeObject>("priorityclasses.scheduling.k8s.io");
    if (listed) return applyClass(request, spec, globalDefault(listed), true);
    return defaultClass(ctx).then((pc) => applyClass(request, spec, pc, true));
  },
  // Not async: a pod's request (every create) is answered synchronously, so the chain need not await it.
  validate(request, ctx) {
    const { group, plural } = request.resource;
    if ((request.operation !== "CREATE" && request.operation !== "UPDATE") || !isPriorityClasses(group, plural)) return;
    const pc = request.object as PriorityClass | undefined;
    if (!pc?.globalDefault) return;
    return refuseSecondDefault(request, ctx, pc);
  },
};

/** Refuses a second global default PriorityClass. */
async function refuseSecondDefault(request: AdmissionRequest, ctx: AdmissionContext, pc: PriorityClass): Promise<void> {
  const existing = await defaultClass(ctx);
  if (existing && existing.metadata?.name !== pc.metadata?.name) {
    throw admissionForbidden(request, `PriorityClass ${existing.metadata!.name} is already marked as default. Only one default can exist`);
  }
}
