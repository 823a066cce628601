import type { Container, EphemeralContainer, Pod } from "kubernetes-types/core/v1.js";

/** Every container of a pod: init, regular and ephemeral. */
function containersOf(pod: Pod): (Container | EphemeralContainer)[] {
  const spec = pod.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
}

/**
 * The ConfigMaps a pod references (upstream's `podutil.VisitPodConfigmapNames`, pkg/api/v1/pod): volumes,
 * projections, env and envFrom. Read by the Node authorizer's graph and by the kubelet's object watches.
 */
export function* configMapNames(pod: Pod): Iterable<string> {
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) yield v.configMap.name;
    for (const s of v.projected?.sources ?? []) if (s.configMap?.name) yield s.configMap.name;
  }
  for (const c of containersOf(pod)) {
    for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef?.name) yield e.valueFrom.configMapKeyRef.name;
    for (const f of c.envFrom ?? []) if (f.configMapRef?.name) yield f.configMapRef.name;
  }
}

/**
 * The Secrets a pod references (upstream's `podutil.VisitPodSecretNames`): image pull secrets,
 * volume sources with a secret (secret, projected, CSI, and the in-tree plugins' secretRefs), env
 * and envFrom.
 */
export function* secretNames(pod: Pod): Iterable<string> {
  for (const s of pod.spec?.imagePullSecrets ?? []) if (s.name) yield s.name;
  for (const v of pod.spec?.volumes ?? []) {
    const names = [v.secret?.secretName, v.azureFile?.secretName, v.cephfs?.secretRef?.name, v.cinder?.secretRef?.name, v.flexVolume?.secretRef?.name, v.rbd?.secretRef?.name, v.scaleIO?.secretRef?.name, v.iscsi?.secretRef?.name, v.storageos?.secretRef?.name, v.csi?.nodePublishSecretRef?.name];
    for (const s of v.projected?.sources ?? []) names.push(s.secret?.name);
    for (const n of names) if (n) yield n;
  }
  for (const c of containersOf(pod)) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) yield e.valueFrom.secretKeyRef.name;
    for (const f of c.envFrom ?? []) if (f.secretRef?.name) yield f.secretRef.name;
  }
}
