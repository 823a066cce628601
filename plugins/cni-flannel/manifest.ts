import type { KubeObject } from "../../core/api/object.js";
import { FLANNEL_CONFLIST } from "./cni-plugin.js";

export const FLANNEL_NAMESPACE = "kube-flannel";
export const FLANNEL_CONFIGMAP = "kube-flannel-cfg";
export const FLANNEL_DAEMONSET = "kube-flannel-ds";
export const FLANNEL_IMAGE = "docker.io/flannel/flannel:v0.26.1";
export const FLANNEL_CNI_PLUGIN_IMAGE = "docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2";

/**
 * The objects of flannel's kube-flannel.yml (v0.26.1): the kube-flannel Namespace (privileged pod
 * security), the flannel ServiceAccount, ClusterRole and binding, the kube-flannel-cfg ConfigMap
 * (`cni-conf.json`, `net-conf.json`) and the kube-flannel-ds DaemonSet (hostNetwork, install-cni
 * init containers, flanneld with `--ip-masq --kube-subnet-mgr`, or `--etcd-endpoints=...` and
 * `--etcd-prefix=...` for the etcd subnet manager).
 */
export function flannelManifest(netConf: string, flanneldArgs: readonly string[] = ["--ip-masq", "--kube-subnet-mgr"]): KubeObject[] {
  const labels = { app: "flannel", "k8s-app": "flannel", tier: "node" };
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: FLANNEL_NAMESPACE, labels: { "k8s-app": "flannel", "pod-security.kubernetes.io/enforce": "privileged" } } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "flannel", labels: { "k8s-app": "flannel" } },
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "flannel", labels: { "k8s-app": "flannel" } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "flannel" },
      subjects: [{ kind: "ServiceAccount", name: "flannel", namespace: FLANNEL_NAMESPACE }],
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "flannel", namespace: FLANNEL_NAMESPACE, labels: { "k8s-app": "flannel" } } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: FLANNEL_CONFIGMAP, namespace: FLANNEL_NAMESPACE, labels: { app: "flannel", "k8s-app": "flannel", tier: "node" } },
      data: { "cni-conf.json": FLANNEL_CONFLIST, "net-conf.json": netConf },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: FLANNEL_DAEMONSET, namespace: FLANNEL_NAMESPACE, labels },
      spec: {
        selector: { matchLabels: { app: "flannel", "k8s-app": "flannel" } },
        template: {
          metadata: { labels },
          spec: {
            affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }] } } },
            containers: [
              {
                name: "kube-flannel",
                image: FLANNEL_IMAGE,
                command: ["/opt/bin/flanneld"],
                args: [...flanneldArgs],
                env: [
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                  { name: "EVENT_QUEUE_DEPTH", value: "5000" },
                ],
                resources: { requests: { cpu: "100m", memory: "50Mi" } },
                securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] }, privileged: false },
                volumeMounts: [
                  { name: "run", mountPath: "/run/flannel" },
                  { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
                  { name: "xtables-lock", mountPath: "/run/xtables.lock" },
                ],
              },
            ],
            hostNetwork: true,
            initContainers: [
              { name: "install-cni-plugin", image: FLANNEL_CNI_PLUGIN_IMAGE, command: ["cp"], args: ["-f", "/flannel", "/opt/cni/bin/flannel"], volumeMounts: [{ name: "cni-plugin", mountPath: "/opt/cni/bin" }] },
              {
                name: "install-cni",
                image: FLANNEL_IMAGE,
                command: ["cp"],
                args: ["-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"],
                volumeMounts: [
                  { name: "cni", mountPath: "/etc/cni/net.d" },
                  { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
                ],
              },
            ],
            priorityClassName: "system-node-critical",
            serviceAccountName: "flannel",
            tolerations: [{ effect: "NoSchedule", operator: "Exists" }],
            volumes: [
              { name: "run", hostPath: { path: "/run/flannel" } },
              { name: "cni-plugin", hostPath: { path: "/opt/cni/bin" } },
              { name: "cni", hostPath: { path: "/etc/cni/net.d" } },
              { name: "flannel-cfg", configMap: { name: FLANNEL_CONFIGMAP } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            ],
          },
        },
      },
    },
  ] as KubeObject[];
}
