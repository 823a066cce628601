import type { Pod } from "kubernetes-types/core/v1.js";
import type { DnsConfig } from "../../core/cri/runtime-service.js";

/** Distinct shared settings kept before the table starts over (one per namespace and policy in use: a few per node, every kubelet sharing one table). */
const MAX_SHARED = 1024;

/**
 * The DNS settings of a node's pods (their sandboxes' DnsConfig) and the resolv.conf text the
 * kubelet writes from them, derived from the pod's dnsPolicy and dnsConfig as the kubelet's DNS
 * configurer does. A pod without `spec.dnsConfig` gets settings that depend only on its policy,
 * namespace and the cluster DNS address and domain: one frozen copy per such combination, and one
 * resolv.conf string for it, serve every pod of the node (a node runs hundreds of pods, and memory
 * per pod is a target) — and of every node: nothing here depends on the node, so the kubelets of a
 * process share {@link SHARED_POD_DNS}. Callers must not change what they get.
 */
export class PodDnsSettings {
  private readonly shared = new Map<string, DnsConfig>();
  /** resolv.conf of each shared config. */
  private readonly texts = new WeakMap<DnsConfig, string>();

  config(pod: Pod, clusterDNS: string, clusterDomain: string): DnsConfig {
    const spec = pod.spec;
    if (spec?.dnsConfig) return build(pod, clusterDNS, clusterDomain);
    const key = `${spec?.dnsPolicy ?? "ClusterFirst"}\u0000${spec?.hostNetwork ? "host" : ""}\u0000${pod.metadata?.namespace ?? "default"}\u0000${clusterDNS}\u0000${clusterDomain}`;
    let config = this.shared.get(key);
    if (!config) {
      if (this.shared.size >= MAX_SHARED) this.shared.clear();
      const built = build(pod, clusterDNS, clusterDomain);
      config = Object.freeze({ servers: freeze(built.servers), searches: freeze(built.searches), options: freeze(built.options) });
      this.shared.set(key, config);
      this.texts.set(config, resolvConf(config));
    }
    return config;
  }

  /** The resolv.conf of `config`: `search`, `nameserver` and `options` lines. */
  resolvConf(config: DnsConfig): string {
    return this.texts.get(config) ?? resolvConf(config);
  }
}

/** The one table the kubelets of this process share. */
export const SHARED_POD_DNS = new PodDnsSettings();

const freeze = (list: string[]): string[] => Object.freeze(list) as string[];

function build(pod: Pod, clusterDNS: string, d: string): DnsConfig {
  const spec = pod.spec;
  const policy = spec?.dnsPolicy ?? "ClusterFirst";
  const ns = pod.metadata?.namespace ?? "default";
  let cfg: DnsConfig = { servers: ["172.18.0.1"], searches: [], options: [] };
  if (policy === "ClusterFirst" && !spec?.hostNetwork) cfg = { servers: [clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d], options: ["ndots:5"] };
  else if (policy === "ClusterFirstWithHostNet") cfg = { servers: [clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d], options: ["ndots:5"] };
  else if (policy === "None") cfg = { servers: [], searches: [], options: [] };
  const dc = spec?.dnsConfig;
  if (dc) {
    cfg.servers.push(...(dc.nameservers ?? []));
    cfg.searches.push(...(dc.searches ?? []));
    for (const o of dc.options ?? []) cfg.options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name!);
  }
  return cfg;
}

function resolvConf(cfg: DnsConfig): string {
  // Joined into one flat string (a template literal keeps a tree of pieces).
  const lines: string[] = [];
  if (cfg.searches.length) lines.push(`search ${cfg.searches.join(" ")}`);
  for (const s of cfg.servers) lines.push(`nameserver ${s}`);
  if (cfg.options.length) lines.push(`options ${cfg.options.join(" ")}`);
  lines.push("");
  return lines.join("\n");
}
