/**
 * The default distribution: the built-in plugins `new Cluster()` and `kubesim up` load unless told
 * otherwise (k3s's bundled add-ons). One list, in no particular order (the plugin host orders by
 * `requires`). Each component joins it when it lands; `new Cluster({ plugins: [...] })` or
 * cluster.yaml's `plugins` replace it, `plugins: []` gives an API-only cluster (envtest's).
 */
export const DEFAULT_PLUGINS: readonly string[] = ["kube-controller-manager", "kube-scheduler", "images", "runtime-containerd", "runtime-docker", "kubelet", "cni-plugins", "cni-kindnet", "kube-proxy", "node-net-tools"];
