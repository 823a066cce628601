import { badRequest, unsupportedMediaType } from "../../../api/status.js";
import { MessageDecoder } from "./message-decoder.js";
import { messageSchema } from "./message-schema.js";
import { WireReader, WireType } from "./wire-reader.js";

/** The media type of Kubernetes protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

/** Every Kubernetes protobuf body starts with these 4 bytes: `k8s\0`. */
const MAGIC = [0x6b, 0x38, 0x73, 0x00] as const;

export interface DecodedProtobufObject {
  /** The object as the JSON kube-apiserver would have received, `apiVersion` and `kind` first. */
  object: Record<string, unknown>;
  /** One line per protobuf field kubesim did not know and dropped. */
  warnings: string[];
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

/**
 * Decodes a Kubernetes protobuf body (the `k8s\0` magic, then a runtime.Unknown whose typeMeta
 * names the object and whose `raw` is the object's own message) into its JSON object. Malformed
 * bodies get 400; kinds outside the schema table get 415 naming the kind.
 */
export function decodeProtobufObject(body: Uint8Array): DecodedProtobufObject {
  const envelope = readEnvelope(body);
  const { apiVersion, kind } = envelope;
  if (envelope.contentEncoding) throw unsupportedMediaType(`the body of the request was in an unknown format - kubesim does not decode protobuf bodies with content encoding "${envelope.contentEncoding}"`);
  const message = rootMessageOf(apiVersion, kind);
  if (!message) {
    throw unsupportedMediaType(
      `the body of the request was in an unknown format - kubesim decodes protobuf bodies only for the kinds kubectl's typed generators send, and ${kind || "an object without a kind"} (${apiVersion || "no apiVersion"}) is not one of them: send it as application/json or application/yaml`,
    );
  }
  const decoder = new MessageDecoder();
  const fields = decoder.decode(message, envelope.raw);
  return { object: { apiVersion, kind, ...fields }, warnings: decoder.warnings };
}

function readEnvelope(body: Uint8Array): Envelope {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw badRequest("the object provided is unrecognized: protobuf: the body does not start with the Kubernetes protobuf prefix k8s\\x00");
  }
  const envelope: Envelope = { apiVersion: "", kind: "", raw: new Uint8Array(0), contentEncoding: "" };
  const r = new WireReader(body, MAGIC.length);
  while (!r.done) {
    const { field, wireType } = r.tag();
    if (wireType !== WireType.LENGTH_DELIMITED) {
      r.skip(wireType);
      continue;
    }
    const bytes = r.bytes();
    if (field === 1) readTypeMeta(bytes, envelope);
    else if (field === 2) envelope.raw = bytes;
    else if (field === 3) envelope.contentEncoding = Buffer.from(bytes).toString("utf8");
    // field 4, contentType, is empty or protobuf itself for API objects
  }
  return envelope;
}

function readTypeMeta(bytes: Uint8Array, into: Envelope): void {
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wireType } = r.tag();
    if (field === 1 && wireType === WireType.LENGTH_DELIMITED) into.apiVersion = r.string();
    else if (field === 2 && wireType === WireType.LENGTH_DELIMITED) into.kind = r.string();
    else r.skip(wireType);
  }
}

/**
 * The table message of a top-level kind: `<first label of the group>/<version>.<Kind>`
 * (`rbac.authorization.k8s.io/v1` Role → `rbac/v1.Role`; core is `core/v1`), or the meta.k8s.io
 * options kinds every group version carries (DeleteOptions, CreateOptions, ...). Only messages with
 * `metadata` (API objects) or meta/v1 options qualify, not nested types such as PodSpec.
 */
function rootMessageOf(apiVersion: string, kind: string): string | undefined {
  if (!/^[A-Z]\w*$/.test(kind)) return undefined;
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "core" : apiVersion.slice(0, slash).split(".")[0]!;
  const version = apiVersion.slice(slash + 1);
  const own = `${group}/${version}.${kind}`;
  const schema = messageSchema(own);
  if (schema) return schema.get(1)?.json === "metadata" ? own : undefined;
  const meta = `meta/v1.${kind}`;
  return kind.endsWith("Options") && messageSchema(meta) ? meta : undefined;
}
