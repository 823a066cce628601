/**
 * Development-time generator: reads kubernetes-types' .d.ts files (with their doc comments) using
 * the TypeScript compiler API and writes core/apiserver/openapi/schemas.json — every API type as an
 * OpenAPI schema named as kube-apiserver names it (`io.k8s.api.core.v1.Pod`), with descriptions,
 * required fields, `x-kubernetes-group-version-kind` and the list/patch extensions of
 * list-semantics.ts. References are stored as bare definition names (`{"$ref": "io.k8s..."}`);
 * the document builders turn them into `#/definitions/...` or `#/components/schemas/...`.
 *
 * Run: `node --import tsx core/apiserver/openapi/generate-schemas.ts` (npm script `gen:openapi`).
 */
import ts from "typescript";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LIST_SEMANTICS } from "./list-semantics.js";
import { OMITTED_FIELDS } from "./omitted-fields.js";
import type { SchemaObject } from "./schema-object.js";

const here = dirname(fileURLToPath(import.meta.url));
const typesRoot = resolve(here, "../../../node_modules/kubernetes-types");
const outFile = join(here, "schemas.json");

const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** `core/v1` → `io.k8s.api.core.v1`, `meta/v1` → apimachinery, ... (module path without .d.ts). */
function packageOf(modulePath: string): string {
  if (modulePath === "meta/v1") return "io.k8s.apimachinery.pkg.apis.meta.v1";
  if (modulePath === "api/resource") return "io.k8s.apimachinery.pkg.api.resource";
  if (modulePath === "runtime") return "io.k8s.apimachinery.pkg.runtime";
  if (modulePath === "version") return "io.k8s.apimachinery.pkg.version";
  if (modulePath === "apiextensions/v1") return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";
  return `io.k8s.api.${modulePath.replace("/", ".")}`;
}

/** Schemas of the aliases whose TypeScript type (`string`) says less than Kubernetes' OpenAPI does. */
const ALIAS_SCHEMAS: Record<string, Partial<SchemaObject>> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.Time": { type: "string", format: "date-time" },
  "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": { type: "string", format: "date-time" },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": { type: "string" },
  "io.k8s.apimachinery.pkg.runtime.RawExtension": { type: "object" },
  "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": { type: "object" },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": {},
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray": {},
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool": {},
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray": {},
};

function listModules(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) listModules(path, out);
    else if (entry.endsWith(".d.ts")) out.push(relative(typesRoot, path).replace(/\.d\.ts$/, ""));
  }
  return out.sort();
}

function docOf(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join("\n").trim();
  return text || undefined;
}

interface ModuleContext {
  pkg: string;
  /** Imported name → the definition-name prefix of the module it comes from. */
  imports: Map<string, string>;
}

function literalOf(type: ts.TypeNode | undefined): string | undefined {
  if (type && ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) return type.literal.text;
  return undefined;
}

function schemaOfType(type: ts.TypeNode, ctx: ModuleContext): SchemaObject {
  switch (type.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: "string" };
    case ts.SyntaxKind.NumberKeyword:
      return { type: "integer" };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: "boolean" };
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
      return {};
  }
  if (ts.isLiteralTypeNode(type)) return { type: "string" };
  if (ts.isArrayTypeNode(type)) return { type: "array", items: schemaOfType(type.elementType, ctx) };
  if (ts.isUnionTypeNode(type)) {
    const kinds = new Set(type.types.map((t) => t.kind));
    if (kinds.has(ts.SyntaxKind.NumberKeyword) && kinds.has(ts.SyntaxKind.StringKeyword)) return { $ref: INT_OR_STRING };
    return schemaOfType(type.types[0]!, ctx);
  }
  if (ts.isTypeLiteralNode(type)) {
    const index = type.members.find(ts.isIndexSignatureDeclaration);
    return index ? { type: "object", additionalProperties: schemaOfType(index.type, ctx) } : { type: "object" };
  }
  if (ts.isTypeReferenceNode(type)) {
    const name = type.typeName.getText();
    if (name === "Array" && type.typeArguments?.[0]) return { type: "array", items: schemaOfType(type.typeArguments[0], ctx) };
    const pkg = ctx.imports.get(name) ?? ctx.pkg;
    return { $ref: `${pkg}.${name}` };
  }
  throw new Error(`unsupported type node ${ts.SyntaxKind[type.kind]}: ${type.getText()}`);
}

