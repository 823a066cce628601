import type { KubeObject } from "../../api/object.js";
import { fieldDescription } from "../openapi/schema-definitions.js";
import { timestampSince } from "./human-duration.js";
import type { TableColumnDefinition, TableRowCondition } from "./table.js";

/** What a row printer may consult: the cluster's `now` (ms; a cluster may run on a virtual clock). */
export interface PrintContext {
  now: number;
}

/** One printed row: every column's cell, in column order (wide columns included). */
export interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/**
 * The table printer of one kind, as registered by kube-apiserver's printers: its column
 * definitions and a function turning one object into a row. Rows always carry all columns, as the
 * server prints with `Wide: true`; kubectl hides priority > 0 columns unless `-o wide`.
 */
export interface TablePrinter {
  readonly columns: readonly TableColumnDefinition[];
  row(obj: KubeObject, ctx: PrintContext): PrintedRow;
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** A column definition; `description` may be `"<definition>#<field>"` to take the field's doc (SwaggerDoc). */
export function column(name: string, type: string, description: string, options: { priority?: number; format?: string } = {}): TableColumnDefinition {
  const hash = description.indexOf("#");
  const text = description.startsWith("io.k8s.") && hash > 0 ? fieldDescription(description.slice(0, hash), description.slice(hash + 1)) : description;
  return { name, type, format: options.format ?? "", description: text, priority: options.priority ?? 0 };
}

/** The `Name` column every printer starts with. */
export const nameColumn = (): TableColumnDefinition => column("Name", "string", `${META}#name`, { format: "name" });
/** The `Age` column. */
export const ageColumn = (): TableColumnDefinition => column("Age", "string", `${META}#creationTimestamp`);
/** The wide `Containers` / `Images` columns of workload printers. */
export const containerColumns = (): TableColumnDefinition[] => [
  column("Containers", "string", "Names of each container in the template.", { priority: 1 }),
  column("Images", "string", "Images referenced by each container in the template.", { priority: 1 }),
];

/** The Name cell. */
export const objectName = (obj: KubeObject): string => obj.metadata?.name ?? "";
/** The Age cell: the object's age at the print context's `now`. */
export const objectAge = (obj: KubeObject, ctx: PrintContext): string => timestampSince(obj.metadata?.creationTimestamp, ctx.now);
