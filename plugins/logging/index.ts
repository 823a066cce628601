import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { Images } from "../../core/cri/images.js";
import { fieldError } from "../../core/api/status.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { PluginConfigError } from "../../core/plugins/plugin-config.js";
import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { elasticsearchImage, type EsNodes } from "./elasticsearch/image.js";
import { fluentBitImages } from "./fluent-bit/image.js";
import { loggingObjects, type LogOutput } from "./manifest.js";

export { Indices } from "./elasticsearch/indices.js";
export { restHandler, ES_VERSION } from "./elasticsearch/rest.js";
export { parseQueryString } from "./elasticsearch/query-string.js";
export { compile, parseQueryDsl, type Query } from "./elasticsearch/query.js";
export { parseDate } from "./elasticsearch/date-math.js";
export { TailInput, type LogRecord } from "./fluent-bit/tail.js";
export { KubernetesFilter } from "./fluent-bit/kubernetes-filter.js";
export { parseFluentBitConfig } from "./fluent-bit/config.js";
export { esOutput, lokiOutput } from "./fluent-bit/outputs.js";
export { loggingObjects, fluentBitConf, LOGGING_NAMESPACE, ELASTICSEARCH_IMAGE, FLUENT_BIT_IMAGE } from "./manifest.js";

export interface LoggingOptions {
  /** Ship to a Loki push URL (`http://127.0.0.1:3100/loki/api/v1/push`, reached from the host's network) instead of the in-cluster Elasticsearch. */
  loki?: string;
  /** Seconds between the collector's flushes (fluent-bit's `Flush`, default 1). */
  flushSeconds?: number;
}

/** Validates a `logging` configuration section (cluster.yaml). */
export function parseLoggingOptions(raw: unknown): LoggingOptions {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new PluginConfigError([fieldError.invalid("", raw, "must be an object")]);
  const r = raw as Record<string, unknown>;
  const errors = [];
  for (const k of Object.keys(r)) if (!["loki", "flushSeconds"].includes(k)) errors.push(fieldError.notSupported(k, r[k], ["loki", "flushSeconds"]));
  if (r["loki"] !== undefined) {
    let ok = typeof r["loki"] === "string";
    try {
      if (ok && !/^https?:$/.test(new URL(r["loki"] as string).protocol)) ok = false;
    } catch {
      ok = false;
    }
    if (!ok) errors.push(fieldError.invalid("loki", r["loki"], "must be an http(s) URL such as http://127.0.0.1:3100/loki/api/v1/push"));
  }
  if (r["flushSeconds"] !== undefined && (typeof r["flushSeconds"] !== "number" || !(r["flushSeconds"] > 0))) errors.push(fieldError.invalid("flushSeconds", r["flushSeconds"], "must be a positive number of seconds"));
  if (errors.length) throw new PluginConfigError(errors);
  return r as LoggingOptions;
}

/** Running Elasticsearch nodes' indices by pod name, per cluster informer factory (tests and benchmarks look inside). */
export const runningElasticsearch = new WeakMap<SharedInformerFactory, EsNodes>();

/**
 * The seeds' log pipeline as add-ons: in namespace `logging`, a fluent-bit DaemonSet tailing every
 * node's `/var/log/containers/*.log` (kept by the kubelet and runtime), adding the kubernetes
 * metadata and shipping to the in-cluster `elasticsearch` Service (port 9200) — or to an external
 * Loki push URL. See docs/observability.md.
 */
export function logging(given: LoggingOptions = {}): DefinedPlugin {
  return definePlugin({
    name: "logging",
    description: "log pipeline: fluent-bit DaemonSet shipping container logs to Elasticsearch (namespace logging) or Loki",
    config: { description: "logging options: loki (push URL), flushSeconds", parse: parseLoggingOptions },
    async setup(ctx) {
      const options: LoggingOptions = { ...given, ...((ctx.config as LoggingOptions | undefined) ?? {}) };
      const informers = (): SharedInformerFactory => ctx.resolve<SharedInformerFactory>(InformerFactory);
      const nodes: EsNodes = new Map();
      runningElasticsearch.set(informers(), nodes);
      const images = [elasticsearchImage(nodes), ...fluentBitImages({ informers })];
      for (const image of images) ctx.contribute(Images, image.repository, image);
      const output: LogOutput = options.loki ? { kind: "loki", url: new URL(options.loki) } : { kind: "elasticsearch", host: "elasticsearch.logging.svc.cluster.local", port: 9200 };
      await ctx.resolve<AddonInstaller>(Addons).install(loggingObjects(output, options.flushSeconds !== undefined ? { flushSeconds: options.flushSeconds } : {}), (m) => ctx.log.warn(m), "kubectl-client-side-apply");
      return () => {
        for (const image of images) ctx.extensions(Images).withdraw(image.repository);
      };
    },
  });
}

export default logging();
