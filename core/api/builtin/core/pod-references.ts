import type { Container, EphemeralContainer, Pod, Volume } from "kubernetes-types/core/v1.js";

/** What a pod referencing nothing of a kind gets: one shared, frozen list (no allocation per call). */
const NONE: readonly string[] = Object.freeze([]);

/**
 * Calls `visit` for every container of a pod, init, regular then ephemeral (no array of them is
 * built: these run on every pod event of the Node authorizer's graph and the kubelet's watches).
 */
function eachContainer(pod: Pod, visit: (c: Container | EphemeralContainer) => void): void {
  const spec = pod.spec;
  if (!spec) return;
  if (spec.initContainers) for (const c of spec.initContainers) visit(c);
  if (spec.containers) for (const c of spec.containers) visit(c);
  if (spec.ephemeralContainers) for (const c of spec.ephemeralContainers) visit(c);
}

/**
 * The ConfigMaps a pod references (upstream's `podutil.VisitPodConfigmapNames`, pkg/api/v1/pod): volumes,
 * projections, env and envFrom, in that order, repeats included. Read by the Node authorizer's graph
 * and by the kubelet's object watches. The list is fresh unless empty (then shared): read it, do not keep writing to it.
 */
export function configMapNames(pod: Pod): readonly string[] {
  let out: string[] | undefined;
  const add = (name: string | undefined): void => {
    if (name) (out ??= []).push(name);
  };
  const volumes = pod.spec?.volumes;
  if (volumes) {
    for (const v of volumes) {
      add(v.configMap?.name);
      const sources = v.projected?.sources;
      if (sources) for (const s of sources) add(s.configMap?.name);
    }
  }
  eachContainer(pod, (c) => {
    if (c.env) for (const e of c.env) add(e.valueFrom?.configMapKeyRef?.name);
    if (c.envFrom) for (const f of c.envFrom) add(f.configMapRef?.name);
  });
  return out ?? NONE;
}

/**
 * The Secrets a pod references (upstream's `podutil.VisitPodSecretNames`): image pull secrets,
 * volume sources with a secret (secret, projected, CSI, and the in-tree plugins' secretRefs), env
 * and envFrom, in that order, repeats included. The list is fresh unless empty (then shared).
 */
export function secretNames(pod: Pod): readonly string[] {
  let out: string[] | undefined;
  const add = (name: string | undefined): void => {
    if (name) (out ??= []).push(name);
  };
  const pullSecrets = pod.spec?.imagePullSecrets;
  if (pullSecrets) for (const s of pullSecrets) add(s.name);
  const volumes = pod.spec?.volumes;
  if (volumes) for (const v of volumes) volumeSecretNames(v, add);
  eachContainer(pod, (c) => {
    if (c.env) for (const e of c.env) add(e.valueFrom?.secretKeyRef?.name);
    if (c.envFrom) for (const f of c.envFrom) add(f.secretRef?.name);
  });
  return out ?? NONE;
}

/** A volume's secrets, in upstream's order: its source's own secret, then its projected sources'. */
function volumeSecretNames(v: Volume, add: (name: string | undefined) => void): void {
  add(v.secret?.secretName);
  add(v.azureFile?.secretName);
  add(v.cephfs?.secretRef?.name);
  add(v.cinder?.secretRef?.name);
  add(v.flexVolume?.secretRef?.name);
  add(v.rbd?.secretRef?.name);
  add(v.scaleIO?.secretRef?.name);
  add(v.iscsi?.secretRef?.name);
  add(v.storageos?.secretRef?.name);
  add(v.csi?.nodePublishSecretRef?.name);
  const sources = v.projected?.sources;
  if (sources) for (const s of sources) add(s.secret?.name);
}
