import type { KubeObject } from "../../../core/api/object.js";

/** The Gateway API bundle version these CRDs follow (standard channel). */
export const GATEWAY_API_VERSION = "v1.2.1";
export const GATEWAY_GROUP = "gateway.networking.k8s.io";

type Schema = Record<string, unknown>;
const str: Schema = { type: "string" };
const open: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const openList: Schema = { type: "array", items: open };
const conditionsSchema: Schema = { type: "array", maxItems: 8, items: open };

interface Column {
  name: string;
  jsonPath: string;
  type: string;
}

function crd(kind: string, plural: string, shortNames: string[], versions: { name: string; storage: boolean }[], spec: Schema, columns: Column[], status = true): KubeObject {
  const schema = {
    type: "object",
    required: ["spec"],
    properties: { apiVersion: str, kind: str, metadata: { type: "object" }, spec, ...(status ? { status: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { conditions: conditionsSchema } } } : {}) },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${plural}.${GATEWAY_GROUP}`,
      annotations: { "api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/gateway-api/pull/3328", "gateway.networking.k8s.io/bundle-version": GATEWAY_API_VERSION, "gateway.networking.k8s.io/channel": "standard" },
    },
    spec: {
      group: GATEWAY_GROUP,
      names: { categories: ["gateway-api"], kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames },
      scope: kind === "GatewayClass" ? "Cluster" : "Namespaced",
      versions: versions.map((v) => ({
        name: v.name,
        served: true,
        storage: v.storage,
        schema: { openAPIV3Schema: schema },
        additionalPrinterColumns: [...columns, { jsonPath: ".metadata.creationTimestamp", name: "Age", type: "date" }],
        ...(status ? { subresources: { status: {} } } : {}),
      })),
    },
  } as KubeObject;
}

const v1 = [
  { name: "v1", storage: true },
  { name: "v1beta1", storage: false },
];

/**
 * The standard-channel CRDs (GatewayClass, Gateway, HTTPRoute, ReferenceGrant) with their names,
 * short names, printer columns and status subresources as the bundle has them. Their schemas type
 * the fields kubesim routes on and keep the rest open (see docs/ingress.md).
 */
export function gatewayApiCrds(): KubeObject[] {
  return [
    crd(
      "GatewayClass",
      "gatewayclasses",
      ["gc"],
      v1,
      { type: "object", required: ["controllerName"], properties: { controllerName: { type: "string", minLength: 1, maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$" }, description: { type: "string", maxLength: 64 }, parametersRef: open } },
      [
        { jsonPath: ".spec.controllerName", name: "Controller", type: "string" },
        { jsonPath: `.status.conditions[?(@.type=="Accepted")].status`, name: "Accepted", type: "string" },
      ],
    ),
    crd(
      "Gateway",
      "gateways",
      ["gtw"],
      v1,
      {
        type: "object",
        required: ["gatewayClassName", "listeners"],
        properties: {
          gatewayClassName: { type: "string", minLength: 1, maxLength: 253 },
          addresses: openList,
          infrastructure: open,
          listeners: {
            type: "array",
            minItems: 1,
            maxItems: 64,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            items: {
              type: "object",
              required: ["name", "port", "protocol"],
              properties: { name: { type: "string", minLength: 1, maxLength: 253 }, hostname: { type: "string", minLength: 1, maxLength: 253 }, port: { type: "integer", format: "int32", minimum: 1, maximum: 65535 }, protocol: { type: "string", minLength: 1, maxLength: 255 }, tls: open, allowedRoutes: open },
            },
          },
        },
      },
      [
        { jsonPath: ".spec.gatewayClassName", name: "Class", type: "string" },
        { jsonPath: ".status.addresses[*].value", name: "Address", type: "string" },
        { jsonPath: `.status.conditions[?(@.type=="Programmed")].status`, name: "Programmed", type: "string" },
      ],
    ),
    crd(
      "HTTPRoute",
      "httproutes",
      [],
      v1,
      { type: "object", properties: { parentRefs: { type: "array", maxItems: 32, items: open }, hostnames: { type: "array", maxItems: 16, items: { type: "string", minLength: 1, maxLength: 253 } }, rules: { type: "array", maxItems: 16, items: open } } },
      [{ jsonPath: ".spec.hostnames", name: "Hostnames", type: "string" }],
    ),
    crd(
      "ReferenceGrant",
      "referencegrants",
      ["refgrant"],
      [{ name: "v1beta1", storage: true }],
      { type: "object", required: ["from", "to"], properties: { from: { type: "array", minItems: 1, maxItems: 16, items: open }, to: { type: "array", minItems: 1, maxItems: 16, items: open } } },
      [],
      false,
    ),
  ];
}