function schemaOfInterface(decl: ts.InterfaceDeclaration, ctx: ModuleContext): SchemaObject {
  const name = `${ctx.pkg}.${decl.name.text}`;
  const properties: Record<string, SchemaObject> = {};
  const required: string[] = [];
  let apiVersion: string | undefined;
  let kind: string | undefined;
  for (const member of decl.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const field = member.name.getText().replace(/^"|"$/g, "");
    if (field === "apiVersion") apiVersion = literalOf(member.type);
    if (field === "kind") kind = literalOf(member.type);
    const schema: SchemaObject = { ...schemaOfType(member.type, ctx) };
    const description = docOf(member);
    if (description) schema.description = description;
    const semantics = LIST_SEMANTICS[`${name}.${field}`];
    if (semantics?.listMapKeys) schema["x-kubernetes-list-map-keys"] = semantics.listMapKeys;
    if (semantics?.listType) schema["x-kubernetes-list-type"] = semantics.listType;
    if (semantics?.patchMergeKey) schema["x-kubernetes-patch-merge-key"] = semantics.patchMergeKey;
    if (semantics?.patchStrategy) schema["x-kubernetes-patch-strategy"] = semantics.patchStrategy;
    properties[field] = schema;
    if (!member.questionToken) required.push(field);
  }
  for (const [field, schema] of Object.entries(OMITTED_FIELDS[name] ?? {})) properties[field] = schema;
  const schema: SchemaObject = {};
  const description = docOf(decl);
  if (description) schema.description = description;
  schema.type = "object";
  if (Object.keys(properties).length) schema.properties = properties;
  if (required.length) schema.required = required.sort();
  if (apiVersion && kind) {
    const slash = apiVersion.indexOf("/");
    schema["x-kubernetes-group-version-kind"] = [
      slash < 0 ? { group: "", kind, version: apiVersion } : { group: apiVersion.slice(0, slash), kind, version: apiVersion.slice(slash + 1) },
    ];
  }
  return schema;
}

function generate(): Record<string, SchemaObject> {
  const definitions: Record<string, SchemaObject> = {
    [INT_OR_STRING]: {
      description: "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
      type: "string",
      format: "int-or-string",
    },
  };
  for (const modulePath of listModules(typesRoot)) {
    const fileName = join(typesRoot, `${modulePath}.d.ts`);
    const source = ts.createSourceFile(fileName, readFileSync(fileName, "utf8"), ts.ScriptTarget.Latest, true);
    const ctx: ModuleContext = { pkg: packageOf(modulePath), imports: new Map() };
    for (const stmt of source.statements) {
      if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
        const target = relative(typesRoot, resolve(dirname(fileName), stmt.moduleSpecifier.text));
        const bindings = stmt.importClause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) ctx.imports.set(el.name.text, packageOf(target));
      } else if (ts.isInterfaceDeclaration(stmt)) {
        definitions[`${ctx.pkg}.${stmt.name.text}`] = schemaOfInterface(stmt, ctx);
      } else if (ts.isTypeAliasDeclaration(stmt)) {
        const name = `${ctx.pkg}.${stmt.name.text}`;
        const description = docOf(stmt);
        definitions[name] = { ...(description ? { description } : {}), ...(ALIAS_SCHEMAS[name] ?? schemaOfType(stmt.type, ctx)) };
      }
    }
    // Interfaces with no members that Kubernetes gives a specific shape (RawExtension, FieldsV1, JSON).
    for (const [name, schema] of Object.entries(ALIAS_SCHEMAS)) {
      const existing = definitions[name];
      if (existing && !existing.properties) definitions[name] = { ...(existing.description ? { description: existing.description } : {}), ...schema };
    }
  }
  return Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const definitions = generate();
writeFileSync(outFile, JSON.stringify(definitions) + "\n");
console.log(`wrote ${Object.keys(definitions).length} definitions to ${relative(process.cwd(), outFile)}`);
