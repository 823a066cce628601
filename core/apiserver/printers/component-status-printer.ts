import type { ComponentStatus } from "kubernetes-types/core/v1.js";
import { column, nameColumn, objectName, type TablePrinter } from "./printer.js";

/** kube-apiserver's ComponentStatus table: the Healthy condition as Healthy / Unhealthy, its message and error. */
export const componentStatusPrinter: TablePrinter = {
  columns: [nameColumn(), column("Status", "string", "Status of the component conditions"), column("Message", "string", "Message of the component conditions"), column("Error", "string", "Error of the component conditions")],
  row: (obj) => {
    const healthy = (obj as unknown as ComponentStatus).conditions?.find((c) => c.type === "Healthy");
    const status = !healthy ? "Unknown" : healthy.status === "True" ? "Healthy" : "Unhealthy";
    return { cells: [objectName(obj), status, healthy?.message ?? "", healthy?.error ?? ""] };
  },
};
