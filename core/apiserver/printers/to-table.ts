import type { CustomResourceColumnDefinition } from "kubernetes-types/apiextensions/v1.js";
import type { ListMeta } from "kubernetes-types/meta/v1.js";
import type { KubeList, KubeObject } from "../../api/object.js";
import { BUILT_IN_PRINTERS } from "./built-in-printers.js";
import { customResourcePrinter } from "./custom-resource-printer.js";
import { defaultTablePrinter } from "./default-table-printer.js";
import { toPartialObjectMetadata } from "./partial-object-metadata.js";
import type { TablePrinter } from "./printer.js";
import type { Table, TableRow } from "./table.js";

/** The `includeObject` query parameter of Table requests (default `Metadata`). */
export type IncludeObject = "None" | "Metadata" | "Object";

export interface TableOptions {
  kind: string;
  /** API group of the kind; "" for the core group. */
  group: string;
  /** The cluster's current time in ms (ages are computed against it). */
  now: number;
  includeObject?: IncludeObject;
  /** Include priority > 0 columns (default true: the server always does; kubectl hides them without `-o wide`). */
  wide?: boolean;
  /** `?noHeaders=true` (watch events after the first): omit column definitions. */
  noHeaders?: boolean;
  /** For custom resources: the served version's additionalPrinterColumns ([] → the default Age column). */
  printerColumns?: readonly CustomResourceColumnDefinition[];
}

const customPrinters = new WeakMap<readonly CustomResourceColumnDefinition[], TablePrinter>();

/** The printer used for a kind: its built-in printer, the CRD's printer columns, or the default convertor. */
export function printerFor(options: Pick<TableOptions, "kind" | "group" | "printerColumns">): TablePrinter {
  if (options.printerColumns) {
    let p = customPrinters.get(options.printerColumns);
    if (!p) customPrinters.set(options.printerColumns, (p = customResourcePrinter(options.printerColumns)));
    return p;
  }
  return BUILT_IN_PRINTERS.get(`${options.group}/${options.kind}`) ?? defaultTablePrinter;
}

function isList(input: KubeObject | KubeList): input is KubeList {
  return Array.isArray((input as KubeList).items);
}

/**
 * Converts a list, an array of objects or one object into the `meta.k8s.io/v1` Table kube-apiserver
 * returns for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (one row per object; a watch
 * event carries a single-row table). Objects are not copied: with `includeObject=Object` rows
 * reference them.
 */
export function toTable(input: KubeObject | KubeList | readonly KubeObject[], options: TableOptions): Table {
  const printer = printerFor(options);
  const wide = options.wide ?? true;
  const include = options.includeObject ?? "Metadata";
  let items: readonly KubeObject[];
  let metadata: ListMeta;
  if (Array.isArray(input)) {
    items = input;
    metadata = {};
  } else if (isList(input as KubeObject | KubeList)) {
    const list = input as KubeList;
    items = list.items;
    const m: { resourceVersion?: string; continue?: string; remainingItemCount?: number } = {};
    if (list.metadata?.resourceVersion !== undefined) m.resourceVersion = list.metadata.resourceVersion;
    if (list.metadata?.continue) m.continue = list.metadata.continue;
    if (list.metadata?.remainingItemCount !== undefined) m.remainingItemCount = list.metadata.remainingItemCount;
    metadata = m;
  } else {
    const obj = input as KubeObject;
    items = [obj];
    metadata = obj.metadata?.resourceVersion !== undefined ? { resourceVersion: obj.metadata.resourceVersion } : {};
  }
  const keep = wide ? undefined : printer.columns.map((c) => c.priority === 0);
  const ctx = { now: options.now };
  const rows = items.map((obj): TableRow => {
    const printed = printer.row(obj, ctx);
    const row: TableRow = { cells: keep ? printed.cells.filter((_, i) => keep[i]) : printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    if (include === "Object") row.object = obj;
    else if (include === "Metadata") row.object = toPartialObjectMetadata(obj);
    return row;
  });
  const columnDefinitions = options.noHeaders ? [] : keep ? printer.columns.filter((_, i) => keep[i]) : [...printer.columns];
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata, columnDefinitions, rows };
}
