import type { ApiTypeRegistration } from "../api/strategy.js";
import type { AdmissionPlugin } from "../apiserver/admission.js";
import { extensionPoint } from "./extension-point.js";

/**
 * The extension points the core declares. Each is a typed key: contributing a value of the wrong
 * shape is a compile error. Points whose contract is not settled yet (container runtime, pod
 * network, storage, images, scheduler plugins, controllers) are declared by the issues that build
 * them, next to their contracts.
 */

/** Resource types served by the API server: built-ins, and types added by plugins. */
export const ApiTypes = extensionPoint<ApiTypeRegistration>("api-types", "an API resource type (descriptor and strategy)");

/** Admission plugins (mutating `admit`, validating `validate`). */
export const AdmissionPlugins = extensionPoint<AdmissionPlugin>("admission", "an admission plugin");

