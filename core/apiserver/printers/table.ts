import type { ListMeta, ObjectMeta } from "kubernetes-types/meta/v1.js";

/** `meta.k8s.io/v1` TableColumnDefinition: every field is always present on the wire. */
export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type: string, integer, number, boolean, date. */
  type: string;
  /** OpenAPI format hint: `name` marks the column holding the object's name. */
  format: string;
  description: string;
  /** 0 = always shown; higher = shown only in wider output (`kubectl get -o wide`). */
  priority: number;
}

export interface TableRowCondition {
  type: "Completed";
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** The object, its PartialObjectMetadata, or absent, per `includeObject`. */
  object?: unknown;
}

/** `meta.k8s.io/v1` Table, what kube-apiserver answers to `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. */
export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** `meta.k8s.io/v1` PartialObjectMetadata (`as=PartialObjectMetadata`). */
export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: "meta.k8s.io/v1";
  metadata: ObjectMeta;
}

export interface PartialObjectMetadataList {
  kind: "PartialObjectMetadataList";
  apiVersion: "meta.k8s.io/v1";
  metadata: ListMeta;
  items: PartialObjectMetadata[];
}
