/**
 * The order plugins run in within a server block, whatever order the Corefile lists them in:
 * CoreDNS's plugin.cfg (compiled in; here one list). Plugins kubesim does not build are kept so
 * a third-party plugin can be placed relative to any of them.
 */
export const PLUGIN_ORDER: readonly string[] = [
  "root", "metadata", "geoip", "cancel", "tls", "timeouts", "reload", "nsid", "bufsize", "bind", "debug", "trace", "ready",
  "health", "pprof", "prometheus", "errors", "log", "dnstap", "local", "dns64", "acl", "any", "chaos", "loadbalance", "tsig",
  "cache", "rewrite", "header", "dnssec", "autopath", "minimal", "template", "transfer", "hosts", "route53", "azure",
  "clouddns", "k8s_external", "kubernetes", "file", "auto", "secondary", "etcd", "loop", "forward", "grpc", "erratic",
  "whoami", "on", "sign", "view",
];

/** The order with third-party plugins inserted at their requested positions (default: before `forward`). */
export function pluginOrder(extra: readonly { name: string; position?: { before: string } | { after: string } }[]): string[] {
  const order = [...PLUGIN_ORDER];
  for (const p of extra) {
    if (order.includes(p.name)) continue;
    const pos = p.position ?? { before: "forward" };
    const anchor = "before" in pos ? pos.before : pos.after;
    const i = order.indexOf(anchor);
    if (i < 0) throw new Error(`DNS plugin "${p.name}" is positioned relative to "${anchor}", which is not in the plugin order`);
    order.splice("before" in pos ? i : i + 1, 0, p.name);
  }
  return order;
}
