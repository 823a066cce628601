import type { KubeObject } from "../../core/api/object.js";
import { hubAndSpokeConversion } from "../../core/operator/index.js";

type Fields = Record<string, unknown>;

/** `obj` without the keys whose value is undefined (a converted spec names only what was set). */
function defined(obj: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}

function specOf(o: KubeObject): Fields {
  return ((o as { spec?: Fields }).spec ?? {}) as Fields;
}

/** v1alpha1's flat spec → v1's: `containerPort` is `port`, `ingressHost` is `host`, the autoscaling fields move under `autoscaling`. */
function toV1(o: KubeObject): KubeObject {
  const { containerPort, ingressHost, minReplicas, maxReplicas, targetCPUUtilizationPercentage, ...rest } = specOf(o);
  const autoscaling = maxReplicas === undefined ? undefined : defined({ minReplicas, maxReplicas, targetCPUUtilizationPercentage });
  return { ...o, spec: defined({ ...rest, port: containerPort, host: ingressHost, autoscaling }) } as KubeObject;
}

/** v1's spec → v1alpha1's flat one (the inverse of {@link toV1}: a round trip loses nothing). */
function toV1alpha1(o: KubeObject): KubeObject {
  const { port, host, autoscaling, ...rest } = specOf(o);
  const a = (autoscaling ?? {}) as Fields;
  return { ...o, spec: defined({ ...rest, containerPort: port, ingressHost: host, minReplicas: a["minReplicas"], maxReplicas: a["maxReplicas"], targetCPUUtilizationPercentage: a["targetCPUUtilizationPercentage"] }) } as KubeObject;
}

/**
 * The WebApp operator's conversion between `v1` (the hub and storage version) and `v1alpha1`,
 * served in process: the API server calls it for every read and write of a version other than
 * the stored one, as it would call the operator's conversion webhook.
 */
export const webAppConversion = hubAndSpokeConversion({ hub: "v1", spokes: { v1alpha1: { toHub: toV1, fromHub: toV1alpha1 } } });
