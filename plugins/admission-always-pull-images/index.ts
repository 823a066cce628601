import type { Container } from "kubernetes-types/core/v1.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { AdmissionPlugins } from "../../core/plugins/extension-points.js";
import type { AdmissionPlugin } from "../../core/apiserver/admission.js";

type PodSpecLike = { containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] };

/**
 * The AlwaysPullImages admission plugin of kube-apiserver: every container of every new or
 * updated Pod gets `imagePullPolicy: Always`, so a cached image is never used without the
 * registry's say-so. Off by default, as in Kubernetes; load it with `cluster.use("admission-always-pull-images")`.
 */
export const alwaysPullImages: AdmissionPlugin = {
  name: "AlwaysPullImages",
  operations: ["CREATE", "UPDATE"],
  admit(request) {
    if (request.resource.group !== "" || request.resource.plural !== "pods" || request.subresource) return;
    const spec = (request.object as { spec?: PodSpecLike } | undefined)?.spec;
    if (!spec) return;
    for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) {
      for (const c of list ?? []) c.imagePullPolicy = "Always";
    }
  },
};

export default definePlugin({
  name: "admission-always-pull-images",
  description: "AlwaysPullImages admission: forces imagePullPolicy Always on every pod container",
  setup(ctx) {
    ctx.contribute(AdmissionPlugins, alwaysPullImages.name, alwaysPullImages);
    return () => {
      ctx.extensions(AdmissionPlugins).withdraw(alwaysPullImages.name);
    };
  },
});
