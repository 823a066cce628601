import { hash } from "node:crypto";
import type { Pod, ServiceAccount } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../../api/status.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
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
 * account's imagePullSecrets when the pod has none, and mounts the projected API access volume
 * (`kube-api-access-*`) unless `automountServiceAccountToken` is false on the pod or the account.
 * Mirror pods are left alone. While a missing account is tolerated, such a pod gets no token.
 */
export function serviceAccountAdmission(options: ServiceAccountAdmissionOptions = {}): AdmissionPlugin {
  /** Defaults the pod from its account (undefined: missing and tolerated). */
  const apply = (request: AdmissionRequest, ctx: AdmissionContext, pod: Pod, namespace: string, account: ServiceAccount | undefined): void => {
    if (account?.imagePullSecrets?.length && !pod.spec!.imagePullSecrets?.length) {
      pod.spec!.imagePullSecrets = account.imagePullSecrets.map((s) => ({ name: s.name }));
    }
    if (account && (pod.spec!.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true)) mountApiAccess(pod, volumeSuffix(namespace, pod, ctx.clock.now()));
  };
  /** The account read live (the server's cache misses it). */
  const lookUp = async (request: AdmissionRequest, ctx: AdmissionContext, pod: Pod, namespace: string, name: string): Promise<void> => {
    let account: ServiceAccount | undefined;
    try {
      account = (await ctx.client.resource("serviceaccounts").get(name, { namespace })) as ServiceAccount;
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
      if (options.requireServiceAccount) {
        throw admissionForbidden(request, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
      }
    }
    apply(request, ctx, pod, namespace, account);
  };
  return {
    name: "ServiceAccount",
    operations: ["CREATE"],
    resources: ["pods"],
    subresources: [""],
    admit(request, ctx) {
      if (request.operation !== "CREATE" || request.subresource || request.resource.group !== "" || request.resource.plural !== "pods") return;
      const pod = request.object as Pod | undefined;
      if (!pod?.spec) return;
      if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
      pod.spec.serviceAccountName ||= DEFAULT_SERVICE_ACCOUNT_NAME;
      const name = pod.spec.serviceAccountName;
      const namespace = request.namespace ?? pod.metadata?.namespace ?? "default";
      // As upstream, the server's cache first, live when it misses (an account created a moment ago).
      const cached = ctx.listers?.get?.<ServiceAccount>("serviceaccounts", name, namespace);
      if (cached) return apply(request, ctx, pod, namespace, cached);
      return lookUp(request, ctx, pod, namespace, name);
    },
  };
}

/** Where the API access volume is mounted in every container. */
export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The alphabet of generated name suffixes (apimachinery's rand.String: no vowels, no 0, 1, 3). */
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * Five characters of the alphabet of generated names, derived from the pod and the time (upstream
 * draws them at random): reproducible under a seed without drawing from the cluster's random
 * source, whose sequence other generated names depend on.
 */
function volumeSuffix(namespace: string, pod: Pod, now: number): string {
  // One-shot hash: a Hash object per pod cost three times as much (~5 % of a ReplicaSet's creates).
  // The digest as a "binary" (latin1) string, one char per byte, the same bytes: no Buffer per pod.
  const digest = hash("sha256", `${namespace}/${pod.metadata?.name ?? ""}/${pod.metadata?.generateName ?? ""}/${now}`, "binary");
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[digest.charCodeAt(i) % SUFFIX_ALPHABET.length];
  return suffix;
}

/**
 * Adds the projected `kube-api-access-<suffix>` volume (a bound token renewed by the kubelet, the
 * cluster CA from `kube-root-ca.crt`, the namespace) and mounts it read-only at
 * {@link SERVICE_ACCOUNT_MOUNT_PATH} in every container and init container that does not mount
 * something there already.
 */
function mountApiAccess(pod: Pod, suffix: string): void {
  const spec = pod.spec!;
  const containers = [...(spec.initContainers ?? []), ...spec.containers];
  const needs = containers.filter((c) => !(c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH));
  if (needs.length === 0) return;
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith("kube-api-access-") && v.projected);
  const name = existing?.name ?? `kube-api-access-${suffix}`;
  if (!existing) {
    (spec.volumes ??= []).push({
      name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" }, path: "namespace" }] } },
        ],
      },
    });
  }
  for (const c of needs) (c.volumeMounts ??= []).push({ name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
}
