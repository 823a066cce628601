import type { Namespace } from "kubernetes-types/core/v1.js";
import { forbidden, isStatusError, notFound } from "../../api/status.js";
import type { AdmissionPlugin } from "../admission.js";
import { admissionForbidden } from "./admission-forbidden.js";

/** Namespaces that can never be deleted (kube-apiserver's immortal namespaces). */
export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(["default", "kube-system", "kube-public"]);

const NAMESPACES = { group: "", plural: "namespaces", kind: "Namespace" };

/**
 * NamespaceLifecycle: refuses deleting the immortal namespaces; refuses any write but DELETE into
 * a namespace that does not exist (NotFound), and creates into one being terminated (Forbidden,
 * cause `NamespaceTerminating`). Cluster-scoped resources and Namespaces themselves pass.
 */
export const namespaceLifecycle: AdmissionPlugin = {
  name: "NamespaceLifecycle",
  operations: ["CREATE", "UPDATE", "DELETE"],
  // A mutating-phase plugin in kube-apiserver (it implements Admit), so it refuses before any
  // other plugin looks at a request into a missing namespace.
  async admit(request, ctx) {
    const isNamespace = request.resource.group === "" && request.resource.plural === "namespaces";
    if (isNamespace) {
      if (request.operation === "DELETE" && request.name && IMMORTAL_NAMESPACES.has(request.name)) {
        throw forbidden(request.resource, request.name, "this namespace may not be deleted");
      }
      return;
    }
    if (!request.resource.namespaced || !request.namespace) return;
    if (request.operation === "DELETE") return;
    // Access reviews never reveal whether a namespace exists.
    if (request.resource.group === "authorization.k8s.io" && request.resource.plural === "localsubjectaccessreviews") return;
    let ns: Namespace;
    try {
      ns = (await ctx.client.resource("namespaces").get(request.namespace)) as Namespace;
    } catch (err) {
      if (isStatusError(err, "NotFound")) throw notFound(NAMESPACES, request.namespace);
      throw err;
    }
    if (request.operation === "CREATE" && ns.status?.phase === "Terminating") {
      const why = `unable to create new content in namespace ${request.namespace} because it is being terminated`;
      throw admissionForbidden(request, why, [{ reason: "NamespaceTerminating", message: `namespace ${request.namespace} is being terminated`, field: "metadata.namespace" }]);
    }
  },
};
