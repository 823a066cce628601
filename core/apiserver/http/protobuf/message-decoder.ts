import { badRequest } from "../../../api/status.js";
import { messageSchema, type FieldSchema, type ScalarType, type SpecialType, type ValueType } from "./message-schema.js";
import { WireReader, WireType } from "./wire-reader.js";
import { jsonTextTooDeep, MAX_NESTING_DEPTH } from "../../../api/nesting-depth.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Decodes protobuf messages of the schema table into the JSON objects Go's encoding/json would
 * produce for the same Go value: absent fields and zero values of omitempty scalars are left out,
 * nested messages on the wire are kept (even empty, as Go keeps non-pointer structs), `[]byte`
 * becomes base64, Time RFC 3339, Quantity its string, IntOrString a number or string. Fields the
 * table does not know are skipped and reported in `warnings` (never dropped silently).
 */
export class MessageDecoder {
  readonly warnings: string[] = [];

  decode(message: string, bytes: Uint8Array, path = ""): JsonObject {
    const out: JsonObject = {};
    this.decodeInto(out, message, new WireReader(bytes), path);
    return out;
  }

  private decodeInto(out: JsonObject, message: string, r: WireReader, path: string): void {
    const schema = messageSchema(message);
    if (!schema) throw new Error(`protobuf: message ${message} is not in the schema table`);
    while (!r.done) {
      const { field, wireType } = r.tag();
      const f = schema.get(field);
      if (!f) {
        r.skip(wireType);
        this.warnings.push(`unknown protobuf field ${field} of ${message}${path ? ` at "${path}"` : ""} was dropped (kubesim does not know it)`);
        continue;
      }
      if (f.json === undefined) {
        if (f.value.kind !== "message" || wireType !== WireType.LENGTH_DELIMITED) throw mismatch(message, field);
        const sub = r.bytes();
        this.decodeInto(out, f.value.name, new WireReader(sub), path);
        continue;
      }
      const childPath = path ? `${path}.${f.json}` : f.json;
      if (f.mapKey) {
        if (wireType !== WireType.LENGTH_DELIMITED) throw mismatch(message, field);
        const map = (out[f.json] ??= {}) as JsonObject;
        const [key, value] = this.mapEntry(f, r.bytes(), childPath, message, field);
        setOwn(map, key, value);
        continue;
      }
      if (f.repeated) {
        const list = (out[f.json] ??= []) as Json[];
        if (f.value.kind === "scalar" && wireType === WireType.LENGTH_DELIMITED && isPackable(f.value.type)) {
          const packed = new WireReader(r.bytes());
          while (!packed.done) list.push(this.scalar(packed, f.value.type));
        } else list.push(this.value(f.value, r, wireType, `${childPath}[${list.length}]`, message, field) ?? null);
        continue;
      }
      const value = this.value(f.value, r, wireType, childPath, message, field);
      if (value === undefined || (!f.keepZero && f.value.kind === "scalar" && isZero(value))) {
        delete out[f.json];
        continue;
      }
      out[f.json] = value;
    }
  }

  private mapEntry(f: FieldSchema, bytes: Uint8Array, path: string, message: string, field: number): [string, Json] {
    const r = new WireReader(bytes);
    let key: Json = "";
    let value: Json | undefined;
    while (!r.done) {
      const t = r.tag();
      if (t.field === 1) key = this.scalar(r, f.mapKey!);
      else if (t.field === 2) value = this.value(f.value, r, t.wireType, path, message, field);
      else r.skip(t.wireType);
    }
    return [String(key), value ?? zeroOf(f.value)];
  }

  /** One value of a field; undefined means "leave the field out" (a zero Time). */
  private value(v: ValueType, r: WireReader, wireType: number, path: string, message: string, field: number): Json | undefined {
    const expected = v.kind === "scalar" && isVarint(v.type) ? WireType.VARINT : v.kind === "scalar" && v.type === "double" ? WireType.FIXED64 : WireType.LENGTH_DELIMITED;
    if (wireType !== expected) throw mismatch(message, field);
    if (v.kind === "scalar") return this.scalar(r, v.type);
    const bytes = r.bytes();
    if (v.kind === "message") return this.decode(v.name, bytes, path);
    return special(v.type, bytes, path);
  }

  private scalar(r: WireReader, type: ScalarType): Json {
    switch (type) {
      case "string":
        return r.string();
      case "int32":
        return r.int32();
      case "int64":
        return r.int64();
      case "bool":
        return r.bool();
      case "double":
        return r.double();
      case "bytes":
        return Buffer.from(r.bytes()).toString("base64");
    }
  }
}

function special(type: SpecialType, bytes: Uint8Array, path: string): Json | undefined {
  const r = new WireReader(bytes);
  const fields = new Map<number, Uint8Array>();
  const ints = new Map<number, number>();
  while (!r.done) {
    const t = r.tag();
    if (t.wireType === WireType.VARINT) ints.set(t.field, r.int64());
    else if (t.wireType === WireType.LENGTH_DELIMITED) fields.set(t.field, r.bytes());
    else r.skip(t.wireType);
  }
  const text = (n: number): string => {
    const b = fields.get(n);
    return b ? Buffer.from(b).toString("utf8") : "";
  };
  switch (type) {
    case "Time":
    case "MicroTime": {
      const seconds = ints.get(1) ?? 0;
      const nanos = ints.get(2) ?? 0;
      if (seconds === 0 && nanos === 0) return undefined; // Go's zero Time is null: the field is absent
      const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
      return type === "Time" ? `${iso}Z` : `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z`;
    }
    case "Quantity":
      return text(1) || "0";
    case "IntOrString":
      return ints.get(1) === 1 ? text(3) : (ints.get(2) ?? 0) | 0;
    case "FieldsV1":
    case "RawExtension": {
      const raw = text(1);
      if (raw === "") return type === "FieldsV1" ? {} : null;
      if (jsonTextTooDeep(raw)) throw badRequest(`the object provided is unrecognized: protobuf: ${path} holds ${type} JSON nested deeper than ${MAX_NESTING_DEPTH} levels`);
      try {
        return JSON.parse(raw) as Json;
      } catch {
        throw badRequest(`the object provided is unrecognized: protobuf: ${path} holds ${type} bytes that are not JSON`);
      }
    }
  }
}

function isVarint(t: ScalarType): boolean {
  return t === "int32" || t === "int64" || t === "bool";
}

function isPackable(t: ScalarType): boolean {
  return isVarint(t) || t === "double";
}

function isZero(v: Json): boolean {
  return v === "" || v === 0 || v === false;
}

function zeroOf(v: ValueType): Json {
  if (v.kind === "message") return {};
  if (v.kind === "special") return v.type === "IntOrString" ? 0 : v.type === "Quantity" ? "0" : null;
  return v.type === "string" || v.type === "bytes" ? "" : v.type === "bool" ? false : 0;
}

/** Sets a key that came from the wire (a label could be `__proto__`) as an own property. */
function setOwn(o: JsonObject, key: string, value: Json): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

function mismatch(message: string, field: number): Error {
  return badRequest(`the object provided is unrecognized: protobuf: field ${field} of ${message} has the wrong wire type`);
}
