import { PROTOBUF_MESSAGES } from "./messages.js";

export type ScalarType = "string" | "int32" | "int64" | "bool" | "double" | "bytes";
/** Types with their own wire shape and JSON form (apimachinery's Time, Quantity, IntOrString, ...). */
export type SpecialType = "Time" | "MicroTime" | "Quantity" | "IntOrString" | "FieldsV1" | "RawExtension";

/** What a single value of a field is: a scalar, a special type, or a message (by table name). */
export type ValueType = { kind: "scalar"; type: ScalarType } | { kind: "special"; type: SpecialType } | { kind: "message"; name: string };

export interface FieldSchema {
  /** The JSON name; `undefined` inlines the message's fields into the parent. */
  json: string | undefined;
  value: ValueType;
  repeated: boolean;
  /** Maps are repeated entries { key = 1, value = 2 }. */
  mapKey?: ScalarType;
  /** Keep the value in JSON even when it is the zero value. */
  keepZero: boolean;
}

export type MessageSchema = ReadonlyMap<number, FieldSchema>;

const SCALARS = new Set<string>(["string", "int32", "int64", "bool", "double", "bytes"]);
const SPECIALS = new Set<string>(["Time", "MicroTime", "Quantity", "IntOrString", "FieldsV1", "RawExtension"]);

function valueType(t: string): ValueType {
  if (SCALARS.has(t)) return { kind: "scalar", type: t as ScalarType };
  if (SPECIALS.has(t)) return { kind: "special", type: t as SpecialType };
  if (!(t in PROTOBUF_MESSAGES)) throw new Error(`protobuf schema: unknown message ${t}`);
  return { kind: "message", name: t };
}

/** Parses one `"jsonName: type"` entry of the table. */
export function parseFieldSpec(spec: string): FieldSchema {
  const colon = spec.indexOf(": ");
  const name = spec.slice(0, colon);
  let type = spec.slice(colon + 2);
  const keepZero = type.endsWith("!");
  if (keepZero) type = type.slice(0, -1);
  const json = name === "..." ? undefined : name;
  const map = /^map<(\w+),(.+)>$/.exec(type);
  if (map) {
    const key = valueType(map[1]!);
    if (key.kind !== "scalar") throw new Error(`protobuf schema: map key ${map[1]} is not a scalar`);
    return { json, value: valueType(map[2]!), repeated: false, mapKey: key.type, keepZero };
  }
  const repeated = type.startsWith("[]");
  return { json, value: valueType(repeated ? type.slice(2) : type), repeated, keepZero };
}

const parsed = new Map<string, MessageSchema>();

/** The schema of a message of the table (parsed once), or undefined when it is not known. */
export function messageSchema(name: string): MessageSchema | undefined {
  let schema = parsed.get(name);
  if (schema) return schema;
  const entries = PROTOBUF_MESSAGES[name];
  if (!entries) return undefined;
  const fields = new Map<number, FieldSchema>();
  for (const [number, spec] of Object.entries(entries)) fields.set(Number(number), parseFieldSpec(spec));
  schema = fields;
  parsed.set(name, schema);
  return schema;
}
