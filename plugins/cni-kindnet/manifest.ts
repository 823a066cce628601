import type { KubeObject } from "../../core/api/object.js";

export const KINDNET_IMAGE = "docker.io/kindest/kindnetd:v20241108-5c6d2daf";

/**
 * What kind installs for its default CNI (kind's kindnet manifest): the kindnet ClusterRole,
 * binding and ServiceAccount, and the kindnet DaemonSet in kube-system (hostNetwork, every node
 * tolerated, kindnetd with HOST_IP/POD_IP/POD_SUBNET, /etc/cni/net.d from the host, 100m/50Mi).
 */
export function kindnetManifest(podSubnet: string): KubeObject[] {
  const labels = { tier: "node", app: "kindnet", "k8s-app": "kindnet" };
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } });
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "kindnet" },
      rules: [
        { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch", "patch"] },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] },
        { apiGroups: [""], resources: ["namespaces", "pods"], verbs: ["list", "watch"] },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "kindnet" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kindnet" },
      subjects: [{ kind: "ServiceAccount", name: "kindnet", namespace: "kube-system" }],
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "kindnet", namespace: "kube-system" } },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "kindnet", namespace: "kube-system", labels },
      spec: {
        selector: { matchLabels: { app: "kindnet" } },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            tolerations: [{ operator: "Exists" }],
            serviceAccountName: "kindnet",
            containers: [
              {
                name: "kindnet-cni",
                image: KINDNET_IMAGE,
                env: [fieldEnv("HOST_IP", "status.hostIP"), fieldEnv("POD_IP", "status.podIP"), { name: "POD_SUBNET", value: podSubnet }, { name: "CONTROL_PLANE_ENDPOINT", value: "kubesim-control-plane:6443" }],
                volumeMounts: [
                  { name: "cni-cfg", mountPath: "/etc/cni/net.d" },
                  { name: "xtables-lock", mountPath: "/run/xtables.lock", readOnly: false },
                  { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                ],
                resources: { requests: { cpu: "100m", memory: "50Mi" }, limits: { cpu: "100m", memory: "50Mi" } },
                securityContext: { privileged: false, capabilities: { add: ["NET_RAW", "NET_ADMIN"] } },
              },
            ],
            volumes: [
              { name: "cni-cfg", hostPath: { path: "/etc/cni/net.d", type: "DirectoryOrCreate" } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
              { name: "lib-modules", hostPath: { path: "/lib/modules" } },
            ],
          },
        },
      },
    },
  ];
}
