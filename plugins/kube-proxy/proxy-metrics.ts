import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { newMetricsRegistry } from "../../core/metrics/metrics-registry.js";
import type { NetNamespace } from "../../core/net/netns.js";

/** `metrics.ExponentialBuckets(0.001, 2, 15)`: kube-proxy's sync duration buckets. */
const SYNC_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

/**
 * One node's kube-proxy metrics (pkg/proxy/metrics), served on :10249:
 * `kubeproxy_sync_proxy_rules_duration_seconds`, `kubeproxy_sync_full_proxy_rules_duration_seconds`,
 * `kubeproxy_sync_partial_proxy_rules_duration_seconds`,
 * `kubeproxy_sync_proxy_rules_last_timestamp_seconds`, `kubeproxy_sync_proxy_rules_iptables_total{table}`
 * (the rules in kube-proxy's own `KUBE-` chains, read from the node's netfilter at scrape),
 * `kubeproxy_sync_proxy_rules_service_changes_total` and `kubeproxy_sync_proxy_rules_endpoint_changes_total`.
 */
export class KubeProxyMetrics {
  readonly registry: Registry = newMetricsRegistry();
  private readonly duration: Histogram;
  private readonly full: Histogram;
  private readonly partial: Histogram;
  private readonly last: Gauge;
  readonly serviceChanges: Counter;
  readonly endpointChanges: Counter;

  constructor(root: NetNamespace, mode: "iptables" | "ipvs") {
    const registers = [this.registry];
    this.duration = new Histogram({ name: "kubeproxy_sync_proxy_rules_duration_seconds", help: "SyncProxyRules latency in seconds", buckets: SYNC_BUCKETS, registers });
    this.full = new Histogram({ name: "kubeproxy_sync_full_proxy_rules_duration_seconds", help: "SyncProxyRules latency in seconds for full resyncs", buckets: SYNC_BUCKETS, registers });
    this.partial = new Histogram({ name: "kubeproxy_sync_partial_proxy_rules_duration_seconds", help: "SyncProxyRules latency in seconds for partial resyncs", buckets: SYNC_BUCKETS, registers });
    this.last = new Gauge({ name: "kubeproxy_sync_proxy_rules_last_timestamp_seconds", help: "The last time proxy rules were successfully synced", registers });
    this.serviceChanges = new Counter({ name: "kubeproxy_sync_proxy_rules_service_changes_total", help: "Cumulative proxy rules Service changes", registers });
    this.endpointChanges = new Counter({ name: "kubeproxy_sync_proxy_rules_endpoint_changes_total", help: "Cumulative proxy rules Endpoint changes", registers });
    if (mode === "iptables") {
      new Gauge({
        name: "kubeproxy_sync_proxy_rules_iptables_total",
        help: "Total number of iptables rules owned by kube-proxy",
        labelNames: ["table"],
        registers,
        collect() {
          for (const table of ["filter", "nat"] as const) {
            let n = 0;
            for (const chain of root.netfilter.table(table).values()) if (chain.name.startsWith("KUBE-")) n += chain.rules.length;
            this.set({ table }, n);
          }
        },
      });
    }
  }

  /** One successful sync, `seconds` long, finished at `nowMs` (epoch ms). */
  synced(full: boolean, seconds: number, nowMs: number): void {
    this.duration.observe(seconds);
    (full ? this.full : this.partial).observe(seconds);
    this.last.set(nowMs / 1000);
  }
}
