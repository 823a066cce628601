import type { Pod, ServiceAccount } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../../api/status.js";
import type { AdmissionPlugin } from "../admission.js";
import { admissionForbidden } from "./admission-forbidden.js";

/** The service account a pod runs as when it names none. */
export const DEFAULT_SERVICE_ACCOUNT_NAME = "default";
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

export interface ServiceAccountAdmissionOptions {
  /**
   * Refuse pods whose service account does not exist, as kube-apiserver does
   * (`error looking up service account ns/sa: serviceaccount "sa" not found`). Only sensible once
   * something creates the `default` ServiceAccount in every namespace (the ServiceAccount
   * controller); until then a missing account is tolerated and the pod keeps the name.
   */
  requireServiceAccount?: boolean;
}

/**
 * ServiceAccount: on pod create, defaults `spec.serviceAccountName` to "default" and copies the
 * account's imagePullSecrets when the pod has none. Mirror pods are left alone. The projected
 * API token volume (`kube-api-access-*`) is not mounted: kubesim has no token issuer yet.
 */
export function serviceAccountAdmission(options: ServiceAccountAdmissionOptions = {}): AdmissionPlugin {
  return {
    name: "ServiceAccount",
    operations: ["CREATE"],
    async admit(request, ctx) {
      if (request.operation !== "CREATE" || request.subresource || request.resource.group !== "" || request.resource.plural !== "pods") return;
      const pod = request.object as Pod | undefined;
      if (!pod?.spec) return;
      if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
      pod.spec.serviceAccountName ||= DEFAULT_SERVICE_ACCOUNT_NAME;
      const name = pod.spec.serviceAccountName;
      const namespace = request.namespace ?? pod.metadata?.namespace ?? "default";
      let account: ServiceAccount | undefined;
      try {
        account = (await ctx.client.resource("serviceaccounts").get(name, { namespace })) as ServiceAccount;
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
        if (options.requireServiceAccount) {
          throw admissionForbidden(request, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
        }
      }
      if (account?.imagePullSecrets?.length && !pod.spec.imagePullSecrets?.length) {
        pod.spec.imagePullSecrets = account.imagePullSecrets.map((s) => ({ name: s.name }));
      }
    },
  };
}
