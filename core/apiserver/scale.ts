import type { Scale } from "kubernetes-types/autoscaling/v1.js";
import type { KubeObject } from "../api/object.js";
import { labelSelectorFromObject, labelSelectorFromSet } from "../api/selectors/label-selector.js";
import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";
import type { ScalePaths } from "../api/resource.js";

interface Scalable extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelectorObject | Record<string, string> };
  status?: { replicas?: number };
}

/** The `autoscaling/v1 Scale` view of a Deployment, ReplicaSet, StatefulSet or ReplicationController. */
export function scaleOf(obj: KubeObject): Scale {
  const o = obj as Scalable;
  const m = o.metadata ?? {};
  const selector = o.spec?.selector;
  // ReplicationController selectors are plain maps; the apps kinds use metav1.LabelSelector.
  const text = !selector
    ? ""
    : "matchLabels" in selector || "matchExpressions" in selector
      ? labelSelectorFromObject(selector as LabelSelectorObject).toString()
      : labelSelectorFromSet(selector as Record<string, string>).toString();
  const scale: Scale = {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0 },
  };
  if (text) scale.status!.selector = text;
  return scale;
}

/** `.spec.replicas` → ["spec", "replicas"]: the dotted paths CRD scale subresources use. */
function pathSteps(path: string): string[] {
  return path.split(".").filter(Boolean);
}

function read(obj: unknown, path: string): unknown {
  let v = obj;
  for (const step of pathSteps(path)) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

/** The Scale of a custom resource, read at its CRD's paths (apiextensions-apiserver's scale subresource). */
export function customResourceScaleOf(obj: KubeObject, paths: ScalePaths): Scale {
  const m = obj.metadata ?? {};
  const spec = read(obj, paths.specReplicasPath);
  const status = read(obj, paths.statusReplicasPath);
  const scale: Scale = {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: typeof spec === "number" ? spec : 0 },
    status: { replicas: typeof status === "number" ? status : 0 },
  };
  const selector = paths.labelSelectorPath ? read(obj, paths.labelSelectorPath) : undefined;
  if (typeof selector === "string" && selector) scale.status!.selector = selector;
  return scale;
}

/** Writes `replicas` at a custom resource draft's specReplicasPath, creating missing objects on the way. */
export function setCustomResourceReplicas(draft: KubeObject, paths: ScalePaths, replicas: number): void {
  const steps = pathSteps(paths.specReplicasPath);
  let o = draft as Record<string, unknown>;
  for (const step of steps.slice(0, -1)) {
    const next = o[step];
    o = o[step] = typeof next === "object" && next !== null && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
  }
  o[steps[steps.length - 1]!] = replicas;
}
