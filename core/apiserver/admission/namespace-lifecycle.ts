import type { Namespace } from "kubernetes-types/core/v1.js";
import { forbidden, isStatusError, notFound } from "../../api/status.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
import { admissionForbidden } from "./admission-forbidden.js";

/** Namespaces that can never be deleted (kube-apiserver's immortal namespaces). */
export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(["default", "kube-system", "kube-public"]);

const NAMESPACES = { group: "", plural: "namespaces", kind: "Namespace" };

/** How long after a namespace's delete its cached copy is not trusted (upstream's forceLiveLookupTTL). */
const FORCE_LIVE_LOOKUP_TTL_MS = 30_000;
/** Per cluster (its admission client): namespaces deleted lately, with when their live lookups end. */
const recentlyDeleted = new WeakMap<AdmissionContext["client"], Map<string, number>>();

/**
 * NamespaceLifecycle: refuses deleting the immortal namespaces; refuses any write but DELETE into
 * a namespace that does not exist (NotFound), and creates into one being terminated (Forbidden,
 * cause `NamespaceTerminating`). Cluster-scoped resources and Namespaces themselves pass.
 * As upstream, the namespace is read from the server's informer cache, live when the cache misses
 * it or when it was deleted in the last 30 s (the cache may not show it terminating yet).
 */
export const namespaceLifecycle: AdmissionPlugin = {
  name: "NamespaceLifecycle",
  operations: ["CREATE", "UPDATE", "DELETE"],
  // A mutating-phase plugin in kube-apiserver (it implements Admit), so it refuses before any
  // other plugin looks at a request into a missing namespace.
  admit(request, ctx) {
    const isNamespace = request.resource.group === "" && request.resource.plural === "namespaces";
    if (isNamespace) {
      if (request.operation === "DELETE" && request.name) {
        if (IMMORTAL_NAMESPACES.has(request.name)) throw forbidden(request.resource, request.name, "this namespace may not be deleted");
        let deleted = recentlyDeleted.get(ctx.client);
        if (!deleted) recentlyDeleted.set(ctx.client, (deleted = new Map()));
        deleted.set(request.name, ctx.clock.now() + FORCE_LIVE_LOOKUP_TTL_MS);
      }
      return;
    }
    if (!request.resource.namespaced || !request.namespace) return;
    if (request.operation === "DELETE") return;
    // Access reviews never reveal whether a namespace exists.
    if (request.resource.group === "authorization.k8s.io" && request.resource.plural === "localsubjectaccessreviews") return;
    const cached = ctx.listers?.get?.<Namespace>("namespaces", request.namespace);
    if (cached && !(cached.status?.phase !== "Terminating" && deletedLately(ctx, request.namespace))) return refuseTerminating(request, cached);
    return liveLookup(request, ctx);
  },
};

/** Whether the namespace was deleted within the live-lookup TTL (forgetting it once that has passed). */
function deletedLately(ctx: AdmissionContext, name: string): boolean {
  const deleted = recentlyDeleted.get(ctx.client);
  const until = deleted?.get(name);
  if (until === undefined) return false;
  if (until > ctx.clock.now()) return true;
  deleted!.delete(name);
  return false;
}

async function liveLookup(request: AdmissionRequest, ctx: AdmissionContext): Promise<void> {
  let ns: Namespace;
  try {
    ns = (await ctx.client.resource("namespaces").get(request.namespace!)) as Namespace;
  } catch (err) {
    if (isStatusError(err, "NotFound")) throw notFound(NAMESPACES, request.namespace!);
    throw err;
  }
  refuseTerminating(request, ns);
}

function refuseTerminating(request: AdmissionRequest, ns: Namespace): void {
  if (request.operation === "CREATE" && ns.status?.phase === "Terminating") {
    const why = `unable to create new content in namespace ${request.namespace} because it is being terminated`;
    throw admissionForbidden(request, why, [{ reason: "NamespaceTerminating", message: `namespace ${request.namespace} is being terminated`, field: "metadata.namespace" }]);
  }
}
