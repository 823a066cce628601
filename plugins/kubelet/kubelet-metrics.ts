import { Counter, Gauge, type Registry } from "prom-client";
import { HotCounter, HotHistogram } from "../../core/metrics/hot-path-metrics.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { NodeRuntime } from "../../core/cri/runtime-service.js";
import type { DataPlane } from "../../core/net/data-plane.js";
import { newMetricsRegistry } from "../../core/metrics/metrics-registry.js";
import type { StatsSummary } from "./stats.js";

/** kubelet's pod start and PLEG histograms' buckets (`metrics.ExponentialBuckets` ranges as upstream's). */
const POD_START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];
const PLEG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the kubelet's pod workers report for metrics. */
export interface KubeletMetricsRecorder {
  /** One probe ran (`prober_probe_total`): result `successful` or `failed`. */
  probe(pod: Pod, container: string, kind: "liveness" | "readiness" | "startup", ok: boolean): void;
  /** A pod's containers all run for the first time, `seconds` after the kubelet first saw it. */
  podStarted(seconds: number): void;
}

/** What the scrapes read from the kubelet. */
export interface KubeletMetricsSource {
  readonly nodeName: string;
  readonly runtime: NodeRuntime;
  /** The node's data plane, for pods' network bytes (absent without one). */
  readonly dataPlane: DataPlane | undefined;
  /** The pods the kubelet runs (those with a sandbox). */
  pods(): readonly { pod: Pod; sandbox: string | undefined }[];
  summary(): Promise<StatsSummary>;
}

/**
 * Three of one kubelet's metrics endpoints, each its own registry as the kubelet serves them:
 * `/metrics` (kubelet_running_pods, kubelet_running_containers{container_state},
 * kubelet_pod_start_duration_seconds, kubelet_pleg_relist_duration_seconds, ...),
 * `/metrics/cadvisor` (container_* per container and pod-level network bytes with cAdvisor's
 * labels) and `/metrics/probes` (prober_probe_total); `/metrics/resource` is kubelet-server.ts's
 * (with sample timestamps, as metrics-server reads it). Figures come from the kubelet's stats summary, its
 * runtime and the data plane at scrape time.
 */
export class KubeletMetrics implements KubeletMetricsRecorder {
  readonly main: Registry = newMetricsRegistry();
  /** `/metrics/cadvisor`'s registry, made on the first scrape (its metrics are all computed at scrape time; an unscraped node keeps none, ~3 KB each). */
  private cadvisor: Registry | undefined;
  readonly probes: Registry = newMetricsRegistry();
  private readonly podStart: HotHistogram;
  private readonly pleg: HotHistogram;
  private readonly plegInterval: HotHistogram;
  private readonly probeTotal: HotCounter<"probe_type" | "result" | "container" | "pod" | "namespace" | "pod_uid">;
  private readonly probeChildren = new Map<string, { inc(): void }>();
  /** The summary and containers of the scrape in progress (collectors read them synchronously). */
  private current: { summary: StatsSummary; states: Map<string, number>; images: Map<string, { image: string; id: string }> } | undefined;
  private lastRelist: number | undefined;

  constructor(private readonly source: KubeletMetricsSource) {
    const self = this;
    const main = [this.main];
    new Gauge({ name: "kubelet_node_name", help: "The node's name. The count is always 1.", labelNames: ["node"], registers: main }).set({ node: source.nodeName }, 1);
    new Gauge({
      name: "kubelet_running_pods",
      help: "Number of pods that have a running pod sandbox",
      registers: main,
      collect() {
        this.set(source.pods().filter((p) => p.sandbox !== undefined).length);
      },
    });
    new Gauge({
      name: "kubelet_running_containers",
      help: "Number of containers currently running",
      labelNames: ["container_state"],
      registers: main,
      collect() {
        this.reset();
        for (const [state, n] of self.current?.states ?? []) this.set({ container_state: state }, n);
      },
    });
    this.podStart = new HotHistogram({ name: "kubelet_pod_start_duration_seconds", help: "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run", buckets: POD_START_BUCKETS, registers: main });
    this.pleg = new HotHistogram({ name: "kubelet_pleg_relist_duration_seconds", help: "Duration in seconds for relisting pods in PLEG.", buckets: PLEG_BUCKETS, registers: main });
    this.plegInterval = new HotHistogram({ name: "kubelet_pleg_relist_interval_seconds", help: "Interval in seconds between relisting in PLEG.", buckets: PLEG_BUCKETS.map((b) => b * 100), registers: main });

    this.probeTotal = new HotCounter({ name: "prober_probe_total", help: "Cumulative number of a liveness, readiness or startup probe for a container by result.", labelNames: ["probe_type", "result", "container", "pod", "namespace", "pod_uid"], registers: [this.probes] });
  }

  probe(pod: Pod, container: string, kind: "liveness" | "readiness" | "startup", ok: boolean): void {
    const uid = pod.metadata?.uid ?? "";
    const key = `${uid} ${container} ${kind} ${ok ? 1 : 0}`;
    let child = this.probeChildren.get(key);
    if (!child) {
      child = this.probeTotal.labels({ probe_type: kind.charAt(0).toUpperCase() + kind.slice(1), result: ok ? "successful" : "failed", container, pod: pod.metadata?.name ?? "", namespace: pod.metadata?.namespace ?? "", pod_uid: uid });
      this.probeChildren.set(key, child);
    }
    child.inc();
  }

