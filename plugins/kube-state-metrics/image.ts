import { Counter, Gauge, Registry } from "prom-client";
import type { ImageDefinition } from "../../core/cri/images.js";
import type { Program } from "../../core/cri/process.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import type { EventHandlerRegistration } from "../../core/informers/event-handler.js";
import { objectOrTombstoneObject } from "../../core/informers/tombstone.js";
import { klogLine } from "../../core/log/klog.js";
import { serveHttp, untilSignal } from "../images/index.js";
import { parseLabelsAllowlist } from "./allowlist.js";
import { TEXT_CONTENT_TYPE } from "./exposition.js";
import { RESOURCES } from "./families/index.js";
import { KSM_VERSION } from "./manifest.js";
import { MetricsStore, type StoredObject } from "./metrics-store.js";

/** What the image's program needs from the cluster: the informers its ServiceAccount's list/watch feed in a real cluster. */
export interface KsmImageDeps {
  informers(): SharedInformerFactory | undefined;
}

/** A running kube-state-metrics: its stores (tests and benchmarks render them directly). */
export class StateMetrics {
  readonly stores: MetricsStore[];

  constructor(options: { resources?: readonly string[]; allowlist?: string } = {}) {
    const allow = parseLabelsAllowlist(options.allowlist ?? "");
    const wanted = options.resources?.length ? new Set(options.resources) : undefined;
    this.stores = RESOURCES.filter((r) => !wanted || wanted.has(r.resource)).map((r) => new MetricsStore(r as never, allow.get(r.resource) ?? allow.get("*") ?? []));
  }

  /** The whole exposition, resource by resource. */
  render(): string {
    const out: string[] = [];
    for (const s of this.stores) s.write(out);
    return out.join("");
  }
}

function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

/**
 * `kube-state-metrics [--port=8080] [--telemetry-port=8081] [--resources=pods,...]
 * [--metric-labels-allowlist=pods=[app]]`: watches the cluster's objects, keeps each object's
 * metric families rendered, serves them on /metrics of the metrics port and its own figures on
 * /metrics of the telemetry port.
 */
