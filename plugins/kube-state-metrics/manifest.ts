import type { KubeObject } from "../../core/api/object.js";

/** The release deployed (supports Kubernetes 1.32). */
export const KSM_VERSION = "2.15.0";
export const KSM_IMAGE = `registry.k8s.io/kube-state-metrics/kube-state-metrics:v${KSM_VERSION}`;
export const KSM_NAMESPACE = "kube-system";

const labels = { "app.kubernetes.io/component": "exporter", "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/version": KSM_VERSION };

/** The resources (plural, API group) kube-state-metrics lists and watches: its ClusterRole's rules. */
const RBAC: [string, string[]][] = [
  ["", ["configmaps", "secrets", "nodes", "pods", "services", "serviceaccounts", "resourcequotas", "replicationcontrollers", "limitranges", "persistentvolumeclaims", "persistentvolumes", "namespaces", "endpoints"]],
  ["apps", ["statefulsets", "daemonsets", "deployments", "replicasets"]],
  ["batch", ["cronjobs", "jobs"]],
  ["autoscaling", ["horizontalpodautoscalers"]],
  ["authentication.k8s.io", ["tokenreviews"]],
  ["authorization.k8s.io", ["subjectaccessreviews"]],
  ["policy", ["poddisruptionbudgets"]],
  ["certificates.k8s.io", ["certificatesigningrequests"]],
  ["discovery.k8s.io", ["endpointslices"]],
  ["storage.k8s.io", ["storageclasses", "volumeattachments"]],
  ["admissionregistration.k8s.io", ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]],
  ["networking.k8s.io", ["networkpolicies", "ingressclasses", "ingresses"]],
  ["coordination.k8s.io", ["leases"]],
  ["rbac.authorization.k8s.io", ["clusterrolebindings", "clusterroles", "rolebindings", "roles"]],
];

/**
 * kube-state-metrics' standard example (examples/standard): ServiceAccount, ClusterRole and
 * binding, the Deployment (one replica, ports `http-metrics` 8080 and `telemetry` 8081, probes on
 * /livez and /readyz) and the headless Service `kube-state-metrics`, in kube-system.
 */
export function kubeStateMetricsObjects(options: { args?: readonly string[] } = {}): KubeObject[] {
  const ns = KSM_NAMESPACE;
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "kube-state-metrics", namespace: ns, labels }, automountServiceAccountToken: false },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "kube-state-metrics", labels },
      rules: RBAC.map(([group, resources]) => ({ apiGroups: [group], resources, verbs: group.startsWith("authentication") || group.startsWith("authorization") ? ["create"] : ["list", "watch"] })),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "kube-state-metrics", labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kube-state-metrics" },
      subjects: [{ kind: "ServiceAccount", name: "kube-state-metrics", namespace: ns }],
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "kube-state-metrics", namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { "app.kubernetes.io/name": "kube-state-metrics" } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: true,
            containers: [
              {
                name: "kube-state-metrics",
                image: KSM_IMAGE,
                ...(options.args?.length ? { args: [...options.args] } : {}),
                livenessProbe: { httpGet: { path: "/livez", port: "http-metrics" }, initialDelaySeconds: 5, timeoutSeconds: 5 },
                readinessProbe: { httpGet: { path: "/readyz", port: "telemetry" }, initialDelaySeconds: 5, timeoutSeconds: 5 },
                ports: [
                  { containerPort: 8080, name: "http-metrics" },
                  { containerPort: 8081, name: "telemetry" },
                ],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
              },
            ],
            nodeSelector: { "kubernetes.io/os": "linux" },
            serviceAccountName: "kube-state-metrics",
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-state-metrics", namespace: ns, labels },
      spec: {
        clusterIP: "None",
        ports: [
          { name: "http-metrics", port: 8080, targetPort: "http-metrics" },
          { name: "telemetry", port: 8081, targetPort: "telemetry" },
        ],
        selector: { "app.kubernetes.io/name": "kube-state-metrics" },
      },
    },
  ] as KubeObject[];
}
