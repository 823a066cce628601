import { notAcceptable } from "../../api/status.js";
import type { IncludeObject } from "../printers/index.js";

/** How a read is rendered: the object(s) as stored, a meta.k8s.io Table, or metadata only. */
export type ResponseFormat =
  | { kind: "object" }
  | { kind: "table"; includeObject: IncludeObject; noHeaders: boolean }
  | { kind: "metadata" };

const OBJECT: ResponseFormat = { kind: "object" };

/**
 * Picks the first acceptable media type of an `Accept` header, as kube-apiserver negotiates:
 * `application/json;as=Table;v=v1;g=meta.k8s.io` (also v1beta1) → Table;
 * `application/json;as=PartialObjectMetadata[List];v=v1;g=meta.k8s.io` → metadata;
 * `application/json`, `*\/*` or none → the object. When only unsupported media types are listed
 * (protobuf, YAML, an unknown `as=`), the answer is 406.
 */
export function negotiateResponseFormat(accept: string | undefined, query: URLSearchParams): ResponseFormat {
  if (!accept) return OBJECT;
  let sawUnsupported = false;
  for (const part of accept.split(",")) {
    const [type, ...params] = part.split(";").map((s) => s.trim());
    if (type !== "application/json" && type !== "*/*" && type !== "application/*") {
      sawUnsupported = true;
      continue;
    }
    let as: string | undefined;
    let g: string | undefined;
    let v: string | undefined;
    for (const p of params) {
      const eq = p.indexOf("=");
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim();
      const value = p.slice(eq + 1).trim();
      if (key === "as") as = value;
      else if (key === "g") g = value;
      else if (key === "v") v = value;
    }
    if (!as) return OBJECT;
    if (g !== "meta.k8s.io" || (v !== "v1" && v !== "v1beta1")) {
      sawUnsupported = true;
      continue;
    }
    if (as === "Table") {
      const include = query.get("includeObject");
      const includeObject: IncludeObject = include === "None" || include === "Object" ? include : "Metadata";
      const noHeaders = query.get("noHeaders") === "true";
      return { kind: "table", includeObject, noHeaders };
    }
    if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return { kind: "metadata" };
    sawUnsupported = true;
  }
  if (sawUnsupported) throw notAcceptable(`only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io`);
  return OBJECT;
}
