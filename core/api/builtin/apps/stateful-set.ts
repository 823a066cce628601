import type { StatefulSet, StatefulSetSpec, StatefulSetStatus } from "kubernetes-types/apps/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { nameIsDNSLabel } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { defaultPodTemplateSpec } from "../core/pod-spec.js";
import { scaledIntOrPercent, validateEnum, validateIntOrPercent, validateNonnegative, validateNotMoreThan100Percent } from "../field-checks.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { validateLongRunningTemplate, validateWorkloadSelector } from "../template-selector.js";
import { APPS_V1, validateCountsWithinReplicas, validateReplicaCounts } from "./apps-common.js";

type StatefulSetObject = StatefulSet & KubeObject;

/**
 * SetDefaults_StatefulSet: OrderedReady, RollingUpdate with partition 0, claim retention
 * Retain/Retain, replicas 1, history 10; template pod defaults; each volumeClaimTemplate gets
 * the claim defaults (volumeMode Filesystem, status Pending) and its apiVersion/kind.
 */
export function defaultStatefulSet(sts: StatefulSet): void {
  const spec = ((sts as { spec?: StatefulSetSpec }).spec ??= { selector: {}, template: {} } as StatefulSetSpec);
  spec.podManagementPolicy ||= "OrderedReady";
  const strategy = (spec.updateStrategy ??= {});
  if (!strategy.type) {
    strategy.type = "RollingUpdate";
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === "RollingUpdate" && strategy.rollingUpdate) strategy.rollingUpdate.partition ??= 0;
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  retention.whenDeleted ||= "Retain";
  retention.whenScaled ||= "Retain";
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
  for (const claim of spec.volumeClaimTemplates ?? []) {
    claim.apiVersion ??= "v1";
    claim.kind ??= "PersistentVolumeClaim";
    const claimSpec = (claim.spec ??= {});
    claimSpec.volumeMode ??= "Filesystem";
    const status = ((claim as { status?: { phase?: string } }).status ??= {});
    status.phase ||= "Pending";
  }
}

function validateUpdateStrategy(spec: StatefulSetSpec): FieldError[] {
  const strategy = spec.updateStrategy ?? {};
  const path = "spec.updateStrategy";
  switch (strategy.type) {
    case undefined:
    case "":
      return [fieldError.required(path)];
    case "OnDelete":
      return strategy.rollingUpdate ? [fieldError.invalid(`${path}.rollingUpdate`, strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case "RollingUpdate": {
      const ru = strategy.rollingUpdate;
      if (!ru) return [];
      const errs = validateNonnegative(ru.partition, `${path}.rollingUpdate.partition`);
      if (ru.maxUnavailable !== undefined) {
        const p = `${path}.rollingUpdate.maxUnavailable`;
        errs.push(...validateIntOrPercent(ru.maxUnavailable, p));
        if (scaledIntOrPercent(ru.maxUnavailable, 100, false) === 0) errs.push(fieldError.invalid(p, ru.maxUnavailable, "cannot be 0"));
        errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, p));
      }
      return errs;
    }
    default:
      return [fieldError.invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function validateSpec(sts: StatefulSet): FieldError[] {
  const spec = sts.spec;
  if (!spec) return [fieldError.required("spec")];
  const errs: FieldError[] = [];
  const policy = spec.podManagementPolicy;
  if (!policy) errs.push(fieldError.required("spec.podManagementPolicy"));
  else if (policy !== "OrderedReady" && policy !== "Parallel") errs.push(fieldError.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(spec));
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    errs.push(...validateEnum(retention.whenDeleted, ["Retain", "Delete"], "spec.persistentVolumeClaimRetentionPolicy.whenDeleted"));
    errs.push(...validateEnum(retention.whenScaled, ["Retain", "Delete"], "spec.persistentVolumeClaimRetentionPolicy.whenScaled"));
  }
  errs.push(...validateNonnegative(spec.replicas, "spec.replicas"), ...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  if (spec.ordinals) errs.push(...validateNonnegative(spec.ordinals.start, "spec.ordinals.start"));
  errs.push(...validateWorkloadSelector(spec.selector, spec.template, "spec", "statefulset"));
  errs.push(...validateLongRunningTemplate(withClaimVolumes(spec), "spec.template", "StatefulSet"));
  return errs;
}

/** The template as its pods will have it: one volume per claim template, so volumeMounts may name them. */
function withClaimVolumes(spec: StatefulSetSpec): StatefulSetSpec["template"] {
  const claims = (spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name).filter((n): n is string => !!n);
  const tpl = spec.template;
  if (claims.length === 0 || !tpl?.spec) return tpl;
  const own = (tpl.spec.volumes ?? []).filter((v) => !claims.includes(v.name));
  return { ...tpl, spec: { ...tpl.spec, volumes: [...own, ...claims.map((name) => ({ name, persistentVolumeClaim: { claimName: name } }))] } };
}

/** Fields of a StatefulSet spec that may change after creation. */
const MUTABLE_SPEC_FIELDS = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"] as const;

function validateSpecUpdate(spec: StatefulSetSpec | undefined, old: StatefulSetSpec | undefined): FieldError[] {
  const a: Record<string, unknown> = { ...spec };
  const b: Record<string, unknown> = { ...old };
  for (const f of MUTABLE_SPEC_FIELDS) {
    delete a[f];
    delete b[f];
  }
  if (semanticEqual(a, b)) return [];
  return [fieldError.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}

function validateStatus(s: StatefulSetStatus | undefined, old: StatefulSetStatus | undefined): FieldError[] {
  const status = s ?? { replicas: 0 };
  const errs = validateReplicaCounts(status, ["replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas", "observedGeneration", "collisionCount"]);
  errs.push(...validateCountsWithinReplicas(status, ["readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"], "cannot be greater than status.readyReplicas"));
  if (old?.collisionCount !== undefined && (status.collisionCount ?? 0) < old.collisionCount) errs.push(fieldError.invalid("status.collisionCount", status.collisionCount ?? 0, "cannot be decremented"));
  return errs;
}

/** apps/v1 StatefulSet. */
export const STATEFUL_SET: ApiTypeRegistration<StatefulSetObject> = {
  descriptor: { ...APPS_V1, kind: "StatefulSet", plural: "statefulsets", singular: "statefulset", listKind: "StatefulSetList", namespaced: true, shortNames: ["sts"], categories: ["all"], subresources: ["status", "scale"] },
  strategy: {
    defaults: (sts) => defaultStatefulSet(sts),
    ...specStatusHooks<StatefulSetObject>({ statusKeepsLabels: true, initialStatus: () => ({ replicas: 0, availableReplicas: 0 }) }),
    validate: (sts) => [...validateObjectMeta(sts.metadata, { namespaced: true, nameValidator: nameIsDNSLabel }), ...validateSpec(sts)],
    validateUpdate: (sts, old) => [...validateObjectMetaUpdate(sts.metadata, old.metadata), ...validateSpec(sts), ...validateSpecUpdate(sts.spec, old.spec)],
    validateStatusUpdate: (sts, old) => [...validateObjectMetaUpdate(sts.metadata, old.metadata), ...validateStatus(sts.status, old.status)],
  },
};
