import type { HPAScalingRules, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget } from "kubernetes-types/autoscaling/v2.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { nameIsDNSSubdomain, isValidPathSegmentName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateEnum } from "../field-checks.js";
import { specStatusHooks } from "../spec-status-strategy.js";

type HpaObject = HorizontalPodAutoscaler & KubeObject;

/** The CPU utilization target of an HPA that names no metrics. */
export const DEFAULT_CPU_UTILIZATION = 80;

function scaleUpDefaults(rules: HPAScalingRules | undefined): HPAScalingRules {
  const r = rules ?? {};
  r.stabilizationWindowSeconds ??= 0;
  r.selectPolicy ??= "Max";
  if (!r.policies?.length) r.policies = [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }];
  return r;
}

function scaleDownDefaults(rules: HPAScalingRules | undefined): HPAScalingRules {
  const r = rules ?? {};
  r.stabilizationWindowSeconds ??= 300;
  r.selectPolicy ??= "Max";
  if (!r.policies?.length) r.policies = [{ type: "Percent", value: 100, periodSeconds: 15 }];
  return r;
}

/** SetDefaults_HorizontalPodAutoscaler (autoscaling/v2): minReplicas 1, CPU 80% when no metrics, behavior rules filled when behavior is given. */
export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  const spec = ((hpa as { spec?: HorizontalPodAutoscalerSpec }).spec ??= { maxReplicas: 0, scaleTargetRef: { kind: "", name: "" } });
  spec.minReplicas ??= 1;
  if (!spec.metrics?.length) {
    spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = scaleUpDefaults(spec.behavior.scaleUp);
    spec.behavior.scaleDown = scaleDownDefaults(spec.behavior.scaleDown);
  }
}

const METRIC_TYPES = ["Object", "Pods", "Resource", "ContainerResource", "External"] as const;
const SOURCE_FIELD: Record<(typeof METRIC_TYPES)[number], keyof MetricSpec> = { Object: "object", Pods: "pods", Resource: "resource", ContainerResource: "containerResource", External: "external" };

function validateTarget(target: MetricTarget | undefined, path: string): FieldError[] {
  if (!target) return [fieldError.required(path)];
  const errs = validateEnum(target.type, ["Utilization", "Value", "AverageValue"], `${path}.type`);
  if (!target.type) errs.push(fieldError.required(`${path}.type`));
  if (target.averageUtilization !== undefined && target.averageUtilization < 1) errs.push(fieldError.invalid(`${path}.averageUtilization`, target.averageUtilization, "must be greater than 0"));
  if (target.type === "Utilization" && target.averageUtilization === undefined) errs.push(fieldError.required(`${path}.averageUtilization`, "must set averageUtilization when type is Utilization"));
  if (target.type === "Value" && target.value === undefined) errs.push(fieldError.required(`${path}.value`, "must set value when type is Value"));
  if (target.type === "AverageValue" && target.averageValue === undefined) errs.push(fieldError.required(`${path}.averageValue`, "must set averageValue when type is AverageValue"));
  return errs;
}

function validateMetric(m: MetricSpec, path: string): FieldError[] {
  if (!m.type) return [fieldError.required(`${path}.type`, "must specify a metric source type")];
  if (!METRIC_TYPES.includes(m.type as (typeof METRIC_TYPES)[number])) return [fieldError.notSupported(`${path}.type`, m.type, METRIC_TYPES)];
  const errs: FieldError[] = [];
  const own = SOURCE_FIELD[m.type as (typeof METRIC_TYPES)[number]];
  for (const [t, f] of Object.entries(SOURCE_FIELD)) {
    if (f !== own && m[f] !== undefined) errs.push(fieldError.forbidden(`${path}.${f}`, `must populate the given metric source only, not ${t}`));
  }
  if (m[own] === undefined) return [...errs, fieldError.required(`${path}.${own}`, `must populate information for the given metric source`)];
  if (m.type === "Resource" || m.type === "ContainerResource") {
    const src = (m.type === "Resource" ? m.resource : m.containerResource)!;
    if (!src.name) errs.push(fieldError.required(`${path}.${own}.name`, "must specify a resource name"));
    errs.push(...validateTarget(src.target, `${path}.${own}.target`));
  } else {
    const src = m[own] as { target?: MetricTarget; metric?: { name?: string } };
    if (!src.metric?.name) errs.push(fieldError.required(`${path}.${own}.metric.name`, "must specify a metric name"));
    errs.push(...validateTarget(src.target, `${path}.${own}.target`));
  }
  return errs;
}

