import type { Pod } from "kubernetes-types/core/v1.js";
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js";
import { isStatusError } from "../../api/status.js";
import type { AdmissionContext, AdmissionPlugin } from "../admission.js";
import { admissionForbidden } from "./admission-forbidden.js";

const isPods = (group: string, plural: string): boolean => group === "" && plural === "pods";
const isPriorityClasses = (group: string, plural: string): boolean => group === "scheduling.k8s.io" && plural === "priorityclasses";

async function defaultClass(ctx: AdmissionContext): Promise<PriorityClass | undefined> {
  const classes = (ctx.listers?.list("priorityclasses.scheduling.k8s.io") ?? (await ctx.client.resource<PriorityClass>("priorityclasses.scheduling.k8s.io").list()).items) as PriorityClass[];
  // Several defaults can only exist through a race; upstream picks the lowest value.
  return classes.filter((c) => c.globalDefault).sort((a, b) => a.value - b.value)[0];
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
  async admit(request, ctx) {
    const { group, plural } = request.resource;
    if (request.operation !== "CREATE" || request.subresource || !isPods(group, plural)) return;
    const spec = (request.object as Pod | undefined)?.spec;
    if (!spec) return;
    let priority = 0;
    let preemptionPolicy = "PreemptLowerPriority";
    if (!spec.priorityClassName) {
      const pc = await defaultClass(ctx);
      if (pc) {
        spec.priorityClassName = pc.metadata!.name!;
        priority = pc.value;
        preemptionPolicy = pc.preemptionPolicy ?? preemptionPolicy;
      }
    } else {
      let pc: PriorityClass;
      try {
        pc = (await ctx.client.resource<PriorityClass>("priorityclasses.scheduling.k8s.io").get(spec.priorityClassName)) as PriorityClass;
      } catch (err) {
        if (isStatusError(err, "NotFound")) throw admissionForbidden(request, `no PriorityClass with name ${spec.priorityClassName} was found`);
        throw err;
      }
      priority = pc.value;
      preemptionPolicy = pc.preemptionPolicy ?? preemptionPolicy;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
      throw admissionForbidden(request, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
    }
    if (spec.preemptionPolicy && spec.preemptionPolicy !== preemptionPolicy) {
      throw admissionForbidden(request, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`);
    }
    spec.priority = priority;
    spec.preemptionPolicy = preemptionPolicy;
  },
  async validate(request, ctx) {
    const { group, plural } = request.resource;
    if ((request.operation !== "CREATE" && request.operation !== "UPDATE") || !isPriorityClasses(group, plural)) return;
    const pc = request.object as PriorityClass | undefined;
    if (!pc?.globalDefault) return;
    const existing = await defaultClass(ctx);
    if (existing && existing.metadata?.name !== pc.metadata?.name) {
      throw admissionForbidden(request, `PriorityClass ${existing.metadata!.name} is already marked as default. Only one default can exist`);
    }
  },
};
