import type { KubeObject } from "../../core/api/object.js";
import type { ProxyMode } from "./proxier.js";

export const KUBE_PROXY_IMAGE = "registry.k8s.io/kube-proxy:v1.32.0";
export const KUBE_PROXY_CONFIG_PATH = "/var/lib/kube-proxy/config.conf";

/** kubeadm's KubeProxyConfiguration (`config.conf` of the kube-proxy ConfigMap). */
export function kubeProxyConfiguration(o: { mode: ProxyMode; clusterCidr: string; minSyncPeriodMs: number }): string {
  const minSync = `${o.minSyncPeriodMs / 1000}s`;
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: ${o.clusterCidr}
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: ""
  interfaceNamePrefix: ""
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: ${o.mode === "iptables" ? minSync : "1s"}
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: ${o.mode === "ipvs" ? minSync : "0s"}
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: 0.0.0.0:10249
mode: ${o.mode}
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForVersion: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
`;
}

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://kubesim-control-plane:6443
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
`;

/**
 * What kubeadm's kube-proxy addon phase creates in kube-system: the kube-proxy ServiceAccount,
 * the `kubeadm:node-proxier` ClusterRoleBinding (to `system:node-proxier`), the kube-proxy
 * ConfigMap (`config.conf`: the KubeProxyConfiguration with `mode`; `kubeconfig.conf`) and the
 * kube-proxy DaemonSet (hostNetwork, privileged, every node tolerated, system-node-critical).
 */
export function kubeProxyManifest(config: string): KubeObject[] {
  const labels = { "k8s-app": "kube-proxy" };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "kube-proxy", namespace: "kube-system" } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "kubeadm:node-proxier" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:node-proxier" },
      subjects: [{ kind: "ServiceAccount", name: "kube-proxy", namespace: "kube-system" }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-proxy", namespace: "kube-system", labels: { app: "kube-proxy" } }, data: { "config.conf": config, "kubeconfig.conf": KUBECONFIG } },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "kube-proxy", namespace: "kube-system", labels },
      spec: {
        selector: { matchLabels: labels },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: "system-node-critical",
            hostNetwork: true,
            serviceAccountName: "kube-proxy",
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ operator: "Exists" }],
            containers: [
              {
                name: "kube-proxy",
                image: KUBE_PROXY_IMAGE,
                imagePullPolicy: "IfNotPresent",
                command: ["/usr/local/bin/kube-proxy", `--config=${KUBE_PROXY_CONFIG_PATH}`, "--hostname-override=$(NODE_NAME)"],
                env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } }],
                securityContext: { privileged: true },
                volumeMounts: [
                  { name: "kube-proxy", mountPath: "/var/lib/kube-proxy" },
                  { name: "xtables-lock", mountPath: "/run/xtables.lock" },
                  { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "kube-proxy", configMap: { name: "kube-proxy" } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
              { name: "lib-modules", hostPath: { path: "/lib/modules" } },
            ],
          },
        },
      },
    },
  ];
}
