import type { ImageDefinition } from "../../core/cri/images.js";
import { type Program, untilStopSignal } from "../../core/cri/process.js";
import { klogLine } from "../../core/log/klog.js";

/**
 * kube-proxy's container: reads `--config` (the KubeProxyConfiguration mounted from the kube-proxy
 * ConfigMap), logs kube-proxy's start-up lines for its mode and runs until stopped. The node's rules
 * are programmed by the kube-proxy node agent this pod stands for (docs/networking.md).
 */
const kubeProxy: Program = async (p) => {
  const flag = (name: string): string | undefined => p.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const configPath = flag("config");
  const log = (source: string, message: string, severity: "I" | "E" = "I"): void => p.stderr(klogLine(severity, p.clock.now(), source, message));
  let mode = "iptables";
  if (configPath) {
    const text = p.fs.read(configPath);
    if (text === undefined) {
      log("run.go:72", `"command failed" err="failed to load kube-proxy config: open ${configPath}: no such file or directory"`, "E");
      return 1;
    }
    mode = /^mode:\s*"?([a-z]*)"?\s*$/m.exec(text)?.[1] || "iptables";
  }
  log("server_linux.go:66", `"Using ${mode} proxy"`);
  log("server.go:698", `"Successfully retrieved node IP(s)" IPs=["${p.net.addresses[0] ?? ""}"]`);
  log("conntrack.go:60", `"Setting nf_conntrack_max" nfConntrackMax=131072`);
  log("server.go:243", `"kube-proxy running in single-stack mode" ipFamily="IPv4"`);
  log("server_linux.go:170", `"Using ${mode} Proxier"`);
  log("server.go:483", `"Version info" version="v1.32.0"`);
  log("config.go:199", `"Starting service config controller"`);
  log("shared_informer.go:313", `Waiting for caches to sync for service config`);
  log("config.go:105", `"Starting endpoint slice config controller"`);
  log("shared_informer.go:313", `Waiting for caches to sync for endpoint slice config`);
  log("config.go:329", `"Starting node config controller"`);
  log("shared_informer.go:313", `Waiting for caches to sync for node config`);
  log("shared_informer.go:320", `Caches are synced for node config`);
  log("shared_informer.go:320", `Caches are synced for service config`);
  log("shared_informer.go:320", `Caches are synced for endpoint slice config`);
  return untilStopSignal(p);
};

/** registry.k8s.io/kube-proxy, the image of the kube-proxy DaemonSet. */
export const KUBE_PROXY_IMAGE_DEFINITION: ImageDefinition = {
  repository: "registry.k8s.io/kube-proxy",
  tags: ["v1.32.0", "v1.31.4", "v1.30.8"],
  size: 30_863_211,
  layers: ["sha256:kube-proxy-v1.32.0-layer-0", "sha256:kube-proxy-v1.32.0-layer-1", "sha256:kube-proxy-v1.32.0-layer-2"],
  config: { entrypoint: ["/usr/local/bin/kube-proxy"] },
  files: { "/usr/local/bin/kube-proxy": "" },
  programs: { "kube-proxy": kubeProxy },
};
