import type { CustomResourceColumnDefinition } from "kubernetes-types/apiextensions/v1.js";
import { humanDuration } from "./human-duration.js";
import { column, nameColumn, type TablePrinter } from "./printer.js";
import { evaluateSimpleJsonPath, parseSimpleJsonPath } from "./simple-json-path.js";

const CREATION_TIMESTAMP = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta#creationTimestamp";

/** What a CRD version without `additionalPrinterColumns` is served with: a single `Age` column. */
const DEFAULT_COLUMNS: readonly CustomResourceColumnDefinition[] = [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }];

/** A cell of a non-string column: integer/number/boolean kept as JSON values, dates humanised; wrong types print nothing. */
function typedCell(type: string, value: unknown, now: number): unknown {
  switch (type) {
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date": {
      const t = typeof value === "string" ? Date.parse(value) : NaN;
      return Number.isNaN(t) ? null : humanDuration(now - t);
    }
    default:
      return value;
  }
}

function stringCell(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The table printer of a custom resource version, as apiextensions-apiserver builds it: `Name`,
 * then each additionalPrinterColumn (or `Age` when there are none).
 */
export function customResourcePrinter(printerColumns: readonly CustomResourceColumnDefinition[]): TablePrinter {
  const cols = printerColumns.length ? printerColumns : DEFAULT_COLUMNS;
  const paths = cols.map((c) => parseSimpleJsonPath(c.jsonPath));
  return {
    columns: [
      nameColumn(),
      ...cols.map((c) =>
        c.name === "Age" && c.jsonPath === ".metadata.creationTimestamp" && !c.description
          ? column(c.name, c.type, CREATION_TIMESTAMP, { priority: c.priority ?? 0, format: c.format ?? "" })
          : column(c.name, c.type, c.description ?? "", { priority: c.priority ?? 0, format: c.format ?? "" }),
      ),
    ],
    row(obj, ctx) {
      const cells: unknown[] = [obj.metadata?.name ?? ""];
      cols.forEach((c, i) => {
        const value = evaluateSimpleJsonPath(obj, paths[i]!);
        if (value === undefined || value === null) cells.push(null);
        else cells.push(c.type === "string" ? stringCell(value) : typedCell(c.type, value, ctx.now));
      });
      return { cells };
    },
  };
}
