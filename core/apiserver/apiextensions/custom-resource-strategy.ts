import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from "kubernetes-types/apiextensions/v1.js";
import type { KubeObject } from "../../api/object.js";
import type { ResourceStrategy } from "../../api/strategy.js";
import { methodNotAllowed } from "../../api/status.js";
import { semanticEqual } from "../../api/validation/semantic-equal.js";
import { nameIsDNSSubdomain } from "../../api/validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../api/validation/object-meta.js";
import { evaluateSimpleJsonPath, parseSimpleJsonPath } from "../printers/simple-json-path.js";
import { compileSchema, type CompiledSchema } from "./schema-validator.js";
import { fieldError, type FieldError } from "../../api/status.js";

type Content = Record<string, unknown>;

/** What the CRD controller tells the served types of one CRD (shared by its versions). */
export interface ServingState {
  /** The CRD is being deleted: creates are refused. */
  terminating: boolean;
}

/** Everything but metadata (and status when it is a subresource): what bumps generation. */
function contentDiffers(a: KubeObject, b: KubeObject, skipStatus: boolean): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === "metadata" || k === "apiVersion" || k === "kind" || (skipStatus && k === "status")) continue;
    if (!semanticEqual((a as Content)[k], (b as Content)[k])) return true;
  }
  return false;
}

function setGeneration(obj: KubeObject, generation: number): void {
  ((obj.metadata ??= {}) as { generation?: number }).generation = generation;
}

/** A selectable field's value as a field selector compares it (strings, integers and booleans printed). */
function selectableValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : String(value);
}

/** Schema errors that keep CEL rules from running (hasBlockingErr): wrong types, missing, too long/many, unsupported. */
const BLOCKING = new Set(["FieldValueNotSupported", "FieldValueRequired", "FieldValueTooLong", "FieldValueTooMany", "FieldValueTypeInvalid"]);

/**
 * The schema's errors, then (when none blocks them) its CEL rules' errors, with `old` for
 * transition rules on updates.
 */
function validateContent(schema: CompiledSchema, obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errs = schema.validate(obj, old);
  if (!schema.hasRules) return errs;
  if (errs.some((e) => BLOCKING.has(e.type))) {
    errs.push(fieldError.invalid("<nil>", "null", "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"));
    return errs;
  }
  errs.push(...schema.validateRules(obj, old));
  return errs;
}

/**
 * apiextensions-apiserver's customResourceStrategy for one served version: ObjectMeta validation
 * (DNS-subdomain names), the openAPIV3Schema (compiled once here), the spec/status split when the
 * status subresource is on, generation 1 on create and +1 on content changes (everything but
 * metadata, and but status with the subresource), selectableFields as field selectors; creates
 * are refused (405) once the CRD is terminating. CEL rules run after the schema; on updates,
 * transition rules see the stored object (remembered from prepareForUpdate, which the API server
 * calls on the draft before validating it), and unchanged values keep their errors (ratcheting).
 */
export function customResourceStrategy(crd: CustomResourceDefinition, version: CustomResourceDefinitionVersion, state: ServingState): ResourceStrategy<KubeObject> {
  const namespaced = crd.spec.scope === "Namespaced";
  const hasStatus = !!version.subresources?.status;
  const schema = compileSchema(version.schema?.openAPIV3Schema);
  const updating = new WeakMap<KubeObject, KubeObject>();
  const fieldSelectors: Record<string, (obj: KubeObject) => string | undefined> = {};
  for (const f of version.selectableFields ?? []) {
    const steps = parseSimpleJsonPath(f.jsonPath);
    fieldSelectors[f.jsonPath.replace(/^\./, "")] = (obj) => selectableValue(evaluateSimpleJsonPath(obj, steps));
  }
  return {
    defaults: (obj) => schema.applyDefaults(obj),
    prepareForCreate(obj) {
      if (state.terminating) throw methodNotAllowed("create not allowed while custom resource definition is terminating");
      if (hasStatus) delete (obj as Content)["status"];
      setGeneration(obj, 1);
    },
    prepareForUpdate(obj, old) {
      updating.set(obj, old); // for ratcheting and transition rules
      if (hasStatus) {
        if ((old as Content)["status"] === undefined) delete (obj as Content)["status"];
        else (obj as Content)["status"] = (old as Content)["status"];
      }
      setGeneration(obj, (old.metadata?.generation ?? 1) + (contentDiffers(obj, old, hasStatus) ? 1 : 0));
    },
    validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced, nameValidator: nameIsDNSSubdomain }), ...validateContent(schema, obj, updating.get(obj))],
    validateUpdate: (obj, old) => validateObjectMetaUpdate(obj.metadata, old.metadata),
    validateStatusUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateContent(schema, obj, old)],
    fieldSelectors,
  };
}
