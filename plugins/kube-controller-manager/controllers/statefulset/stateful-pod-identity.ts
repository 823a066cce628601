import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from "kubernetes-types/core/v1.js";
import type { StatefulSet } from "kubernetes-types/apps/v1.js";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { CONTROLLER_REVISION_HASH } from "../workload/controller-revision.js";
import { podFromTemplate } from "../workload/pod-template.js";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/** The ordinal of a pod named `<set>-<i>`, or -1 when the name is not of that form (getParentNameAndOrdinal). */
export function ordinalOf(set: StatefulSet, pod: Pod): number {
  const name = pod.metadata?.name ?? "";
  const prefix = `${set.metadata!.name}-`;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

/** `<template>-<set>-<ordinal>`: the claim of one volumeClaimTemplate for one ordinal (getPersistentVolumeClaimName). */
export function claimName(set: StatefulSet, template: string, ordinal: number): string {
  return `${template}-${set.metadata!.name}-${ordinal}`;
}

/** The claims a pod of `ordinal` uses, labelled with the set's matchLabels (getPersistentVolumeClaims). */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      name: claimName(set, t.metadata!.name!, ordinal),
      namespace: set.metadata!.namespace!,
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
    },
    spec: t.spec ?? {},
  }));
}

/**
 * The pod of `ordinal` from `template` at `revision` (newVersionedStatefulSetPod): name
 * `<set>-<ordinal>`, hostname = name, subdomain = serviceName, the pod-name, pod-index and
 * controller-revision-hash labels, and one persistentVolumeClaim volume per claim template.
 */
export function statefulPod(set: StatefulSet, template: PodTemplateSpec, revision: string, ordinal: number, ref: OwnerReference): Pod {
  const name = `${set.metadata!.name}-${ordinal}`;
  const labels = { ...(template.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH]: revision };
  const claims = (set.spec?.volumeClaimTemplates ?? []).map((t): Volume => ({ name: t.metadata!.name!, persistentVolumeClaim: { claimName: claimName(set, t.metadata!.name!, ordinal) } }));
  const spec = template.spec!;
  const volumes = [...(spec.volumes ?? []).filter((v) => !claims.some((c) => c.name === v.name)), ...claims];
  return podFromTemplate(
    {
      metadata: { ...template.metadata, labels },
      spec: { ...spec, hostname: name, ...(set.spec?.serviceName ? { subdomain: set.spec.serviceName } : {}), ...(volumes.length ? { volumes } : {}) },
    },
    set,
    ref,
    { name },
  );
}
