/**
 * The default distribution: the built-in plugins `new Cluster()` and `kubesim up` load unless told
 * otherwise. One list, in no particular order (the plugin host orders by `requires`). Each
 * component joins it when it lands; `new Cluster({ plugins: [...] })` replaces it (`plugins: []`
 * gives an API-only cluster, envtest's), while `cluster.use(...)` and cluster.yaml's `plugins` add
 * to it (an entry for a default plugin configures it rather than loading it twice). `kubesim up`
 * also adds the add-ons k3s ships: coredns and ingress-nginx.
 */
export const DEFAULT_PLUGINS: readonly string[] = ["kube-controller-manager", "kube-scheduler", "images", "runtime-containerd", "runtime-docker", "kubelet", "cni-plugins", "cni-flannel", "kube-proxy", "node-net-tools", "csi-sidecars", "csi-hostpath"];

/** The pod network of the default distribution (flannel, vxlan backend, as kind and k3s each ship one); `kubesim up --cni` replaces it. */
export const DEFAULT_POD_NETWORK = "cni-flannel";
