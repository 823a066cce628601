import { writeFileSync } from "node:fs";
import type { Node, Service } from "kubernetes-types/core/v1.js";
import { stringify } from "yaml";
import type { Client } from "../client/client.js";
import type { ResolvedContext } from "../client/kubeconfig.js";

export interface PrometheusConfigOptions {
  /** How often Prometheus scrapes (default `15s`). */
  scrapeInterval?: string;
  /** Where the API server's CA is written for `tls_config.ca_file` (when the kubeconfig carries it inline). */
  caFile?: string;
  /** Where an inline client certificate and key are written (`cert_file`, `key_file`). */
  certFile?: string;
  keyFile?: string;
}

interface Target {
  path: string;
  labels: Record<string, string>;
}

/**
 * A Prometheus scrape configuration for a running cluster, scraping everything through the API
 * server as a Prometheus outside the cluster does: the API server's `/metrics`, each node's
 * kubelet (`nodes/<node>/proxy/metrics`, `/metrics/cadvisor`, `/metrics/resource`,
 * `/metrics/probes`), kube-proxy (`nodes/<node>:10249/proxy/metrics`), kube-controller-manager and
 * kube-scheduler on the control-plane nodes (`:10257`, `:10259`) and the add-ons' metrics Services
 * that exist (CoreDNS's `kube-dns:metrics`, `kube-state-metrics:http-metrics`,
 * ingress-nginx's `ingress-nginx-controller-metrics:metrics`) through `services/<svc>:<port>/proxy/metrics`.
 * Each job authenticates with the kubeconfig's bearer token or client certificate and trusts its CA.
 * Inline CA/certificate data is written to the given files (Prometheus reads them from files).
 */
export async function prometheusConfig(client: Client, ctx: ResolvedContext, options: PrometheusConfigOptions = {}): Promise<string> {
  const url = new URL(ctx.server);
  const address = url.host;
  const scheme = url.protocol === "https:" ? "https" : "http";
  const auth: Record<string, unknown> = {};
  if (ctx.token) auth["authorization"] = { type: "Bearer", credentials: ctx.token };
  if (scheme === "https") {
    const tls: Record<string, unknown> = {};
    if (ctx.insecureSkipTLSVerify) tls["insecure_skip_verify"] = true;
    else if (ctx.caData) {
      if (!options.caFile) throw new Error("the kubeconfig carries its CA inline: give a file to write it to (--ca-file)");
      writeFileSync(options.caFile, ctx.caData, { mode: 0o644 });
      tls["ca_file"] = options.caFile;
    }
    if (ctx.tlsServerName) tls["server_name"] = ctx.tlsServerName;
    if (ctx.clientCertData && ctx.clientKeyData) {
      if (!options.certFile || !options.keyFile) throw new Error("the kubeconfig authenticates with a client certificate: give files to write it to (--cert-file, --key-file)");
      writeFileSync(options.certFile, ctx.clientCertData, { mode: 0o600 });
      writeFileSync(options.keyFile, ctx.clientKeyData, { mode: 0o600 });
      tls["cert_file"] = options.certFile;
      tls["key_file"] = options.keyFile;
    }
    if (Object.keys(tls).length) auth["tls_config"] = tls;
  }
  const job = (name: string, targets: readonly Target[]) => ({
    job_name: name,
    scheme,
    ...auth,
    static_configs: targets.map((t) => ({ targets: [address], labels: { __metrics_path__: t.path, ...t.labels } })),
  });
  const nodes = (await client.resource<Node>("Node").list()).items.map((n) => ({ name: n.metadata!.name!, controlPlane: n.metadata?.labels?.["node-role.kubernetes.io/control-plane"] !== undefined }));
  const perNode = (port: number | undefined, path: string, only?: (n: (typeof nodes)[number]) => boolean): Target[] =>
    nodes.filter((n) => !only || only(n)).map((n) => ({ path: `/api/v1/nodes/${n.name}${port ? `:${port}` : ""}/proxy${path}`, labels: { instance: n.name, node: n.name } }));
  const jobs = [
    job("kubernetes-apiservers", [{ path: "/metrics", labels: {} }]),
    job("kubernetes-nodes", perNode(undefined, "/metrics")),
    job("kubernetes-cadvisor", perNode(undefined, "/metrics/cadvisor")),
    job("kubernetes-nodes-resource", perNode(undefined, "/metrics/resource")),
    job("kubernetes-nodes-probes", perNode(undefined, "/metrics/probes")),
    job("kube-proxy", perNode(10249, "/metrics")),
    job("kube-controller-manager", perNode(10257, "/metrics", (n) => n.controlPlane)),
    job("kube-scheduler", perNode(10259, "/metrics", (n) => n.controlPlane)),
  ].filter((j) => j.static_configs.length > 0);
  // Add-ons scraped through their metrics Service, when the cluster has them.
  const services = (await client.resource<Service>("Service").list()).items;
  const addons: [job: string, service: string, port: string][] = [
    ["coredns", "kube-dns", "metrics"],
    ["kube-state-metrics", "kube-state-metrics", "http-metrics"],
    ["ingress-nginx", "ingress-nginx-controller-metrics", "metrics"],
  ];
  for (const [name, service, port] of addons) {
    const svc = services.find((s) => s.metadata?.name === service && s.spec?.ports?.some((p) => p.name === port));
    if (!svc) continue;
    const ns = svc.metadata!.namespace!;
    jobs.push(job(name, [{ path: `/api/v1/namespaces/${ns}/services/${service}:${port}/proxy/metrics`, labels: { namespace: ns, service } }]));
  }
  const config = { global: { scrape_interval: options.scrapeInterval ?? "15s", evaluation_interval: options.scrapeInterval ?? "15s" }, scrape_configs: jobs };
  return `# Prometheus scrape configuration for the cluster at ${ctx.server} (kubesim prometheus-config)\n${stringify(config)}`;
}
