/**
 * Development-time generator of core/api/patch/zero-shapes.json (read by zero-shape.ts; its input
 * go-zero-fields.json is written by go-zero-fields/main.go from k8s.io/api's sources): for every
 * struct type of the built-in kinds, the fields its Go zero value has after conversion to JSON
 * (from go-zero-fields.json, transcribed from k8s.io/api's types.go at Kubernetes 1.32: non-pointer
 * structs, fields without `omitempty`) and the non-pointer scalars `omitempty` drops at their zero, the types of its struct-typed fields and which fields are maps (from the
 * OpenAPI schemas in core/apiserver/openapi/schemas.json), and each kind's definition by
 * `apiVersion/kind`.
 *
 * Run: `node --import tsx core/api/patch/generate-zero-shapes.ts` (npm script `gen:zero-shapes`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

interface Property {
  $ref?: string;
  type?: string;
  items?: Property;
  additionalProperties?: Property | boolean;
}
export interface Definition {
  properties?: Record<string, Property>;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
}
export type GoZero = { struct: string } | { null: true } | { value: string | number | boolean } | { omit: string | number | boolean };

/** zero-shapes.json's content. */
export interface ZeroShapesTable {
  kinds: Record<string, string>;
  types: Record<string, { z?: Record<string, true | null | string | number | boolean>; o?: Record<string, string | number | boolean>; t?: Record<string, string>; e?: Record<string, string>; m?: string[] }>;
}

/** The table for the built-in kinds `schemas` defines, with the zero fields of `goZero`. */
export function buildZeroShapes(schemas: Record<string, Definition>, goZero: Record<string, Record<string, GoZero>>): ZeroShapesTable {
  /** The struct definition `ref` names, if it is one (with properties: not Time, Quantity, IntOrString). */
  const structOf = (ref: string | undefined): string | undefined => (ref && schemas[ref]?.properties ? ref : undefined);
  const types: ZeroShapesTable["types"] = {};
  const kinds: Record<string, string> = {};
  const pending: string[] = [];
  for (const [name, def] of Object.entries(schemas)) {
    for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
      // Kinds k8s.io/api's table does not cover (other versions) are compared as plain JSON.
      if (name.endsWith("List") || !def.properties?.["metadata"] || !goZero[name]) continue;
      kinds[`${gvk.group ? `${gvk.group}/` : ""}${gvk.version}/${gvk.kind}`] = name;
      pending.push(name);
    }
  }
  while (pending.length) {
    const name = pending.pop()!;
    if (types[name]) continue;
    const entry: (typeof types)[string] = {};
    types[name] = entry;
    for (const [field, p] of Object.entries(schemas[name]?.properties ?? {})) {
      const struct = structOf(p.$ref ?? p.items?.$ref);
      if (struct) {
        (entry.t ??= {})[field] = struct;
        pending.push(struct);
      }
      const value = structOf(typeof p.additionalProperties === "object" ? p.additionalProperties.$ref : undefined);
      if (value) {
        (entry.e ??= {})[field] = value;
        pending.push(value);
      }
      if (p.type === "object" && p.additionalProperties) (entry.m ??= []).push(field);
    }
    for (const [field, z] of Object.entries(goZero[name] ?? {})) {
      if ("omit" in z) (entry.o ??= {})[field] = z.omit;
      else (entry.z ??= {})[field] = "struct" in z ? true : "null" in z ? null : z.value;
    }
  }
  // Every struct type is kept, those with nothing to say too: a type the table lacks is compared as plain JSON.
  const sorted = Object.fromEntries(Object.entries(types).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { kinds: Object.fromEntries(Object.entries(kinds).sort()), types: sorted };
}

/** The inputs as the repository has them. */
export function readZeroShapeInputs(): [Record<string, Definition>, Record<string, Record<string, GoZero>>] {
  return [JSON.parse(readFileSync(join(here, "../../apiserver/openapi/schemas.json"), "utf8")), JSON.parse(readFileSync(join(here, "go-zero-fields.json"), "utf8"))];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const table = buildZeroShapes(...readZeroShapeInputs());
  writeFileSync(join(here, "zero-shapes.json"), `${JSON.stringify(table)}\n`);
  console.log(`zero-shapes.json: ${Object.keys(table.kinds).length} kinds, ${Object.keys(table.types).length} types`);
}
