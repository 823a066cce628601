import type { Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import type { ObjectLike } from "../../../../core/index.js";

/**
 * The pod a controller creates from its template (controller.GetPodFromTemplate): the template's
 * labels, annotations, finalizers and spec, `generateName: <owner>-`, the controller reference.
 */
export function podFromTemplate(template: PodTemplateSpec, owner: ObjectLike, ref: OwnerReference, overrides: { name?: string; generateName?: string } = {}): Pod {
  const meta = template.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(overrides.name ? { name: overrides.name } : { generateName: overrides.generateName ?? `${owner.metadata!.name}-` }),
      namespace: owner.metadata!.namespace!,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
      ownerReferences: [ref],
    },
    spec: template.spec!,
  };
}
