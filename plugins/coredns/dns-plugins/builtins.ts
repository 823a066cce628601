import type { DnsPluginDefinition } from "../server/handler.js";
import { kubernetesPlugin } from "../kubernetes/kubernetes-plugin.js";
import { cachePlugin } from "./cache.js";
import { errorsPlugin } from "./errors.js";
import { forwardPlugin } from "./forward.js";
import { healthPlugin } from "./health.js";
import { hostsPlugin } from "./hosts.js";
import { loadbalancePlugin } from "./loadbalance.js";
import { logPlugin } from "./log.js";
import { loopPlugin } from "./loop.js";
import { prometheusPlugin } from "./prometheus.js";
import { readyPlugin } from "./ready.js";
import { reloadPlugin } from "./reload.js";
import { rewritePlugin } from "./rewrite.js";
import { templatePlugin } from "./template.js";

/** The DNS plugins kubesim's CoreDNS is built with (its plugin.cfg's subset). */
export const BUILTIN_DNS_PLUGINS: readonly DnsPluginDefinition[] = [errorsPlugin, logPlugin, healthPlugin, readyPlugin, kubernetesPlugin, prometheusPlugin, forwardPlugin, cachePlugin, loopPlugin, reloadPlugin, loadbalancePlugin, rewritePlugin, hostsPlugin, templatePlugin];
