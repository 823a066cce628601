import type { ReplicaSet, ReplicaSetStatus } from "kubernetes-types/apps/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { defaultPodTemplateSpec } from "../core/pod-spec.js";
import { validateNonnegative } from "../field-checks.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { validateLongRunningTemplate, validateWorkloadSelector } from "../template-selector.js";
import { APPS_V1, validateCountsWithinReplicas, validateReplicaCounts } from "./apps-common.js";

type ReplicaSetObject = ReplicaSet & KubeObject;

/** SetDefaults_ReplicaSet: replicas 1; template pod defaults. */
export function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = ((rs as { spec?: ReplicaSet["spec"] }).spec ??= { selector: {} });
  spec.replicas ??= 1;
  defaultPodTemplateSpec(spec.template);
}

function validateSpec(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs = [...validateNonnegative(spec.replicas, "spec.replicas"), ...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds")];
  // Upstream's ReplicaSet validation says "deployment" here too.
  errs.push(...validateWorkloadSelector(spec.selector, spec.template, "spec", "deployment"));
  errs.push(...validateLongRunningTemplate(spec.template, "spec.template", "ReplicaSet"));
  return errs;
}

function validateStatus(s: ReplicaSetStatus | undefined): FieldError[] {
  const status = s ?? { replicas: 0 };
  const errs = validateReplicaCounts(status, ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"]);
  errs.push(...validateCountsWithinReplicas(status, ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"], "cannot be greater than readyReplicas"));
  return errs;
}

/** apps/v1 ReplicaSet. */
export const REPLICA_SET: ApiTypeRegistration<ReplicaSetObject> = {
  descriptor: { ...APPS_V1, kind: "ReplicaSet", plural: "replicasets", singular: "replicaset", listKind: "ReplicaSetList", namespaced: true, shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"] },
  strategy: {
    defaults: (rs) => defaultReplicaSet(rs),
    ...specStatusHooks<ReplicaSetObject>({ statusKeepsLabels: true, initialStatus: () => ({ replicas: 0 }) }),
    validate: (rs) => [...validateObjectMeta(rs.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(rs)],
    validateUpdate: (rs, old) => [
      ...validateObjectMetaUpdate(rs.metadata, old.metadata),
      ...validateSpec(rs),
      ...validateImmutableField(rs.spec?.selector, old.spec?.selector, "spec.selector"),
    ],
    validateStatusUpdate: (rs, old) => [...validateObjectMetaUpdate(rs.metadata, old.metadata), ...validateStatus(rs.status)],
  },
};
