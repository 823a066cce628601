import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { Images } from "../../core/cri/images.js";
import { fieldError } from "../../core/api/status.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { PluginConfigError } from "../../core/plugins/plugin-config.js";
import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { parseLabelsAllowlist } from "./allowlist.js";
import { kubeStateMetricsImage } from "./image.js";
import { kubeStateMetricsObjects } from "./manifest.js";

export { StateMetrics, kubeStateMetricsImage } from "./image.js";
export { MetricsStore, type ResourceMetrics } from "./metrics-store.js";
export { RESOURCES } from "./families/index.js";
export { goFloat, escapeLabelValue, sampleLine, familyHeader } from "./exposition.js";
export { parseLabelsAllowlist } from "./allowlist.js";
export { kubeStateMetricsObjects, KSM_IMAGE, KSM_VERSION, KSM_NAMESPACE } from "./manifest.js";

export interface KubeStateMetricsOptions {
  /** `--metric-labels-allowlist`: which object labels `kube_<resource>_labels` exposes (`pods=[app,team],deployments=[*]`). Default: none. */
  metricLabelsAllowlist?: string;
  /** `--resources`: the resources served (plurals, default all kube-state-metrics models here). */
  resources?: string[];
}

/** Validates a `kube-state-metrics` configuration section (cluster.yaml). */
export function parseKsmOptions(raw: unknown): KubeStateMetricsOptions {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new PluginConfigError([fieldError.invalid("", raw, "must be an object")]);
  const r = raw as Record<string, unknown>;
  const errors = [];
  for (const k of Object.keys(r)) if (!["metricLabelsAllowlist", "resources"].includes(k)) errors.push(fieldError.notSupported(k, r[k], ["metricLabelsAllowlist", "resources"]));
  if (r["metricLabelsAllowlist"] !== undefined) {
    try {
      if (typeof r["metricLabelsAllowlist"] !== "string") throw new Error("must be a string such as pods=[app,team]");
      parseLabelsAllowlist(r["metricLabelsAllowlist"]);
    } catch (err) {
      errors.push(fieldError.invalid("metricLabelsAllowlist", r["metricLabelsAllowlist"], (err as Error).message));
    }
  }
  if (r["resources"] !== undefined && (!Array.isArray(r["resources"]) || !r["resources"].every((x) => typeof x === "string"))) errors.push(fieldError.invalid("resources", r["resources"], "must be a list of resource plurals"));
  if (errors.length) throw new PluginConfigError(errors);
  return r as KubeStateMetricsOptions;
}

/**
 * kube-state-metrics as an add-on, deployed as its standard example deploys it: the
 * `kube-state-metrics` Deployment and headless Service in kube-system (ports `http-metrics` 8080,
 * `telemetry` 8081) running the `registry.k8s.io/kube-state-metrics/kube-state-metrics` image
 * behaviour, which watches the cluster and serves the kube_* families with upstream's names,
 * labels and HELP text. See docs/observability.md.
 */
export function kubeStateMetrics(given: KubeStateMetricsOptions = {}): DefinedPlugin {
  return definePlugin({
    name: "kube-state-metrics",
    description: "kube-state-metrics: kube_* metrics of the cluster's objects (Deployment and Service in kube-system)",
    config: { description: "kube-state-metrics options: metricLabelsAllowlist, resources", parse: parseKsmOptions },
    async setup(ctx) {
      const options: KubeStateMetricsOptions = { ...given, ...((ctx.config as KubeStateMetricsOptions | undefined) ?? {}) };
      const image = kubeStateMetricsImage({ informers: () => ctx.resolve<SharedInformerFactory>(InformerFactory) });
      ctx.contribute(Images, image.repository, image);
      const args = ["--port=8080", "--telemetry-port=8081"];
      if (options.resources?.length) args.push(`--resources=${options.resources.join(",")}`);
      if (options.metricLabelsAllowlist) args.push(`--metric-labels-allowlist=${options.metricLabelsAllowlist}`);
      await ctx.resolve<AddonInstaller>(Addons).install(kubeStateMetricsObjects(args.length > 2 ? { args } : {}), (m) => ctx.log.warn(m), "kubectl-client-side-apply");
      return () => void ctx.extensions(Images).withdraw(image.repository);
    },
  });
}

export default kubeStateMetrics();
