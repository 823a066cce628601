import type { ImageDefinition } from "../../core/cri/images.js";
import { untilStopped, type Program } from "../../core/cri/process.js";
import { klogLine } from "../../core/log/klog.js";

/**
 * kube-controller-manager's container in kubeadm's static pod: logs the controller manager's
 * start-up lines and runs until stopped. The controllers it stands for are the plugin's in-process
 * ones; its secure port (10257: `/healthz`, `/metrics`) is served on the node by the plugin.
 */
const kubeControllerManager: Program = async (p) => {
  const log = (source: string, message: string): void => p.stderr(klogLine("I", p.clock.now(), source, message));
  log("serving.go:386", "Generated self-signed cert in-memory");
  log("controllermanager.go:185", `"Starting" version="v1.32.0"`);
  log("controllermanager.go:187", `"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""`);
  log("secure_serving.go:213", "Serving securely on 127.0.0.1:10257");
  log("tlsconfig.go:243", `"Starting DynamicServingCertificateController"`);
  log("leaderelection.go:257", "attempting to acquire leader lease kube-system/kube-controller-manager...");
  log("leaderelection.go:271", "successfully acquired lease kube-system/kube-controller-manager");
  return untilStopped(p);
};

/** registry.k8s.io/kube-controller-manager, the image of kubeadm's kube-controller-manager static pod. */
export const KUBE_CONTROLLER_MANAGER_IMAGE: ImageDefinition = {
  repository: "registry.k8s.io/kube-controller-manager",
  tags: ["v1.32.0", "v1.31.4", "v1.30.8"],
  size: 26_258_470,
  layers: ["sha256:distroless-static-debian12-layer-0", "sha256:kube-controller-manager-v1.32.0-layer-0", "sha256:kube-controller-manager-v1.32.0-layer-1"],
  config: { entrypoint: ["kube-controller-manager"] },
  files: { "/usr/local/bin/kube-controller-manager": "" },
  programs: { "kube-controller-manager": kubeControllerManager },
};
