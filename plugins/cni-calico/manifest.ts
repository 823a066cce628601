import type { KubeObject } from "../../core/api/object.js";
import { CALICO_API_VERSION } from "./api-types.js";
import type { PoolSpec } from "./ipam.js";

export const CALICO_VERSION = "v3.28.0";
export const CALICO_NODE_IMAGE = `docker.io/calico/node:${CALICO_VERSION}`;
export const CALICO_CNI_IMAGE = `docker.io/calico/cni:${CALICO_VERSION}`;
export const CALICO_KUBE_CONTROLLERS_IMAGE = `docker.io/calico/kube-controllers:${CALICO_VERSION}`;
export const DEFAULT_POOL = "default-ipv4-ippool";

/**
 * What `kubectl apply -f calico.yaml` creates (the parts that run): the calico-node DaemonSet and
 * calico-kube-controllers Deployment in kube-system with their ServiceAccounts and the
 * calico-config ConfigMap, plus the default IPPool and BGPConfiguration calico-node creates on
 * first start.
 */
export function calicoManifest(pool: PoolSpec, backend: "bird" | "vxlan", mtu: number): KubeObject[] {
  const nodeLabels = { "k8s-app": "calico-node" };
  const kcLabels = { "k8s-app": "calico-kube-controllers" };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "calico-node", namespace: "kube-system" } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "calico-cni-plugin", namespace: "kube-system" } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "calico-kube-controllers", namespace: "kube-system" } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "calico-config", namespace: "kube-system" },
      data: { typha_service_name: "none", calico_backend: backend, veth_mtu: "0", cni_network_config: "(10-calico.conflist template)" },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "calico-node", namespace: "kube-system", labels: nodeLabels },
      spec: {
        selector: { matchLabels: nodeLabels },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: nodeLabels },
          spec: {
            nodeSelector: { "kubernetes.io/os": "linux" },
            hostNetwork: true,
            tolerations: [{ effect: "NoSchedule", operator: "Exists" }, { key: "CriticalAddonsOnly", operator: "Exists" }, { effect: "NoExecute", operator: "Exists" }],
            serviceAccountName: "calico-node",
            terminationGracePeriodSeconds: 0,
            priorityClassName: "system-node-critical",
            initContainers: [
              { name: "upgrade-ipam", image: CALICO_CNI_IMAGE, command: ["/opt/cni/bin/calico-ipam", "-upgrade"], securityContext: { privileged: true } },
              { name: "install-cni", image: CALICO_CNI_IMAGE, command: ["/opt/cni/bin/install"], env: [{ name: "CNI_CONF_NAME", value: "10-calico.conflist" }], securityContext: { privileged: true } },
            ],
            containers: [
              {
                name: "calico-node",
                image: CALICO_NODE_IMAGE,
                env: [
                  { name: "DATASTORE_TYPE", value: "kubernetes" },
                  { name: "WAIT_FOR_DATASTORE", value: "true" },
                  { name: "NODENAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
                  { name: "CALICO_NETWORKING_BACKEND", value: backend },
                  { name: "CLUSTER_TYPE", value: "k8s,bgp" },
                  { name: "IP", value: "autodetect" },
                  { name: "CALICO_IPV4POOL_IPIP", value: pool.ipipMode },
                  { name: "CALICO_IPV4POOL_VXLAN", value: pool.vxlanMode },
                  { name: "CALICO_IPV4POOL_CIDR", value: pool.cidr },
                  { name: "FELIX_IPINIPMTU", value: String(mtu) },
                  { name: "FELIX_DEFAULTENDPOINTTOHOSTACTION", value: "ACCEPT" },
                  { name: "FELIX_HEALTHENABLED", value: "true" },
                ],
                securityContext: { privileged: true },
                resources: { requests: { cpu: "250m" } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "calico-kube-controllers", namespace: "kube-system", labels: kcLabels },
      spec: {
        replicas: 1,
        selector: { matchLabels: kcLabels },
        strategy: { type: "Recreate" },
        template: {
          metadata: { name: "calico-kube-controllers", namespace: "kube-system", labels: kcLabels },
          spec: {
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }, { key: "node-role.kubernetes.io/master", effect: "NoSchedule" }, { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
            serviceAccountName: "calico-kube-controllers",
            priorityClassName: "system-cluster-critical",
            containers: [{ name: "calico-kube-controllers", image: CALICO_KUBE_CONTROLLERS_IMAGE, env: [{ name: "ENABLED_CONTROLLERS", value: "node" }, { name: "DATASTORE_TYPE", value: "kubernetes" }] }],
          },
        },
      },
    },
    {
      apiVersion: CALICO_API_VERSION,
      kind: "IPPool",
      metadata: { name: DEFAULT_POOL },
      spec: { cidr: pool.cidr, blockSize: pool.blockSize, ipipMode: pool.ipipMode, vxlanMode: pool.vxlanMode, natOutgoing: pool.natOutgoing, nodeSelector: pool.nodeSelector, allowedUses: ["Workload", "Tunnel"] },
    },
  ] as KubeObject[];
}
