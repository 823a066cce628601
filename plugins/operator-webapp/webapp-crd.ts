import type { Condition } from "kubernetes-types/meta/v1.js";
import { conditionsSchema, defineCustomResource, resourceSchema, type CustomResource } from "../../core/operator/index.js";

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

/** `webapps.apps.kubesim.dev`: an application team's one-object description of a web app. */
export const WebAppResource = defineCustomResource<WebAppSpec, WebAppStatus>({
  group: "apps.kubesim.dev",
  kind: "WebApp",
  shortNames: ["wa"],
  categories: ["all"],
  versions: [
    {
      name: "v1",
      schema: resourceSchema({
        spec: {
          required: ["image"],
          properties: {
            image: { type: "string", minLength: 1 },
            replicas: { type: "integer", minimum: 0, default: 1 },
            port: { type: "integer", minimum: 1, maximum: 65535, default: 8080 },
            host: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" },
            autoscaling: {
              type: "object",
              required: ["maxReplicas"],
              properties: { minReplicas: { type: "integer", minimum: 1 }, maxReplicas: { type: "integer", minimum: 1 }, targetCPUUtilizationPercentage: { type: "integer", minimum: 1, maximum: 100 } },
            },
          },
        },
        status: {
          properties: {
            observedGeneration: { type: "integer", format: "int64" },
            replicas: { type: "integer" },
            availableReplicas: { type: "integer" },
            url: { type: "string" },
            selector: { type: "string" },
            conditions: conditionsSchema,
          },
        },
      }),
      subresources: { status: true, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector" } },
      additionalPrinterColumns: [
        { name: "Image", type: "string", jsonPath: ".spec.image" },
        { name: "Desired", type: "integer", jsonPath: ".spec.replicas" },
        { name: "Available", type: "integer", jsonPath: ".status.availableReplicas" },
        { name: "URL", type: "string", jsonPath: ".status.url" },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    },
  ],
});
