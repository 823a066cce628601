import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";

type LeaseObject = Lease & KubeObject & { spec?: Lease["spec"] & { strategy?: string; preferredHolder?: string } };

/** ValidateLeaseSpec: positive duration, non-negative transitions, preferredHolder only with a strategy. */
function validateSpec(lease: LeaseObject): FieldError[] {
  const spec = lease.spec;
  if (!spec) return [];
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) errs.push(fieldError.invalid("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"));
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) errs.push(fieldError.invalid("spec.leaseTransitions", spec.leaseTransitions, "must be greater than or equal to 0"));
  if (spec.preferredHolder && !spec.strategy) errs.push(fieldError.forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
  return errs;
}

/** coordination.k8s.io/v1 Lease: leader election and node heartbeats. */
export const LEASE: ApiTypeRegistration<LeaseObject> = {
  descriptor: { group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", singular: "lease", listKind: "LeaseList", namespaced: true, shortNames: [], categories: [], subresources: [] },
  strategy: {
    validate: (l) => [...validateObjectMeta(l.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(l)],
    validateUpdate: (l, old) => [...validateObjectMetaUpdate(l.metadata, old.metadata), ...validateSpec(l)],
  },
};