  podStarted(seconds: number): void {
    this.podStart.observe(seconds);
  }

  /** One PLEG relist: lists the runtime's containers, timing it (the kubelet's housekeeping calls this). */
  async relist(now: () => number): Promise<void> {
    const started = now();
    await this.source.runtime.runtime.listContainers();
    if (this.lastRelist !== undefined) this.plegInterval.observe((started - this.lastRelist) / 1000);
    this.lastRelist = started;
    this.pleg.observe((now() - started) / 1000);
  }

  /** `/metrics`. */
  scrapeMain(): Promise<string> {
    return this.withSnapshot(() => this.main.metrics());
  }

  /** `/metrics/cadvisor`. */
  scrapeCadvisor(): Promise<string> {
    const registry = (this.cadvisor ??= this.newCadvisorRegistry());
    return this.withSnapshot(() => registry.metrics());
  }

  /** `/metrics/probes`. */
  scrapeProbes(): Promise<string> {
    return this.probes.metrics();
  }

  /** Builds `/metrics/cadvisor`'s registry: CPU, working set and pod network bytes, read from the scrape's snapshot. */
  private newCadvisorRegistry(): Registry {
    const self = this;
    const registry = newMetricsRegistry();
    const cad = [registry];
    new Counter({
      name: "container_cpu_usage_seconds_total",
      help: "Cumulative cpu time consumed in seconds.",
      labelNames: [...CADVISOR, "cpu"],
      registers: cad,
      collect() {
        this.reset();
        for (const c of self.containers()) this.inc({ ...c.labels, cpu: "total" }, c.cpuSeconds);
      },
    });
    new Gauge({
      name: "container_memory_working_set_bytes",
      help: "Current working set in bytes.",
      labelNames: [...CADVISOR],
      registers: cad,
      collect() {
        this.reset();
        for (const c of self.containers()) this.set(c.labels, c.workingSet);
      },
    });
    const network = (name: string, help: string, pick: (d: { rxBytes: number; txBytes: number }) => number): void =>
      void new Counter({
        name,
        help,
        labelNames: [...CADVISOR, "interface"],
        registers: cad,
        collect() {
          this.reset();
          for (const p of self.podNetworks()) this.inc({ container: "", id: p.id, image: "", name: "", namespace: p.namespace, pod: p.pod, interface: "eth0" }, pick(p.device));
        },
      });
    network("container_network_receive_bytes_total", "Cumulative count of bytes received", (d) => d.rxBytes);
    network("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", (d) => d.txBytes);
    return registry;
  }

  private async withSnapshot(render: () => Promise<string>): Promise<string> {
    const [summary, containers] = await Promise.all([this.source.summary(), this.source.runtime.runtime.listContainers()]);
    const states = new Map<string, number>([["created", 0], ["running", 0], ["exited", 0], ["unknown", 0]]);
    const images = new Map<string, { image: string; id: string }>(); // by `<sandbox>/<container name>`
    for (const c of containers) {
      const state = c.state.replace(/^CONTAINER_/, "").toLowerCase();
      states.set(state, (states.get(state) ?? 0) + 1);
      images.set(`${c.podSandboxId}/${c.metadata.name}`, { image: c.image.image, id: c.id });
    }
    this.current = { summary, states, images };
    try {
      return await render();
    } finally {
      this.current = undefined;
    }
  }

  private *containers(): Generator<{ labels: Record<(typeof CADVISOR)[number], string>; cpuSeconds: number; workingSet: number }> {
    const cur = this.current;
    if (!cur) return;
    const byUid = new Map<string, { pod: Pod; sandbox: string | undefined }>();
    for (const p of this.source.pods()) byUid.set(p.pod.metadata?.uid ?? "", p);
    for (const p of cur.summary.pods) {
      const entry = byUid.get(p.podRef.uid);
      const podCgroup = `/kubepods/pod${p.podRef.uid}`;
      for (const c of p.containers) {
        const info = cur.images.get(`${entry?.sandbox}/${c.name}`);
        const id = info?.id ?? "";
        // The image as the runtime names it in the pod's status (`docker.io/library/nginx:1.27`), as cAdvisor labels it.
        const image = entry?.pod.status?.containerStatuses?.find((s) => s.name === c.name)?.image ?? entry?.pod.spec?.containers.find((s) => s.name === c.name)?.image ?? info?.image ?? "";
        yield {
          labels: { container: c.name, id: `${podCgroup}/${id}`, image, name: id, namespace: p.podRef.namespace, pod: p.podRef.name },
          cpuSeconds: c.cpu.usageCoreNanoSeconds / 1e9,
          workingSet: c.memory.workingSetBytes,
        };
      }
    }
  }

  private *podNetworks(): Generator<{ namespace: string; pod: string; id: string; device: { rxBytes: number; txBytes: number } }> {
    const plane = this.source.dataPlane;
    if (!plane) return;
    for (const { pod, sandbox } of this.source.pods()) {
      if (!sandbox || pod.spec?.hostNetwork) continue;
      const uid = pod.metadata?.uid ?? "";
      const eth0 = plane.namespace(this.source.nodeName, `cni-${uid}`)?.devices.get("eth0");
      if (!eth0) continue;
      yield { namespace: pod.metadata?.namespace ?? "", pod: pod.metadata?.name ?? "", id: `/kubepods/pod${uid}`, device: eth0 };
    }
  }
}

const CADVISOR = ["container", "id", "image", "name", "namespace", "pod"] as const;
