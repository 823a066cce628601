/** The operator kit: CRDs declared in TypeScript, installed by operator plugins, and controller-runtime's helpers for reconciling them. */
export { defineCustomResource, type CustomResource, type CustomResourceKind, type CustomResourceDeclaration, type CustomResourceVersion, type CustomResourceConversionDeclaration } from "./custom-resource.js";
export { hubAndSpokeConversion, type HubAndSpokeOptions, type SpokeConversion } from "./conversion.js";
export { conditionsSchema, resourceSchema } from "./schemas.js";
export { installCustomResourceDefinitions, type InstallCrdsOptions } from "./install-crds.js";
export { defineOperator, type OperatorDefinition, type OperatorController } from "./define-operator.js";
export { setStatusCondition, removeStatusCondition, findStatusCondition, isStatusConditionTrue, isStatusConditionFalse, type ConditionInput } from "./conditions.js";
export { hasFinalizer, addFinalizer, removeFinalizer, reconcileFinalizer, type FinalizerOutcome } from "./finalizers.js";
export { setControllerReference, setOwnerReference, isControlledBy, AlreadyOwnedError } from "./owner-references.js";
export { createOrUpdate, type OperationResult } from "./create-or-update.js";
export { startOperatorTestCluster, type OperatorTestCluster, type OperatorTestOptions } from "./testing.js";
