import type { DaemonSet, DaemonSetStatus } from "kubernetes-types/apps/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { defaultPodTemplateSpec } from "../core/pod-spec.js";
import { scaledIntOrPercent, validateIntOrPercent, validateNonnegative, validateNotMoreThan100Percent } from "../field-checks.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { validateLongRunningTemplate, validateWorkloadSelector } from "../template-selector.js";
import { APPS_V1, validateReplicaCounts } from "./apps-common.js";

type DaemonSetObject = DaemonSet & KubeObject;

/** SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0; history 10; template pod defaults. */
export function defaultDaemonSet(ds: DaemonSet): void {
  const spec = ((ds as { spec?: DaemonSet["spec"] }).spec ??= { selector: {}, template: {} });
  const strategy = (spec.updateStrategy ??= {});
  strategy.type ||= "RollingUpdate";
  if (strategy.type === "RollingUpdate") {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
}

function validateUpdateStrategy(ds: DaemonSet): FieldError[] {
  const strategy = ds.spec?.updateStrategy ?? {};
  const path = "spec.updateStrategy";
  if (strategy.type === "OnDelete") return [];
  if (strategy.type !== "RollingUpdate") return [fieldError.notSupported(path, strategy, ["RollingUpdate", "OnDelete"])];
  const ru = strategy.rollingUpdate;
  if (!ru) return [fieldError.required(`${path}.rollingUpdate`)];
  const p = `${path}.rollingUpdate`;
  const errs = [...validateIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${p}.maxSurge`)];
  errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`), ...validateNotMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
  const hasUnavailable = scaledIntOrPercent(ru.maxUnavailable, 100, false) !== 0;
  const hasSurge = scaledIntOrPercent(ru.maxSurge, 100, false) !== 0;
  if (hasUnavailable && hasSurge) errs.push(fieldError.invalid(`${p}.maxSurge`, ru.maxSurge, "may not be set when maxUnavailable is non-zero"));
  else if (!hasUnavailable && !hasSurge) errs.push(fieldError.required(`${p}.maxUnavailable`, "cannot be 0 when maxSurge is 0"));
  return errs;
}

function validateSpec(ds: DaemonSet): FieldError[] {
  const spec = ds.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs = validateWorkloadSelector(spec.selector, spec.template, "spec", "daemonset");
  errs.push(...validateLongRunningTemplate(spec.template, "spec.template", "DaemonSet"));
  errs.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...validateUpdateStrategy(ds));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  return errs;
}

function validateStatus(s: DaemonSetStatus | undefined, old: DaemonSetStatus | undefined): FieldError[] {
  const status = s ?? { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
  const errs = validateReplicaCounts(status, ["currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady", "observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable", "collisionCount"]);
  if (old?.collisionCount !== undefined && (status.collisionCount ?? 0) < old.collisionCount) errs.push(fieldError.invalid("status.collisionCount", status.collisionCount ?? 0, "cannot be decremented"));
  return errs;
}

/** The annotation v1 DaemonSets carry their (internal) spec.templateGeneration in. */
export const TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";

function setTemplateGeneration(ds: DaemonSetObject, generation: number): void {
  const meta = (ds.metadata ??= {});
  meta.annotations = { ...meta.annotations, [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

const hooks = specStatusHooks<DaemonSetObject>({
  statusKeepsLabels: true,
  initialStatus: () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
});

/** apps/v1 DaemonSet. */
export const DAEMON_SET: ApiTypeRegistration<DaemonSetObject> = {
  descriptor: { ...APPS_V1, kind: "DaemonSet", plural: "daemonsets", singular: "daemonset", listKind: "DaemonSetList", namespaced: true, shortNames: ["ds"], categories: ["all"], subresources: ["status"] },
  strategy: {
    defaults: (ds) => defaultDaemonSet(ds),
    ...hooks,
    // The daemonset strategy's PrepareForCreate / PrepareForUpdate: templateGeneration starts at 1
    // and goes up by one with each template change (shown as the deprecated annotation).
    prepareForCreate(ds, ctx) {
      hooks.prepareForCreate!(ds, ctx);
      setTemplateGeneration(ds, 1);
    },
    prepareForUpdate(ds, old, ctx) {
      hooks.prepareForUpdate!(ds, old, ctx);
      const previous = Number(old.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? 0) || 0;
      setTemplateGeneration(ds, semanticEqual(ds.spec?.template, old.spec?.template) ? previous : previous + 1);
    },
    validate: (ds) => [...validateObjectMeta(ds.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(ds)],
    validateUpdate: (ds, old) => [
      ...validateObjectMetaUpdate(ds.metadata, old.metadata),
      ...validateSpec(ds),
      ...validateImmutableField(ds.spec?.selector, old.spec?.selector, "spec.selector"),
    ],
    validateStatusUpdate: (ds, old) => [...validateObjectMetaUpdate(ds.metadata, old.metadata), ...validateStatus(ds.status, old.status)],
  },
};