function validateRules(rules: HPAScalingRules | undefined, path: string): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const w = rules.stabilizationWindowSeconds;
  if (w !== undefined && (w < 0 || w > 3600)) errs.push(fieldError.invalid(`${path}.stabilizationWindowSeconds`, w, w < 0 ? "must be greater than or equal to zero" : "must be less than or equal to 3600"));
  errs.push(...validateEnum(rules.selectPolicy, ["Max", "Min", "Disabled"], `${path}.selectPolicy`));
  if (rules.selectPolicy !== "Disabled" && !rules.policies?.length) errs.push(fieldError.required(`${path}.policies`, "must specify at least one Policy"));
  (rules.policies ?? []).forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    errs.push(...validateEnum(p.type, ["Pods", "Percent"], `${pp}.type`));
    if (p.value <= 0) errs.push(fieldError.invalid(`${pp}.value`, p.value, "must be greater than zero"));
    if (p.periodSeconds <= 0) errs.push(fieldError.invalid(`${pp}.periodSeconds`, p.periodSeconds, "must be greater than zero"));
    else if (p.periodSeconds > 1800) errs.push(fieldError.invalid(`${pp}.periodSeconds`, p.periodSeconds, "must be less than or equal to 1800"));
  });
  return errs;
}

function validateSpec(hpa: HorizontalPodAutoscaler): FieldError[] {
  const spec = hpa.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs: FieldError[] = [];
  const ref = spec.scaleTargetRef;
  if (!ref?.kind) errs.push(fieldError.required("spec.scaleTargetRef.kind"));
  else for (const msg of isValidPathSegmentName(ref.kind)) errs.push(fieldError.invalid("spec.scaleTargetRef.kind", ref.kind, msg));
  if (!ref?.name) errs.push(fieldError.required("spec.scaleTargetRef.name"));
  else for (const msg of isValidPathSegmentName(ref.name)) errs.push(fieldError.invalid("spec.scaleTargetRef.name", ref.name, msg));
  const min = spec.minReplicas ?? 1;
  if (spec.minReplicas !== undefined && spec.minReplicas < 1) errs.push(fieldError.invalid("spec.minReplicas", spec.minReplicas, "must be greater than or equal to 1"));
  if (spec.maxReplicas < 1) errs.push(fieldError.invalid("spec.maxReplicas", spec.maxReplicas, "must be greater than 0"));
  else if (spec.maxReplicas < min) errs.push(fieldError.invalid("spec.maxReplicas", spec.maxReplicas, "must be greater than or equal to `minReplicas`"));
  (spec.metrics ?? []).forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  if (spec.behavior) {
    errs.push(...validateRules(spec.behavior.scaleUp, "spec.behavior.scaleUp"), ...validateRules(spec.behavior.scaleDown, "spec.behavior.scaleDown"));
  }
  return errs;
}

/** autoscaling/v2 HorizontalPodAutoscaler. */
export const HORIZONTAL_POD_AUTOSCALER: ApiTypeRegistration<HpaObject> = {
  descriptor: {
    group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", singular: "horizontalpodautoscaler",
    listKind: "HorizontalPodAutoscalerList", namespaced: true, shortNames: ["hpa"], categories: ["all"], subresources: ["status"],
  },
  strategy: {
    defaults: (hpa) => defaultHorizontalPodAutoscaler(hpa),
    ...specStatusHooks<HpaObject>({ initialStatus: () => ({ desiredReplicas: 0 }) }),
    validate: (hpa) => [...validateObjectMeta(hpa.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(hpa)],
    validateUpdate: (hpa, old) => [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateSpec(hpa)],
    validateStatusUpdate: (hpa, old) => validateObjectMetaUpdate(hpa.metadata, old.metadata),
  },
};
