import type { ControllerRevision } from "kubernetes-types/apps/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateNonnegative } from "../field-checks.js";
import { APPS_V1 } from "./apps-common.js";

type ControllerRevisionObject = ControllerRevision & KubeObject;

function validateRevision(cr: ControllerRevision): FieldError[] {
  const errs = validateObjectMeta(cr.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  if (cr.data === undefined || cr.data === null) errs.push(fieldError.required("data", "data is mandatory"));
  errs.push(...validateNonnegative(cr.revision, "revision"));
  return errs;
}

/** apps/v1 ControllerRevision: immutable data snapshots kept by DaemonSets and StatefulSets. */
export const CONTROLLER_REVISION: ApiTypeRegistration<ControllerRevisionObject> = {
  descriptor: { ...APPS_V1, kind: "ControllerRevision", plural: "controllerrevisions", singular: "controllerrevision", listKind: "ControllerRevisionList", namespaced: true, shortNames: [], categories: [], subresources: [] },
  strategy: {
    validate: (cr) => validateRevision(cr),
    validateUpdate: (cr, old) => [...validateObjectMetaUpdate(cr.metadata, old.metadata), ...validateRevision(cr).filter((e) => !e.field.startsWith("metadata.")), ...validateImmutableField(cr.data, old.data, "data")],
  },
};
