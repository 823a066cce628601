import type { Condition } from "kubernetes-types/meta/v1.js";
import { conditionsSchema, defineCustomResource, resourceSchema, type CustomResource } from "../../core/operator/index.js";
import { webAppConversion } from "./webapp-conversion.js";

/** A DNS subdomain (RFC 1123), the host an Ingress rule accepts. */
const HOST_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

export interface WebAppSpec {
  /** The container image serving the app. */
  image: string;
  /** Pods wanted (ignored while `autoscaling` is set: the HPA decides). Default 1. */
  replicas?: number;
  /** The port the container listens on. Default 8080. */
  port?: number;
  /** Serve the app on this host through an Ingress. */
  host?: string;
  /** Scale on CPU with a HorizontalPodAutoscaler. */
  autoscaling?: { minReplicas?: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
}

export interface WebAppStatus {
  observedGeneration?: number;
  replicas?: number;
  availableReplicas?: number;
  /** Where the app answers: `http://<host>/`, or the Service's cluster address. */
  url?: string;
  selector?: string;
  conditions?: Condition[];
}

export type WebApp = CustomResource<WebAppSpec, WebAppStatus>;

/** The status both versions share. */
const statusSchema = {
  properties: {
    observedGeneration: { type: "integer", format: "int64" },
    replicas: { type: "integer" },
    availableReplicas: { type: "integer" },
    url: { type: "string" },
    selector: { type: "string" },
    conditions: conditionsSchema,
  },
};

const scale = { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector" };

/**
 * `webapps.apps.kubesim.dev`: an application team's one-object description of a web app. `v1`
 * (storage) and the deprecated `v1alpha1` (flat fields: `containerPort`, `ingressHost`,
 * `minReplicas`/`maxReplicas`/`targetCPUUtilizationPercentage`) are both served, converted by
 * the operator in process (strategy Webhook; see webapp-conversion.ts).
 */
export const WebAppResource = defineCustomResource<WebAppSpec, WebAppStatus>({
  group: "apps.kubesim.dev",
  kind: "WebApp",
  shortNames: ["wa"],
  categories: ["all"],
  conversion: { convert: webAppConversion, service: { namespace: "kube-system", name: "webapp-operator", path: "/convert" } },
  versions: [
    {
      name: "v1",
      storage: true,
      schema: resourceSchema({
        spec: {
          required: ["image"],
          properties: {
            image: { type: "string", minLength: 1 },
            replicas: { type: "integer", minimum: 0, default: 1 },
            port: { type: "integer", minimum: 1, maximum: 65535, default: 8080 },
            host: { type: "string", pattern: HOST_PATTERN },
            autoscaling: {
              type: "object",
              required: ["maxReplicas"],
              properties: { minReplicas: { type: "integer", minimum: 1 }, maxReplicas: { type: "integer", minimum: 1 }, targetCPUUtilizationPercentage: { type: "integer", minimum: 1, maximum: 100 } },
            },
          },
        },
        status: statusSchema,
      }),
      subresources: { status: true, scale },
      additionalPrinterColumns: [
        { name: "Image", type: "string", jsonPath: ".spec.image" },
        { name: "Desired", type: "integer", jsonPath: ".spec.replicas" },
        { name: "Available", type: "integer", jsonPath: ".status.availableReplicas" },
        { name: "URL", type: "string", jsonPath: ".status.url" },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    },
    {
      name: "v1alpha1",
      deprecated: true,
      deprecationWarning: "apps.kubesim.dev/v1alpha1 WebApp is deprecated; use apps.kubesim.dev/v1 WebApp",
      schema: resourceSchema({
        spec: {
          required: ["image"],
          properties: {
            image: { type: "string", minLength: 1 },
            replicas: { type: "integer", minimum: 0, default: 1 },
            containerPort: { type: "integer", minimum: 1, maximum: 65535, default: 8080 },
            ingressHost: { type: "string", pattern: HOST_PATTERN },
            minReplicas: { type: "integer", minimum: 1 },
            maxReplicas: { type: "integer", minimum: 1 },
            targetCPUUtilizationPercentage: { type: "integer", minimum: 1, maximum: 100 },
          },
          // v1's autoscaling requires maxReplicas: so every v1alpha1 object has a v1 form.
          ...({ "x-kubernetes-validations": [{ rule: "has(self.maxReplicas) || !(has(self.minReplicas) || has(self.targetCPUUtilizationPercentage))", message: "maxReplicas is required with minReplicas or targetCPUUtilizationPercentage", fieldPath: ".maxReplicas", reason: "FieldValueRequired" }] } as object),
        },
        status: statusSchema,
      }),
      subresources: { status: true, scale },
      additionalPrinterColumns: [
        { name: "Image", type: "string", jsonPath: ".spec.image" },
        { name: "Port", type: "integer", jsonPath: ".spec.containerPort" },
        { name: "Host", type: "string", jsonPath: ".spec.ingressHost" },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    },
  ],
});
