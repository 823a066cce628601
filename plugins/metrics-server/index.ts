import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { Images } from "../../core/cri/images.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { metricsServerImage } from "./image.js";
import { metricsServerObjects } from "./manifests.js";

export { metricsServerObjects, METRICS_SERVER_IMAGE } from "./manifests.js";
export { decodeResourceMetrics, type NodeScrape, type Sample } from "./resource-metrics.js";
export { MetricsStorage, type Usage } from "./metrics-storage.js";
export { usageQuantities } from "./metrics-api.js";

export interface MetricsServerOptions {
  /** `--metric-resolution` (default 15s, as the release manifest). */
  metricResolution?: string;
}

/**
 * metrics-server as a cluster add-on, deployed as its release manifest deploys it: the
 * `metrics-server` Deployment in kube-system (the `registry.k8s.io/metrics-server/metrics-server`
 * image behaviour), scraping every kubelet's `/metrics/resource` each resolution, behind the
 * `metrics-server` Service and registered as the `v1beta1.metrics.k8s.io` APIService, so the
 * aggregation layer serves `metrics.k8s.io` (`kubectl top`, the HPA's resource metrics).
 */
export function metricsServer(options: MetricsServerOptions = {}): DefinedPlugin {
  return definePlugin({
    name: "metrics-server",
    description: "metrics-server: the metrics.k8s.io API (kubectl top, HPA resource metrics) from the kubelets' resource metrics",
    async setup(ctx) {
      ctx.contribute(Images, "registry.k8s.io/metrics-server/metrics-server", metricsServerImage({ informers: () => ctx.resolve<SharedInformerFactory>(InformerFactory) }));
      // As `kubectl apply -f components.yaml` the first time: create what is missing, leave what exists.
      await ctx.resolve<AddonInstaller>(Addons).install(metricsServerObjects(options), (m) => ctx.log.warn(m), "kubectl-client-side-apply");
    },
  });
}

export default metricsServer();
