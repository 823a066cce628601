import type { ImageDefinition } from "../../../core/cri/images.js";
import { untilStopped, type Process, type Program } from "../../../core/cri/process.js";
import { klogLine } from "../../../core/log/klog.js";

/** A `--name=value` flag of the process's command line. */
function flag(p: Process, name: string): string | undefined {
  return p.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/**
 * kube-apiserver's container in kubeadm's static pod: logs the API server's start-up lines and runs
 * until stopped. The API it stands for is kubesim's in-process API server; the endpoints its
 * probes reach (`/livez`, `/readyz` on the secure port) are served on the node by the cluster's
 * control-plane host, from that server's health.
 */
const kubeApiServer: Program = async (p) => {
  const log = (source: string, message: string): void => p.stderr(klogLine("I", p.clock.now(), source, message));
  const address = flag(p, "advertise-address") ?? p.net.addresses[0] ?? "";
  log("options.go:238", `external host was not specified, using ${address}`);
  log("server.go:143", "Version: v1.32.0");
  log("server.go:145", `"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""`);
  log("shared_informer.go:313", "Waiting for caches to sync for node_authorizer");
  log("plugins.go:157", "Loaded 13 mutating admission controller(s) successfully in the following order: NamespaceLifecycle,LimitRanger,ServiceAccount,NodeRestriction,TaintNodesByCondition,Priority,DefaultTolerationSeconds,DefaultStorageClass,StorageObjectInUseProtection,RuntimeClass,DefaultIngressClass,MutatingAdmissionPolicy,MutatingAdmissionWebhook.");
  log("plugins.go:160", "Loaded 13 validating admission controller(s) successfully in the following order: LimitRanger,ServiceAccount,PodSecurity,Priority,PersistentVolumeClaimResize,RuntimeClass,CertificateApproval,CertificateSigning,ClusterTrustBundleAttest,CertificateSubjectRestriction,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook,ResourceQuota.");
  log("secure_serving.go:213", `Serving securely on [::]:${flag(p, "secure-port") ?? "6443"}`);
  log("shared_informer.go:320", "Caches are synced for node_authorizer");
  log("cache.go:39", "Caches are synced for RemoteAvailability controller");
  log("controller.go:615", "quota admission added evaluator for: leases.coordination.k8s.io");
  return untilStopped(p);
};

/** registry.k8s.io/kube-apiserver, the image of kubeadm's kube-apiserver static pod. */
export const KUBE_APISERVER: ImageDefinition = {
  repository: "registry.k8s.io/kube-apiserver",
  tags: ["v1.32.0", "v1.31.4", "v1.30.8"],
  size: 28_667_427,
  layers: ["sha256:distroless-static-debian12-layer-0", "sha256:kube-apiserver-v1.32.0-layer-0", "sha256:kube-apiserver-v1.32.0-layer-1"],
  config: { entrypoint: ["kube-apiserver"] },
  files: { "/usr/local/bin/kube-apiserver": "" },
  programs: { "kube-apiserver": kubeApiServer },
};
