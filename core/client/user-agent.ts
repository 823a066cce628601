import { KUBERNETES_VERSION } from "../apiserver/discovery/version-info.js";

/**
 * A component's User-Agent as client-go builds it (rest.DefaultKubernetesUserAgent):
 * `<command>/<version> (<os>/<arch>) kubernetes/<commit>`, plus rest.AddUserAgent's `/<suffix>`
 * (kube-controller-manager names each controller's client so). kubesim has no build commit, which
 * client-go writes as `unknown`. The API server records a write that names no `fieldManager` under
 * the part before the first `/`: `kubelet`, `kube-scheduler`, `kube-controller-manager`.
 */
export function componentUserAgent(command: string, suffix?: string): string {
  const { major, minor, patch } = KUBERNETES_VERSION;
  const base = `${command}/v${major}.${minor}.${patch} (linux/amd64) kubernetes/unknown`;
  return suffix ? `${base}/${suffix}` : base;
}
