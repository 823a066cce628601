import type { ReplicationController } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateLabels } from "../../validation/labels.js";
import { validateReplicationControllerName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "./pod-spec.js";
import { writable } from "./writable.js";

export const REPLICATION_CONTROLLER_DESCRIPTOR = coreDescriptor({
  kind: "ReplicationController",
  plural: "replicationcontrollers",
  namespaced: true,
  shortNames: ["rc"],
  categories: ["all"],
  subresources: ["status", "scale"],
});

function nonNegative(value: number | undefined, path: string, errs: FieldError[]): void {
  if (value !== undefined && value < 0) errs.push(fieldError.invalid(path, value, "must be greater than or equal to 0"));
}

/** ValidateReplicationControllerSpec: selector required and matching the template, template restartPolicy Always. */
function validateRCSpec(rc: ReplicationController): FieldError[] {
  const errs: FieldError[] = [];
  const spec = rc.spec ?? {};
  nonNegative(spec.replicas, "spec.replicas", errs);
  nonNegative(spec.minReadySeconds, "spec.minReadySeconds", errs);
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(fieldError.required("spec.selector"));
  else errs.push(...validateLabels(selector, "spec.selector"));
  const template = spec.template;
  if (!template) {
    errs.push(fieldError.required("spec.template"));
    return errs;
  }
  const labels = template.metadata?.labels ?? {};
  if (Object.keys(selector).length > 0) {
    for (const k in selector) {
      if (labels[k] !== selector[k]) {
        errs.push(fieldError.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"));
        break;
      }
    }
  }
  errs.push(...validatePodTemplateSpec(template, "spec.template"));
  const restart = template.spec?.restartPolicy;
  if (restart && restart !== "Always") errs.push(fieldError.notSupported("spec.template.spec.restartPolicy", restart, ["Always"]));
  if (template.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(fieldError.invalid("spec.template.spec.activeDeadlineSeconds", template.spec.activeDeadlineSeconds, "activeDeadlineSeconds in ReplicationController is not Supported"));
  }
  return errs;
}

/** ReplicationControllers: SetDefaults_ReplicationController and rcStrategy of pkg/registry/core/replicationcontroller. */
export const REPLICATION_CONTROLLER_TYPE = typeRegistration<ReplicationController>(REPLICATION_CONTROLLER_DESCRIPTOR, {
  defaults(rc) {
    const spec = (rc.spec ??= {});
    const templateLabels = spec.template?.metadata?.labels;
    if (templateLabels) {
      if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...templateLabels };
      const meta = (rc.metadata ??= {});
      if (!meta.labels || Object.keys(meta.labels).length === 0) meta.labels = { ...templateLabels };
    }
    if (spec.replicas === undefined) spec.replicas = 1;
    defaultPodTemplateSpec(spec.template);
  },
  prepareForCreate(rc) {
    writable(rc).status = { replicas: 0 };
    writable(rc.metadata ??= {}).generation = 1;
  },
  prepareForUpdate(rc, old) {
    writable(rc).status = old.status;
    const meta = writable(rc.metadata ??= {});
    const oldGeneration = old.metadata?.generation ?? 0;
    meta.generation = semanticEqual(rc.spec, old.spec) ? oldGeneration : oldGeneration + 1;
  },
  prepareForStatusUpdate(rc, old) {
    rc.spec = old.spec;
  },
  validate(rc) {
    const errs = validateObjectMeta(rc.metadata, { namespaced: true, nameValidator: validateReplicationControllerName });
    errs.push(...validateRCSpec(rc));
    return errs;
  },
  validateUpdate(rc, old) {
    const errs = validateObjectMetaUpdate(rc.metadata, old.metadata);
    errs.push(...validateRCSpec(rc));
    return errs;
  },
  validateStatusUpdate(rc, old) {
    const errs = validateObjectMetaUpdate(rc.metadata, old.metadata);
    const s = rc.status ?? { replicas: 0 };
    nonNegative(s.replicas, "status.replicas", errs);
    nonNegative(s.fullyLabeledReplicas, "status.fullyLabeledReplicas", errs);
    nonNegative(s.readyReplicas, "status.readyReplicas", errs);
    nonNegative(s.availableReplicas, "status.availableReplicas", errs);
    nonNegative(s.observedGeneration, "status.observedGeneration", errs);
    if ((s.readyReplicas ?? 0) > s.replicas) errs.push(fieldError.invalid("status.readyReplicas", s.readyReplicas, "cannot be greater than status.replicas"));
    if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) errs.push(fieldError.invalid("status.availableReplicas", s.availableReplicas, "cannot be greater than readyReplicas"));
    return errs;
  },
  fieldSelectors: {
    "status.replicas": (rc) => String(rc.status?.replicas ?? 0),
  },
});
