import type { PodSpec, Toleration } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { inclusiveRangeError } from "../../validation/names.js";
import { validateTolerations } from "./pod-spec-validation.js";

const MAX_INT32 = 2147483647;

/** The Forbidden message of a pod spec update that touches a field pods may not change. */
export const POD_UPDATE_FORBIDDEN_MESSAGE =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/**
 * The spec part of ValidatePodUpdate: only container images, activeDeadlineSeconds (set or
 * lowered), added tolerations (or shortened NoExecute tolerationSeconds), a negative grace
 * period raised to 1 and removed scheduling gates may change.
 */
export function validatePodSpecUpdate(spec: PodSpec, old: PodSpec, path = "spec"): FieldError[] {
  const errs: FieldError[] = [];
  if ((spec.containers?.length ?? 0) !== (old.containers?.length ?? 0)) {
    return [fieldError.forbidden(`${path}.containers`, "pod updates may not add or remove containers")];
  }
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    if (ads < 0 || ads > MAX_INT32) return [fieldError.invalid(`${path}.activeDeadlineSeconds`, ads, inclusiveRangeError(0, MAX_INT32))];
    if (old.activeDeadlineSeconds !== undefined && old.activeDeadlineSeconds < ads) {
      return [fieldError.invalid(`${path}.activeDeadlineSeconds`, ads, "must be less than or equal to previous value")];
    }
  } else if (old.activeDeadlineSeconds !== undefined) {
    errs.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, null, "must not update from a positive integer to nil value"));
  }
  if (spec.tolerations) errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  errs.push(...validateOnlyAddedTolerations(spec.tolerations ?? [], old.tolerations ?? [], `${path}.tolerations`));
  errs.push(...validateOnlyRemovedSchedulingGates(spec.schedulingGates ?? [], old.schedulingGates ?? [], `${path}.schedulingGates`));

  // Put back what may change, then everything else must be equal.
  const munged: PodSpec = { ...spec };
  munged.containers = mungeImages(spec.containers, old.containers) ?? [];
  if (spec.initContainers) munged.initContainers = mungeImages(spec.initContainers, old.initContainers);
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  munged.tolerations = old.tolerations;
  munged.schedulingGates = old.schedulingGates;
  if (old.terminationGracePeriodSeconds !== undefined && old.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  }
  if (!semanticEqual(munged, old)) errs.push(fieldError.forbidden(path, POD_UPDATE_FORBIDDEN_MESSAGE));
  return errs;
}

function mungeImages<T extends { image?: string }>(containers: T[] | undefined, old: T[] | undefined): T[] | undefined {
  if (!containers) return containers;
  return containers.map((c, i) => {
    const oldImage = old?.[i]?.image;
    return c.image === oldImage ? c : { ...c, image: oldImage };
  });
}

/** Existing tolerations must stay; a NoExecute one may only shorten its tolerationSeconds. */
function validateOnlyAddedTolerations(tolerations: readonly Toleration[], old: readonly Toleration[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const o of old) {
    const kept = tolerations.some((t) => {
      if (t.key !== o.key || (t.operator ?? "") !== (o.operator ?? "") || (t.value ?? "") !== (o.value ?? "") || (t.effect ?? "") !== (o.effect ?? "")) return false;
      if (t.tolerationSeconds === o.tolerationSeconds) return true;
      return o.effect === "NoExecute" && o.tolerationSeconds !== undefined && t.tolerationSeconds !== undefined && t.tolerationSeconds <= o.tolerationSeconds;
    });
    if (!kept) {
      errs.push(fieldError.forbidden(path, "existing toleration can not be modified except its tolerationSeconds"));
      break;
    }
  }
  return errs;
}

function validateOnlyRemovedSchedulingGates(gates: readonly { name: string }[], old: readonly { name: string }[], path: string): FieldError[] {
  const oldNames = new Set(old.map((g) => g.name));
  for (const g of gates) {
    if (!oldNames.has(g.name)) return [fieldError.forbidden(path, `only deletion is allowed, but found new scheduling gate '${g.name}'`)];
  }
  return [];
}
