import type { Container, ContainerPort, EnvVar, PodSpec, Probe, Volume } from "kubernetes-types/core/v1.js";

/**
 * SetDefaults_PodSpec and the per-field defaulters it reaches (pkg/apis/core/v1/defaults.go),
 * applied in place. Cheap: one pass over containers, no copies. Pod-only defaults (enable
 * service links, requests from limits) live in {@link defaultPodOnlyFields}.
 */
export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= "ClusterFirst";
  spec.restartPolicy ||= "Always";
  spec.securityContext ??= {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) spec.terminationGracePeriodSeconds = 30;
  spec.schedulerName ||= "default-scheduler";
  const hostNetwork = spec.hostNetwork === true;
  if (spec.containers) for (const c of spec.containers) defaultContainer(c, hostNetwork);
  if (spec.initContainers) for (const c of spec.initContainers) defaultContainer(c, hostNetwork);
  if (spec.ephemeralContainers) for (const c of spec.ephemeralContainers) defaultContainer(c as Container, hostNetwork);
  if (spec.volumes) for (const v of spec.volumes) defaultVolume(v);
}

/**
 * What SetDefaults_Pod adds for a Pod (not for templates): enableServiceLinks true, requests
 * copied from limits where unset, a negative grace period raised to 1.
 */
export function defaultPodOnlyFields(spec: PodSpec): void {
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0) spec.terminationGracePeriodSeconds = 1;
  if (spec.containers) for (const c of spec.containers) defaultRequestsFromLimits(c);
  if (spec.initContainers) for (const c of spec.initContainers) defaultRequestsFromLimits(c);
}

function defaultRequestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits) return;
  const resources = c.resources!;
  for (const name in limits) {
    resources.requests ??= {};
    if (resources.requests[name] === undefined) resources.requests[name] = limits[name]!;
  }
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image ?? "") === "latest" ? "Always" : "IfNotPresent";
  c.terminationMessagePath ||= "/dev/termination-log";
  c.terminationMessagePolicy ||= "File";
  if (c.ports) for (const p of c.ports) defaultContainerPort(p, hostNetwork);
  if (c.env) for (const e of c.env) defaultEnvVar(e);
  if (c.livenessProbe) defaultProbe(c.livenessProbe);
  if (c.readinessProbe) defaultProbe(c.readinessProbe);
  if (c.startupProbe) defaultProbe(c.startupProbe);
  const lifecycle = c.lifecycle;
  if (lifecycle?.postStart?.httpGet) defaultHttpGet(lifecycle.postStart.httpGet);
  if (lifecycle?.preStop?.httpGet) defaultHttpGet(lifecycle.preStop.httpGet);
}

function defaultContainerPort(p: ContainerPort, hostNetwork: boolean): void {
  p.protocol ||= "TCP";
  if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
}

function defaultEnvVar(e: EnvVar): void {
  const fieldRef = e.valueFrom?.fieldRef;
  if (fieldRef) fieldRef.apiVersion ||= "v1";
}

function defaultProbe(p: Probe): void {
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  if (p.httpGet) defaultHttpGet(p.httpGet);
  if (p.grpc && p.grpc.service === undefined) p.grpc.service = "";
}

function defaultHttpGet(h: { path?: string; scheme?: string }): void {
  h.path ||= "/";
  h.scheme ||= "HTTP";
}

const DEFAULT_FILE_MODE = 0o644;

function defaultVolume(v: Volume): void {
  if (!hasVolumeSource(v)) {
    v.emptyDir = {};
    return;
  }
  if (v.secret) v.secret.defaultMode ??= DEFAULT_FILE_MODE;
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_FILE_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_FILE_MODE;
    if (v.downwardAPI.items) for (const item of v.downwardAPI.items) if (item.fieldRef) item.fieldRef.apiVersion ||= "v1";
  }
  if (v.projected) {
    v.projected.defaultMode ??= DEFAULT_FILE_MODE;
    if (v.projected.sources) {
      for (const s of v.projected.sources) {
        if (s.serviceAccountToken) s.serviceAccountToken.expirationSeconds ??= 3600;
        if (s.downwardAPI?.items) for (const item of s.downwardAPI.items) if (item.fieldRef) item.fieldRef.apiVersion ||= "v1";
      }
    }
  }
  if (v.hostPath) v.hostPath.type ??= "";
  if (v.iscsi) v.iscsi.iscsiInterface ||= "default";
  if (v.rbd) {
    v.rbd.pool ||= "rbd";
    v.rbd.user ||= "admin";
    v.rbd.keyring ||= "/etc/ceph/keyring";
  }
  if (v.azureDisk) {
    v.azureDisk.cachingMode ||= "ReadWrite";
    v.azureDisk.fsType ||= "ext4";
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ||= "Shared";
  }
}

/** The names of every volume source field of a core/v1 Volume. */
export const VOLUME_SOURCE_FIELDS = [
  "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
  "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
  "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
  "csi", "ephemeral", "image",
] as const;

function hasVolumeSource(v: Volume): boolean {
  const record = v as unknown as Record<string, unknown>;
  for (const f of VOLUME_SOURCE_FIELDS) if (record[f] !== undefined && record[f] !== null) return true;
  return false;
}

/**
 * The tag of an image reference as docker's reference parser sees it: `latest` when neither a
 * tag nor a digest is given, "" when only a digest is.
 */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  if (colon >= 0) return withoutDigest.slice(colon + 1);
  return at >= 0 ? "" : "latest";
}
