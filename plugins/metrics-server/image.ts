import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { ImageDefinition } from "../../core/cri/images.js";
import type { Process, Program } from "../../core/cri/process.js";
import { httpGet, serveHttpConnection } from "../../core/cri/http.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { NetError } from "../../core/net/sockets.js";
import { MetricsStorage } from "./metrics-storage.js";
import { serveMetricsApi } from "./metrics-api.js";
import { decodeResourceMetrics } from "./resource-metrics.js";

/** What the program needs from the cluster: its informers (what it reads through its ServiceAccount in a real cluster). */
export interface MetricsServerImageDeps {
  informers(): SharedInformerFactory | undefined;
}

/** `15s`, `1m`, `500ms` → milliseconds. */
function durationMs(text: string): number | undefined {
  let total = 0;
  let rest = text;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total || undefined;
}

/** klog's header: `I1126 08:15:00.000000       1 file.go:123] `. */
function klog(p: Process, level: "I" | "E", where: string, text: string): void {
  const d = new Date(p.clock.now());
  const two = (n: number): string => String(n).padStart(2, "0");
  const line = `${level}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, "0")}000       1 ${where}] ${text}\n`;
  p.stderr(line);
}

/** The address metrics-server scrapes a node at, by `--kubelet-preferred-address-types`. */
function nodeAddress(node: Node, preferred: readonly string[]): string | undefined {
  for (const type of preferred) {
    const a = node.status?.addresses?.find((x) => x.type === type);
    if (a) return a.address;
  }
  return undefined;
}

function metricsServer(deps: MetricsServerImageDeps): Program {
  return async (p) => {
    const flags = new Map<string, string>();
    for (const a of p.argv.slice(1)) {
      const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
      if (m) flags.set(m[1]!, m[2] ?? "true");
    }
    const resolution = durationMs(flags.get("metric-resolution") ?? "1m");
    if (!resolution || resolution < 10_000) {
      p.stderr(`Error: metric-resolution should be a time duration at least 10s, but value ${JSON.stringify(flags.get("metric-resolution"))} provided\n`);
      return 1;
    }
    const port = Number(flags.get("secure-port") ?? 10250);
    const preferred = (flags.get("kubelet-preferred-address-types") ?? "Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP").split(",");
    const useStatusPort = flags.get("kubelet-use-node-status-port") === "true";
    const kubeletPort = Number(flags.get("kubelet-port") ?? 10250);
    const informers = deps.informers();
    if (!informers) {
      klog(p, "E", "server.go:36", `"Unable to create the client" err="no cluster to read"`);
      return 1;
    }
    const nodes = informers.forResource<Node>("Node");
    const pods = informers.forResource<Pod>("Pod");
    if (informers.all().some((i) => !i.isStarted())) informers.start();
    const storage = new MetricsStorage();
    klog(p, "I", "serving.go:374", `Generated self signed cert (${flags.get("cert-dir") ?? "apiserver.local.config/certificates"}/apiserver.crt, ${flags.get("cert-dir") ?? "apiserver.local.config/certificates"}/apiserver.key)`);
    try {
      p.net.listen("TCP", port, (conn) => serveHttpConnection(conn, (req) => serveMetricsApi({ storage, nodes: () => nodes.lister().list(), pods: () => pods.lister().list() }, req)));
    } catch (err) {
      if (err instanceof NetError && err.code === "EADDRINUSE") {
        klog(p, "E", "server.go:47", `"Failed to start the server" err="failed to create listener: failed to listen on 0.0.0.0:${port}: listen tcp 0.0.0.0:${port}: bind: address already in use"`);
        return 1;
      }
      throw err;
    }
    klog(p, "I", "handler.go:275", "Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager");
    klog(p, "I", "secure_serving.go:213", `Serving securely on [::]:${port}`);
    p.use({ cpuMillis: 4, memoryBytes: 19 * 1024 * 1024 });

    const scrapeNode = async (node: Node): Promise<void> => {
      const name = node.metadata!.name!;
      const host = nodeAddress(node, preferred);
      const at = useStatusPort ? node.status?.daemonEndpoints?.kubeletEndpoint?.Port || kubeletPort : kubeletPort;
      if (!host) {
        klog(p, "E", "scraper.go:149", `"Failed to scrape node" err="unable to fetch metrics from node ${name}: node ${name} has no valid hostname and/or IP address" node="${name}"`);
        return;
      }
      try {
        const res = await httpGet(p.net, { host, port: at, path: "/metrics/resource", timeoutMs: 10_000, clock: p.clock });
        if (res.status !== 200) throw new Error(`request failed, status: "${res.status} ${res.statusText}"`);
        storage.store(name, decodeResourceMetrics(res.body, p.clock.now()));
      } catch (err) {
        const why = err instanceof NetError ? `Get "https://${host}:${at}/metrics/resource": dial tcp ${host}:${at}: connect: ${err.code === "ECONNREFUSED" ? "connection refused" : err.code === "ETIMEDOUT" ? "i/o timeout" : "no route to host"}` : (err as Error).message;
        klog(p, "E", "scraper.go:149", `"Failed to scrape node" err="${why}" node="${name}"`);
      }
    };
    const cycle = async (): Promise<void> => {
      const all = nodes.lister().list();
      storage.retain(new Set(all.map((n) => n.metadata!.name!)));
      await Promise.all(all.map(scrapeNode));
    };
    let stopped = false;
    const done = new Promise<number>((resolve) => {
      p.onSignal((sig) => {
        if (sig === "SIGTERM" || sig === "SIGINT") {
          stopped = true;
          resolve(0);
        }
      });
    });
    const loop = (async (): Promise<void> => {
      try {
        while (!stopped) {
          await cycle();
          await p.sleep(resolution);
        }
      } catch {
        // killed: sleep rejects
      }
    })();
    const code = await done;
    await loop.catch(() => undefined);
    return code;
  };
}

/** metrics-server's image: `/metrics-server` with its release flags. */
export function metricsServerImage(deps: MetricsServerImageDeps): ImageDefinition {
  return {
    repository: "registry.k8s.io/metrics-server/metrics-server",
    tags: ["v0.7.2", "v0.7.1", "v0.7.0"],
    size: 19_458_000,
    layers: ["sha256:metrics-server-v0.7.2-layer-0"],
    config: { entrypoint: ["/metrics-server"], cmd: [], user: "65534" },
    programs: { "metrics-server": metricsServer(deps) },
  };
}
