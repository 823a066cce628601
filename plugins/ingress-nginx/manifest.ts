import type { KubeObject } from "../../core/api/object.js";
import { CLASS_NAME, CONTROLLER_CLASS, WEBHOOK_NAME } from "./admission.js";
import { CONTROLLER_VERSION } from "./nginx-conf.js";
import type { ControllerFlags } from "./controller.js";

export const NAMESPACE = "ingress-nginx";
export const CONTROLLER_NAME = "ingress-nginx-controller";
/** The Service in front of the controller pods' validating webhook (:8443) and the Secret holding its serving certificate. */
export const ADMISSION_NAME = `${CONTROLLER_NAME}-admission`;
export const ADMISSION_SECRET = "ingress-nginx-admission";
/** Where the controller reads the webhook's certificate and key (the Secret's `cert` and `key`). */
export const WEBHOOK_CERT_DIR = "/usr/local/certificates/";
export const WEBHOOK_PATH = "/networking/v1/ingresses";
export const CONTROLLER_IMAGE = `registry.k8s.io/ingress-nginx/controller:${CONTROLLER_VERSION}`;
const LABELS = { "app.kubernetes.io/component": "controller", "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/part-of": "ingress-nginx", "app.kubernetes.io/version": CONTROLLER_VERSION.slice(1) };
const ADMISSION_LABELS = { ...LABELS, "app.kubernetes.io/component": "admission-webhook" };
const SELECTOR = { "app.kubernetes.io/component": "controller", "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/name": "ingress-nginx" };

/**
 * The objects of ingress-nginx's `deploy/static/provider/cloud/deploy.yaml` that matter to a
 * cluster: the namespace, the controller's ServiceAccount, ConfigMap, Deployment and Service
 * (LoadBalancer), the admission Service and ValidatingWebhookConfiguration `ingress-nginx-admission`
 * (its caBundle and the `ingress-nginx-admission` Secret from `webhookCert`, which upstream's
 * kube-webhook-certgen Jobs generate and patch in), the metrics Service the Helm chart adds with `controller.metrics.enabled`
 * (`ingress-nginx-controller-metrics`, port 10254), and the `nginx` IngressClass (marked default when `defaultClass`);
 * `flags` add the controller's arguments (`--default-backend-service`, as the chart adds with `defaultBackend.enabled`).
 */
export function ingressNginxManifest(defaultClass: boolean, webhookCert: { certPem: string; keyPem: string }, flags: ControllerFlags = {}): KubeObject[] {
  const pem = (text: string): string => Buffer.from(text).toString("base64");
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE, labels: { "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/name": "ingress-nginx" } } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ingress-nginx", namespace: NAMESPACE, labels: LABELS } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: CONTROLLER_NAME, namespace: NAMESPACE, labels: LABELS }, data: { "allow-snippet-annotations": "false" } },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: CONTROLLER_NAME, namespace: NAMESPACE, labels: LABELS },
      spec: {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
        ports: [
          { name: "http", port: 80, protocol: "TCP", targetPort: "http", appProtocol: "http" },
          { name: "https", port: 443, protocol: "TCP", targetPort: "https", appProtocol: "https" },
        ],
        selector: SELECTOR,
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: ADMISSION_NAME, namespace: NAMESPACE, labels: LABELS },
      spec: { type: "ClusterIP", ports: [{ name: "https-webhook", port: 443, targetPort: "webhook", appProtocol: "https" }], selector: SELECTOR },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: ADMISSION_SECRET, namespace: NAMESPACE, labels: ADMISSION_LABELS },
      data: { ca: pem(webhookCert.certPem), cert: pem(webhookCert.certPem), key: pem(webhookCert.keyPem) },
    },
    {
      // The Helm chart's controller-service-metrics.yaml (`controller.metrics.enabled: true`).
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `${CONTROLLER_NAME}-metrics`, namespace: NAMESPACE, labels: LABELS },
      spec: { type: "ClusterIP", ports: [{ name: "metrics", port: 10254, protocol: "TCP", targetPort: "metrics" }], selector: SELECTOR },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: CONTROLLER_NAME, namespace: NAMESPACE, labels: LABELS },
      spec: {
        minReadySeconds: 0,
        revisionHistoryLimit: 10,
        selector: { matchLabels: SELECTOR },
        strategy: { rollingUpdate: { maxUnavailable: 1 }, type: "RollingUpdate" },
        template: {
          metadata: { labels: LABELS },
          spec: {
            containers: [
              {
                name: "controller",
                image: CONTROLLER_IMAGE,
                imagePullPolicy: "IfNotPresent",
                args: [
                  "/nginx-ingress-controller",
                  "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
                  "--election-id=ingress-nginx-leader",
                  `--controller-class=${CONTROLLER_CLASS}`,
                  `--ingress-class=${CLASS_NAME}`,
                  ...(flags.defaultBackendService ? [`--default-backend-service=${flags.defaultBackendService}`] : []),
                  "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller",
                  "--validating-webhook=:8443",
                  `--validating-webhook-certificate=${WEBHOOK_CERT_DIR}cert`,
                  `--validating-webhook-key=${WEBHOOK_CERT_DIR}key`,
                ],
                env: [
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                  { name: "LD_PRELOAD", value: "/usr/local/lib/libmimalloc.so" },
                ],
                ports: [
                  { containerPort: 80, name: "http", protocol: "TCP" },
                  { containerPort: 443, name: "https", protocol: "TCP" },
                  { containerPort: 8443, name: "webhook", protocol: "TCP" },
                  { containerPort: 10254, name: "metrics", protocol: "TCP" },
                ],
                livenessProbe: { httpGet: { path: "/healthz", port: 10254, scheme: "HTTP" }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 5 },
                readinessProbe: { httpGet: { path: "/healthz", port: 10254, scheme: "HTTP" }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
                resources: { requests: { cpu: "100m", memory: "90Mi" } },
                volumeMounts: [{ mountPath: WEBHOOK_CERT_DIR, name: "webhook-cert", readOnly: true }],
              },
            ],
            volumes: [{ name: "webhook-cert", secret: { secretName: ADMISSION_SECRET } }],
            dnsPolicy: "ClusterFirst",
            nodeSelector: { "kubernetes.io/os": "linux" },
            serviceAccountName: "ingress-nginx",
            terminationGracePeriodSeconds: 300,
          },
        },
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: CLASS_NAME, labels: LABELS, ...(defaultClass ? { annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } } : {}) },
      spec: { controller: CONTROLLER_CLASS },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: ADMISSION_SECRET, labels: ADMISSION_LABELS },
      webhooks: [
        {
          name: WEBHOOK_NAME,
          admissionReviewVersions: ["v1"],
          clientConfig: { service: { name: ADMISSION_NAME, namespace: NAMESPACE, path: WEBHOOK_PATH, port: 443 }, caBundle: pem(webhookCert.certPem) },
          failurePolicy: "Fail",
          matchPolicy: "Equivalent",
          rules: [{ apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["ingresses"] }],
          sideEffects: "None",
        },
      ],
    } as KubeObject,
  ];
}
