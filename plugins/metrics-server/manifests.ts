import type { KubeObject } from "../../core/api/object.js";

/** The image metrics-server's release manifest runs. */
export const METRICS_SERVER_IMAGE = "registry.k8s.io/metrics-server/metrics-server:v0.7.2";

const LABELS = { "k8s-app": "metrics-server" };

/**
 * metrics-server's `components.yaml` (v0.7.2) with kind's `--kubelet-insecure-tls`: its
 * ServiceAccount and RBAC, the Service, the Deployment and the `v1beta1.metrics.k8s.io` APIService.
 */
export function metricsServerObjects(options: { metricResolution?: string } = {}): KubeObject[] {
  const ns = "kube-system";
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "metrics-server", namespace: ns, labels: LABELS } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole",
      metadata: { name: "system:aggregated-metrics-reader", labels: { ...LABELS, "rbac.authorization.k8s.io/aggregate-to-admin": "true", "rbac.authorization.k8s.io/aggregate-to-edit": "true", "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
      rules: [{ apiGroups: ["metrics.k8s.io"], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "system:metrics-server", labels: LABELS },
      rules: [{ apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] }, { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "metrics-server-auth-reader", namespace: ns, labels: LABELS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "extension-apiserver-authentication-reader" },
      subjects: [{ kind: "ServiceAccount", name: "metrics-server", namespace: ns }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "metrics-server:system:auth-delegator", labels: LABELS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
      subjects: [{ kind: "ServiceAccount", name: "metrics-server", namespace: ns }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "system:metrics-server", labels: LABELS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:metrics-server" },
      subjects: [{ kind: "ServiceAccount", name: "metrics-server", namespace: ns }],
    },
    {
      apiVersion: "v1", kind: "Service", metadata: { name: "metrics-server", namespace: ns, labels: LABELS },
      spec: { ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: "https" }], selector: LABELS },
    },
    {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "metrics-server", namespace: ns, labels: LABELS },
      spec: {
        selector: { matchLabels: LABELS },
        strategy: { rollingUpdate: { maxUnavailable: 0 } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            containers: [{
              name: "metrics-server",
              image: METRICS_SERVER_IMAGE,
              imagePullPolicy: "IfNotPresent",
              args: ["--cert-dir=/tmp", "--secure-port=10250", "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname", "--kubelet-use-node-status-port", `--metric-resolution=${options.metricResolution ?? "15s"}`, "--kubelet-insecure-tls"],
              ports: [{ containerPort: 10250, name: "https", protocol: "TCP" }],
              livenessProbe: { failureThreshold: 3, httpGet: { path: "/livez", port: "https", scheme: "HTTPS" }, periodSeconds: 10 },
              readinessProbe: { failureThreshold: 3, httpGet: { path: "/readyz", port: "https", scheme: "HTTPS" }, initialDelaySeconds: 20, periodSeconds: 10 },
              resources: { requests: { cpu: "100m", memory: "200Mi" } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
              volumeMounts: [{ mountPath: "/tmp", name: "tmp-dir" }],
            }],
            nodeSelector: { "kubernetes.io/os": "linux" },
            priorityClassName: "system-cluster-critical",
            serviceAccountName: "metrics-server",
            volumes: [{ emptyDir: {}, name: "tmp-dir" }],
          },
        },
      },
    },
    {
      apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: { name: "v1beta1.metrics.k8s.io", labels: LABELS },
      spec: { group: "metrics.k8s.io", groupPriorityMinimum: 100, insecureSkipTLSVerify: true, service: { name: "metrics-server", namespace: ns }, version: "v1beta1", versionPriority: 100 },
    },
  ] as KubeObject[];
}
