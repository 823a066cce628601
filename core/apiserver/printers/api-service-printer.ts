import type { ApiService } from "../../api/builtin/apiregistration/index.js";
import { ageColumn, column, nameColumn, objectAge, objectName, type TablePrinter } from "./printer.js";

/** kube-aggregator's APIService table: `Local` or `<namespace>/<name>`, and `True` / `False (<reason>)`. */
export const apiServicePrinter: TablePrinter = {
  columns: [nameColumn(), column("Service", "string", "The reference to the service that hosts this API endpoint."), column("Available", "string", "Whether this service is available."), ageColumn()],
  row: (obj, ctx) => {
    const api = obj as ApiService;
    const service = api.spec?.service ? `${api.spec.service.namespace}/${api.spec.service.name}` : "Local";
    const available = api.status?.conditions?.find((c) => c.type === "Available");
    const text = !available ? "Unknown" : available.status === "True" ? "True" : `${available.status} (${available.reason ?? ""})`;
    return { cells: [objectName(obj), service, text, objectAge(obj, ctx)] };
  },
};
