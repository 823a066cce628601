import type { KubeList, KubeObject } from "../../api/object.js";
import type { PartialObjectMetadata, PartialObjectMetadataList } from "./table.js";

/** `as=PartialObjectMetadata;g=meta.k8s.io;v=v1`: the object's metadata alone. */
export function toPartialObjectMetadata(obj: KubeObject): PartialObjectMetadata {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata ?? {} };
}

/** `as=PartialObjectMetadataList`: the list's metadata and each item's metadata. */
export function toPartialObjectMetadataList(list: KubeList): PartialObjectMetadataList {
  return { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: list.metadata, items: list.items.map(toPartialObjectMetadata) };
}
