import type { ConfigMap, Secret } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../../../core/api/status.js";
import { controllerFor } from "../../../core/controller/builder.js";
import type { Manager } from "../../../core/controller/manager.js";
import { bootstrapTokenUsable, CLUSTER_INFO, detachedSignature, JWS_KEY_PREFIX, secretField } from "../../../core/apiserver/bootstrap-token/bootstrap-token.js";

/**
 * kube-controller-manager's bootstrap signer (pkg/controller/bootstrap, `bootstrapsigner`, off
 * unless `--controllers` names it, as kubeadm does): keeps `kube-public/cluster-info` signed by
 * every bootstrap token that allows signing — `jws-kubeconfig-<token id>`, a detached HS256 JWS of
 * its `kubeconfig` — and drops the signatures of tokens deleted, expired or no longer for signing.
 * A joining node checks its token's signature before it trusts the CA the kubeconfig names.
 */
export function setupBootstrapSigner(mgr: Manager): void {
  const secrets = mgr.informers.forResource<Secret>("Secret").lister();
  const configMaps = mgr.informers.forResource<ConfigMap>("ConfigMap").lister();
  const key = { namespace: CLUSTER_INFO.namespace, name: CLUSTER_INFO.name };
  controllerFor(mgr)
    .named("bootstrap-signer")
    .for<ConfigMap>("ConfigMap")
    .watches<Secret>("Secret", (s) => (s.metadata?.namespace === "kube-system" && s.type === "bootstrap.kubernetes.io/token" ? [key] : []))
    .complete({
      async reconcile(request) {
        if (request.namespace !== CLUSTER_INFO.namespace || request.name !== CLUSTER_INFO.name) return;
        const current = configMaps.namespace(CLUSTER_INFO.namespace).get(CLUSTER_INFO.name);
        const content = current?.data?.["kubeconfig"];
        if (!current || content === undefined) return;
        const now = mgr.clock.now();
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(current.data ?? {})) if (!k.startsWith(JWS_KEY_PREFIX)) data[k] = v;
        for (const secret of secrets.namespace("kube-system").list()) {
          if (!bootstrapTokenUsable(secret, "signing", now)) continue;
          const id = secretField(secret, "token-id");
          const tokenSecret = secretField(secret, "token-secret");
          if (!id || !tokenSecret || secret.metadata?.name !== `bootstrap-token-${id}`) continue;
          data[`${JWS_KEY_PREFIX}${id}`] = detachedSignature(content, id, tokenSecret);
        }
        const before = current.data ?? {};
        if (Object.keys(before).length === Object.keys(data).length && Object.entries(data).every(([k, v]) => before[k] === v)) return;
        try {
          await mgr.client.resource<ConfigMap>("ConfigMap").update({ ...current, data }, { fieldManager: "kube-controller-manager" });
        } catch (err) {
          if (isStatusError(err, "Conflict") || isStatusError(err, "NotFound")) return; // the informer brings the newer one back
          throw err;
        }
      },
    });
}
