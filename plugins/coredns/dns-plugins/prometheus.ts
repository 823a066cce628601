import type { DnsPluginDefinition } from "../server/handler.js";
import { httpPort } from "./http-address.js";
import { PROMETHEUS_TEXT_CONTENT_TYPE } from "../../../core/metrics/metrics-registry.js";

/**
 * `prometheus [ADDRESS]`: the server's metrics (prom-client) at `/metrics` on :9153 in the Prometheus text
 * format, with CoreDNS's names (`coredns_dns_requests_total`, `coredns_dns_responses_total`,
 * `coredns_cache_hits_total`, `coredns_forward_requests_total`, ...). Enables the per-request
 * metrics of its server block.
 */
export const prometheusPlugin: DnsPluginDefinition = {
  name: "prometheus",
  setup(s) {
    if (s.directive.args.length > 1) throw s.reader.argError();
    const port = httpPort(s.reader, s.directive.args[0], 9153);
    s.serveHttp({ port, path: "/metrics", handle: async () => ({ status: 200, body: await s.metrics.exposition(), contentType: PROMETHEUS_TEXT_CONTENT_TYPE }) });
    return {};
  },
};
