import type { PriorityClass } from "kubernetes-types/scheduling/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateEnum } from "../field-checks.js";

type PriorityClassObject = PriorityClass & KubeObject;

/** `scheduling.HighestUserDefinablePriority`: classes above it are the system's. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** `scheduling.SystemCriticalPriority`. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;

/** The two system priority classes kube-apiserver creates at start (`scheduling.SystemPriorityClasses`). */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-node-critical" },
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-cluster-critical" },
    value: SYSTEM_CRITICAL_PRIORITY,
    description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
];

const SYSTEM_NAMES = new Map(SYSTEM_PRIORITY_CLASSES.map((pc) => [pc.metadata!.name!, pc.value]));

function validateSpec(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata?.name ?? "";
  if (name.startsWith("system-")) {
    const systemValue = SYSTEM_NAMES.get(name);
    if (systemValue === undefined) errs.push(fieldError.forbidden("metadata.name", "priority class names with 'system-' prefix are reserved"));
    else if (pc.value !== systemValue) errs.push(fieldError.forbidden("value", `value of ${name} PriorityClass must be ${systemValue}`));
  } else if (typeof pc.value === "number" && pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldError.forbidden("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (typeof pc.value !== "number") errs.push(fieldError.required("value"));
  errs.push(...validateEnum(pc.preemptionPolicy, ["Never", "PreemptLowerPriority"], "preemptionPolicy"));
  return errs;
}

/** scheduling.k8s.io/v1 PriorityClass (cluster-scoped): a name → pod priority mapping. */
export const PRIORITY_CLASS: ApiTypeRegistration<PriorityClassObject> = {
  descriptor: { group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses", singular: "priorityclass", listKind: "PriorityClassList", namespaced: false, shortNames: ["pc"], categories: [], subresources: [] },
  strategy: {
    defaults: (pc) => {
      pc.preemptionPolicy ??= "PreemptLowerPriority";
    },
    validate: (pc) => [...validateObjectMeta(pc.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateSpec(pc)],
    validateUpdate: (pc, old) => [
      ...validateObjectMetaUpdate(pc.metadata, old.metadata),
      ...validateImmutableField(pc.value, old.value, "value"),
      ...validateImmutableField(pc.preemptionPolicy, old.preemptionPolicy, "preemptionPolicy"),
    ],
  },
};
