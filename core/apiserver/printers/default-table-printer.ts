import { column, nameColumn, type TablePrinter } from "./printer.js";

/**
 * The apiserver's default table convertor, used for kinds without a printer (Roles, LimitRanges,
 * CRDs, ...): `Name` and `Created At` (an RFC 3339 date, which kubectl prints as is).
 */
export const defaultTablePrinter: TablePrinter = {
  columns: [nameColumn(), column("Created At", "date", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta#creationTimestamp")],
  row(obj) {
    const created = obj.metadata?.creationTimestamp;
    return { cells: [obj.metadata?.name ?? "", created ? new Date(Date.parse(created)).toISOString().replace(/\.\d{3}Z$/, "Z") : "0001-01-01T00:00:00Z"] };
  },
};
