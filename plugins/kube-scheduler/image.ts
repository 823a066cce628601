import type { ImageDefinition } from "../../core/cri/images.js";
import { untilStopped, type Program } from "../../core/cri/process.js";
import { klogLine } from "../../core/log/klog.js";

/**
 * kube-scheduler's container in kubeadm's static pod: logs the scheduler's start-up lines and runs
 * until stopped. The scheduler it stands for is the plugin's in-process one; its secure port
 * (10259: `/livez`, `/readyz`, `/healthz`, `/metrics`) is served on the node by the plugin.
 */
const kubeScheduler: Program = async (p) => {
  const log = (source: string, message: string): void => p.stderr(klogLine("I", p.clock.now(), source, message));
  log("serving.go:386", "Generated self-signed cert in-memory");
  log("server.go:167", `"Starting Kubernetes Scheduler" version="v1.32.0"`);
  log("server.go:169", `"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""`);
  log("secure_serving.go:213", "Serving securely on 127.0.0.1:10259");
  log("tlsconfig.go:243", `"Starting DynamicServingCertificateController"`);
  log("leaderelection.go:257", "attempting to acquire leader lease kube-system/kube-scheduler...");
  log("leaderelection.go:271", "successfully acquired lease kube-system/kube-scheduler");
  return untilStopped(p);
};

/** registry.k8s.io/kube-scheduler, the image of kubeadm's kube-scheduler static pod. */
export const KUBE_SCHEDULER_IMAGE: ImageDefinition = {
  repository: "registry.k8s.io/kube-scheduler",
  tags: ["v1.32.0", "v1.31.4", "v1.30.8"],
  size: 20_656_471,
  layers: ["sha256:distroless-static-debian12-layer-0", "sha256:kube-scheduler-v1.32.0-layer-0", "sha256:kube-scheduler-v1.32.0-layer-1"],
  config: { entrypoint: ["kube-scheduler"] },
  files: { "/usr/local/bin/kube-scheduler": "" },
  programs: { "kube-scheduler": kubeScheduler },
};