function ksmProgram(deps: KsmImageDeps): Program {
  return async (p) => {
    const log = (m: string, source = "server.go:225"): void => p.stderr(klogLine("I", p.clock.now(), source, m));
    const informers = deps.informers();
    const port = Number(flag(p.argv, "port") ?? 8080);
    const telemetryPort = Number(flag(p.argv, "telemetry-port") ?? 8081);
    let state: StateMetrics;
    try {
      state = new StateMetrics({ resources: (flag(p.argv, "resources") ?? "").split(",").filter(Boolean), allowlist: flag(p.argv, "metric-labels-allowlist") ?? "" });
    } catch (err) {
      p.stderr(`Error: ${(err as Error).message}\n`);
      return 1;
    }
    if (!informers) {
      p.stderr(klogLine("E", p.clock.now(), "main.go:42", `"Failed to run kube-state-metrics" err="error building kube client: no cluster connection"`));
      return 1;
    }
    log(`"Starting kube-state-metrics" version="v${KSM_VERSION}"`, "app/server.go:98");
    log(`"Used resources" resources=[${state.stores.map((s) => s.spec.resource).join(" ")}]`, "app/server.go:238");

    const registry = new Registry();
    const listTotal = new Counter({ name: "kube_state_metrics_list_total", help: "Number of total resource list in kube-state-metrics", labelNames: ["resource", "result"], registers: [registry] });
    const watchTotal = new Counter({ name: "kube_state_metrics_watch_total", help: "Number of total resource watches in kube-state-metrics", labelNames: ["resource", "result"], registers: [registry] });
    new Gauge({ name: "kube_state_metrics_build_info", help: "A metric with a constant '1' value labeled by version, revision, branch, goversion from which kube_state_metrics was built, and the goos and goarch for the build.", labelNames: ["branch", "goarch", "goos", "goversion", "revision", "tags", "version"], registers: [registry] }).set({ branch: "", goarch: "amd64", goos: "linux", goversion: "go1.23.4", revision: "unknown", tags: "unknown", version: `v${KSM_VERSION}` }, 1);
    new Gauge({ name: "kube_state_metrics_shard_ordinal", help: "Current sharding ordinal/index of this instance", labelNames: ["shard_ordinal"], registers: [registry] }).set({ shard_ordinal: "0" }, 0);
    new Gauge({ name: "kube_state_metrics_total_shards", help: "Number of total shards this instance is aware of", registers: [registry] }).set(1);

    const registrations: EventHandlerRegistration[] = [];
    for (const store of state.stores) {
      const informer = informers.forResource<StoredObject & { metadata?: object }>(store.spec.kind);
      registrations.push(
        informer.addEventHandler({
          onAdd: (o) => store.upsert(o),
          onUpdate: (_old, o) => store.upsert(o),
          onDelete: (o) => store.delete(objectOrTombstoneObject(o)),
        }),
      );
      listTotal.inc({ resource: `*v1.${store.spec.kind}`, result: "success" });
      watchTotal.inc({ resource: `*v1.${store.spec.kind}`, result: "success" });
    }
    informers.start();
    const synced = (): boolean => registrations.every((r) => r.hasSynced());
    try {
      serveHttp(p, port, (req) => {
        const path = req.path.split("?")[0];
        if (path === "/metrics") return { status: 200, headers: { "Content-Type": TEXT_CONTENT_TYPE }, body: state.render() };
        if (path === "/livez" || path === "/healthz") return { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "OK" };
        if (path === "/") return { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }, body: "<html>\n<head><title>Kube Metrics Server</title></head>\n<body>\n<h1>Kube Metrics</h1>\n<ul>\n<li><a href='/metrics'>metrics</a></li>\n<li><a href='/livez'>livez</a></li>\n</ul>\n</body>\n</html>\n" };
        return { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "404 page not found\n" };
      });
      serveHttp(p, telemetryPort, async (req) => {
        const path = req.path.split("?")[0];
        if (path === "/metrics") return { status: 200, headers: { "Content-Type": registry.contentType }, body: await registry.metrics() };
        if (path === "/readyz") return synced() ? { status: 200, body: "OK" } : { status: 503, body: "caches not synced\n" };
        return { status: 404, body: "404 page not found\n" };
      });
    } catch (err) {
      for (const r of registrations) r.remove();
      p.stderr(klogLine("E", p.clock.now(), "app/server.go:360", `"Failed to listen" err="${(err as Error).message}"`));
      return 1;
    }
    log(`"Started metrics server" metricsServerAddress="[::]:${port}"`, "app/server.go:379");
    log(`"Started kube-state-metrics self metrics server" telemetryAddress="[::]:${telemetryPort}"`, "app/server.go:361");
    try {
      return await untilSignal(p, (s) => (s === "SIGTERM" || s === "SIGINT" ? 0 : undefined));
    } finally {
      for (const r of registrations) r.remove();
    }
  };
}

/** `registry.k8s.io/kube-state-metrics/kube-state-metrics`. */
export function kubeStateMetricsImage(deps: KsmImageDeps): ImageDefinition {
  return {
    repository: "registry.k8s.io/kube-state-metrics/kube-state-metrics",
    tags: [`v${KSM_VERSION}`, "v2.14.0", "v2.13.0"],
    size: 17_634_223,
    layers: ["sha256:distroless-static-layer", "sha256:kube-state-metrics-2.15-layer"],
    config: { entrypoint: ["/kube-state-metrics"], cmd: ["--port=8080", "--telemetry-port=8081"], exposedPorts: ["8080/tcp", "8081/tcp"], user: "65534" },
    programs: { "kube-state-metrics": ksmProgram(deps) },
  };
}
