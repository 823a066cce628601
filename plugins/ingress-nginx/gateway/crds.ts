import type { KubeObject } from "../../../core/api/object.js";
import standardCrds from "./standard-crds.json" with { type: "json" };

/** The Gateway API bundle version these CRDs are (standard channel). */
export const GATEWAY_API_VERSION = "v1.2.1";
export const GATEWAY_GROUP = "gateway.networking.k8s.io";

/**
 * The standard-channel CRDs of Gateway API v1.2.1 exactly as the project ships them
 * (`config/crd/standard/gateway.networking.k8s.io_{gatewayclasses,gateways,httproutes,grpcroutes,referencegrants}.yaml`,
 * converted to JSON without `creationTimestamp`/`status`): every version (v1 and v1beta1), the full
 * OpenAPI schemas with defaults, patterns, list types and the CEL `x-kubernetes-validations` rules,
 * printer columns and status subresources. The API server validates Gateway API objects against
 * them as a real cluster with `kubectl apply -f standard-install.yaml` does.
 */
export function gatewayApiCrds(): KubeObject[] {
  return structuredClone(standardCrds) as unknown as KubeObject[];
}
