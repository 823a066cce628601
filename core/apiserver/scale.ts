import type { Scale } from "kubernetes-types/autoscaling/v1.js";
import type { KubeObject } from "../api/object.js";
import { labelSelectorFromObject, labelSelectorFromSet } from "../api/selectors/label-selector.js";
import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";

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
