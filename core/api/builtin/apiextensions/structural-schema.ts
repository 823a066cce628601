import type { JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { fieldError, type FieldError } from "../../status.js";

type Level = "root" | "item" | "field";
type Schema = JSONSchemaProps & Record<string, unknown>;

const ext = (s: Schema, name: string): unknown => s[`x-kubernetes-${name}`];

/** `anyOf: [{type: integer}, {type: string}]`: the one place value validations may name types (int-or-string). */
function isIntOrStringAnyOf(anyOf: readonly JSONSchemaProps[] | undefined): boolean {
  if (anyOf?.length !== 2) return false;
  const only = (s: JSONSchemaProps, type: string): boolean => s.type === type && Object.keys(s).length === 1;
  return only(anyOf[0]!, "integer") && only(anyOf[1]!, "string");
}

/** Schema-level checks of the CRD validator (independent of structurality): $ref, uniqueItems, properties with additionalProperties, patterns. */
function validateProps(s: Schema, path: string, out: FieldError[]): void {
  if (s.$ref !== undefined) out.push(fieldError.forbidden(`${path}.$ref`, "$ref is not supported"));
  if (s.uniqueItems) out.push(fieldError.forbidden(`${path}.uniqueItems`, "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    out.push(fieldError.forbidden(`${path}.additionalProperties`, "additionalProperties and properties are mutual exclusive"));
  }
  if (s.pattern) {
    try {
      new RegExp(s.pattern, "u");
    } catch (err) {
      try {
        new RegExp(s.pattern);
      } catch {
        out.push(fieldError.invalid(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${(err as Error).message}`));
      }
    }
  }
}

/** A schema under allOf/anyOf/oneOf/not: may only constrain values, never declare structure. */
function nestedValueValidation(s: Schema, skipAnyOf: boolean, path: string, out: FieldError[]): void {
  valueValidation(s, skipAnyOf, false, path, out);
  if (s.items && !Array.isArray(s.items)) nestedValueValidation(s.items as Schema, false, `${path}.items`, out);
  for (const [k, p] of Object.entries(s.properties ?? {})) nestedValueValidation(p as Schema, false, `${path}.properties[${k}]`, out);
  if (s.type) out.push(fieldError.forbidden(`${path}.type`, "must be empty to be structural"));
  if (s.additionalProperties !== undefined) out.push(fieldError.forbidden(`${path}.additionalProperties`, "must be undefined to be structural"));
  if (s.default !== undefined) out.push(fieldError.forbidden(`${path}.default`, "must be undefined to be structural"));
  if (s.title) out.push(fieldError.forbidden(`${path}.title`, "must be empty to be structural"));
  if (s.description) out.push(fieldError.forbidden(`${path}.description`, "must be empty to be structural"));
  if (s.nullable) out.push(fieldError.forbidden(`${path}.nullable`, "must be false to be structural"));
  if (ext(s, "preserve-unknown-fields")) out.push(fieldError.forbidden(`${path}.x-kubernetes-preserve-unknown-fields`, "must be false to be structural"));
  if (ext(s, "embedded-resource")) out.push(fieldError.forbidden(`${path}.x-kubernetes-embedded-resource`, "must be false to be structural"));
  if (ext(s, "int-or-string")) out.push(fieldError.forbidden(`${path}.x-kubernetes-int-or-string`, "must be false to be structural"));
  if ((ext(s, "list-map-keys") as unknown[] | undefined)?.length) out.push(fieldError.forbidden(`${path}.x-kubernetes-list-map-keys`, "must be empty to be structural"));
  if (ext(s, "list-type") !== undefined) out.push(fieldError.forbidden(`${path}.x-kubernetes-list-type`, "must be undefined to be structural"));
  if (s.properties && Object.hasOwn(s.properties, "metadata")) out.push(fieldError.forbidden(`${path}.properties[metadata]`, "must not be specified in a nested context"));
}

function valueValidation(s: Schema, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, path: string, out: FieldError[]): void {
  if (!skipAnyOf) (s.anyOf ?? []).forEach((v, i) => nestedValueValidation(v as Schema, false, `${path}.anyOf[${i}]`, out));
  (s.allOf ?? []).forEach((v, i) => nestedValueValidation(v as Schema, skipFirstAllOfAnyOf && i === 0, `${path}.allOf[${i}]`, out));
  (s.oneOf ?? []).forEach((v, i) => nestedValueValidation(v as Schema, false, `${path}.oneOf[${i}]`, out));
  if (s.not) nestedValueValidation(s.not as Schema, false, `${path}.not`, out);
}

/** validateStructuralInvariants of apiextensions-apiserver's structural schema package. */
function invariants(s: Schema, level: Level, path: string, out: FieldError[]): void {
  validateProps(s, path, out);
  if (s.type === "array" && !s.items) out.push(fieldError.required(`${path}.items`, "must be specified"));
  if (s.items && !Array.isArray(s.items)) invariants(s.items as Schema, "item", `${path}.items`, out);
  for (const [k, p] of Object.entries(s.properties ?? {})) invariants(p as Schema, "field", `${path}.properties[${k}]`, out);
  if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    if (level === "root") out.push(fieldError.forbidden(`${path}.additionalProperties`, "must not be used at the root"));
    if (typeof s.additionalProperties === "object") invariants(s.additionalProperties as Schema, "field", `${path}.additionalProperties`, out);
  }
  const intOrString = ext(s, "int-or-string") === true;
  const preserve = ext(s, "preserve-unknown-fields") === true;
  const embedded = ext(s, "embedded-resource") === true;
  if (intOrString && preserve) out.push(fieldError.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, "must be false if x-kubernetes-int-or-string is true"));
  if (intOrString && embedded) out.push(fieldError.invalid(`${path}.x-kubernetes-embedded-resource`, true, "must be false if x-kubernetes-int-or-string is true"));
  const allOfFirstIsIntOrString = !!s.allOf?.length && isIntOrStringAnyOf(s.allOf[0]!.anyOf);
  valueValidation(s, isIntOrStringAnyOf(s.anyOf), allOfFirstIsIntOrString, path, out);
  if (embedded && s.type !== "object") {
    if (!s.type) out.push(fieldError.required(`${path}.type`, "must be object if x-kubernetes-embedded-resource is true"));
    else out.push(fieldError.invalid(`${path}.type`, s.type, "must be object if x-kubernetes-embedded-resource is true"));
  } else if (!s.type && !intOrString && !preserve) {
    const detail = level === "root" ? "must not be empty at the root" : level === "item" ? "must not be empty for specified array items" : "must not be empty for specified object fields";
    out.push(fieldError.required(`${path}.type`, detail));
  }
  if (embedded && s.additionalProperties !== undefined) out.push(fieldError.forbidden(`${path}.additionalProperties`, "must not be used if x-kubernetes-embedded-resource is set"));
  if (level === "root" && s.type && s.type !== "object") out.push(fieldError.invalid(`${path}.type`, s.type, "must be object at the root"));
  const checkMetadata = level === "root" || embedded;
  const props = s.properties ?? {};
  if (checkMetadata && props["kind"] && props["kind"].type !== "string") out.push(fieldError.invalid(`${path}.properties[kind].type`, props["kind"].type ?? "", "must be string"));
  if (checkMetadata && props["apiVersion"] && props["apiVersion"].type !== "string") out.push(fieldError.invalid(`${path}.properties[apiVersion].type`, props["apiVersion"].type ?? "", "must be string"));
  if (checkMetadata && props["metadata"] && props["metadata"].type !== "object") out.push(fieldError.invalid(`${path}.properties[metadata].type`, props["metadata"].type ?? "", "must be object"));
  if (level === "root" && props["metadata"]) {
    const { type: _t, default: _d, properties, ...rest } = props["metadata"] as Schema;
    const names = Object.keys(properties ?? {});
    const onlyNames = names.every((n) => n === "name" || n === "generateName");
    if (!onlyNames || Object.keys(rest).length) out.push(fieldError.forbidden(`${path}.properties[metadata]`, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
  }
  if (embedded && !preserve && !Object.keys(props).length) out.push(fieldError.required(`${path}.properties`, "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"));
}

/**
 * The structural-schema errors of a CRD version's openAPIV3Schema at `path`
 * (`spec.versions[0].schema.openAPIV3Schema`), sorted by their text as upstream sorts them.
 * A v1 CRD with any of them is refused.
 */
export function validateStructuralSchema(schema: JSONSchemaProps, path: string): FieldError[] {
  const out: FieldError[] = [];
  invariants(schema as Schema, "root", path, out);
  const text = (e: FieldError): string => `${e.field}: ${e.detail}`;
  return out.sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}
