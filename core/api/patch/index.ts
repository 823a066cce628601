/**
 * Patching and field management, as pure functions over plain JSON objects: inputs are never
 * mutated, results share every subtree they do not change (so treat them as immutable too).
 */
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from "./json-patch.js";
export { applyMergePatch, createMergePatch } from "./merge-patch.js";
export { applyStrategicMergePatch, type StrategicMergePatchOptions } from "./strategic-merge-patch.js";
export { createStrategicMergePatch, createThreeWayStrategicMergePatch, withLastAppliedAnnotation, LAST_APPLIED_ANNOTATION } from "./strategic-merge-diff.js";
export { applyServerSide, type ServerSideApplyOptions, type ServerSideApplyResult } from "./server-side-apply.js";
export { updateManagedFields, managedFieldsAfterUpdate, decodeManagedFields, encodeManagedFields, type UpdateManagedFieldsOptions, type ManagerFields } from "./managed-fields.js";
export { patchMetaFor, type FieldMeta, type TypeMeta } from "./patch-meta.js";
export type { FieldSet } from "./field-set.js";
