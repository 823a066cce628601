export { buildOpenApiV3Document, buildOpenApiV3Index, openApiV3PathKey, parseOpenApiV3PathKey, type OpenApiV3Document, type OpenApiV3Index } from "./openapi-v3.js";
export { buildOpenApiV2, type SwaggerDocument } from "./openapi-v2.js";
export { OpenApiDocuments } from "./openapi-documents.js";
export { negotiateOpenApiV2, OPENAPI_V2_PROTOBUF, type OpenApiV2Format } from "./negotiate-openapi-v2.js";
export { findFieldIssues, fieldIssueText, strictDecodingError, type FieldIssue } from "./field-validation.js";
export { servedDefinitionName } from "./served-definitions.js";
export { definitionNameOf, fieldDescription, SCHEMA_DEFINITIONS } from "./schema-definitions.js";
export type { SchemaObject } from "./schema-object.js";
export { decodeTyped, findTypeMismatch, typeMismatchError, type TypedDecoding, type TypeMismatch } from "./type-check.js";
