import type { Container, KeyToPath, Pod, Volume } from "kubernetes-types/core/v1.js";
import type { FileSystem } from "../../core/cri/filesystem.js";
import type { Mount } from "../../core/cri/runtime-service.js";
import { podField, resourceField, type ObjectSource } from "./container-env.js";

/** A volume could not be set up (FailedMount): the message says why. */
export class VolumeSetupError extends Error {}

/** `/var/lib/kubelet/pods/<uid>` */
export function podDir(uid: string): string {
  return `/var/lib/kubelet/pods/${uid}`;
}

const PLUGIN_DIRS: Record<string, string> = { emptyDir: "kubernetes.io~empty-dir", configMap: "kubernetes.io~configmap", secret: "kubernetes.io~secret", downwardAPI: "kubernetes.io~downward-api", projected: "kubernetes.io~projected" };

/** What the kubelet needs to set volumes up. */
export interface VolumeContext {
  hostFs: FileSystem;
  source: ObjectSource;
  podIP: string;
  hostIP: string;
  allocatable: Record<string, string>;
  /** A service account token for a projected `serviceAccountToken` source (undefined when none can be had). */
  token?: (audience: string | undefined, expirationSeconds: number) => Promise<string | undefined>;
}

/**
 * Sets up every volume of the pod under its directory on the node and returns where each one
 * lives (hostPath volumes: the node path itself). configMap/secret/projected contents are written
 * as a whole (what the atomic writer's `..data` swap gives a reader). Throws
 * {@link VolumeSetupError} with the kubelet's message when a source is missing.
 */
export async function setUpVolumes(pod: Pod, ctx: VolumeContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const uid = pod.metadata?.uid ?? "";
  for (const v of pod.spec?.volumes ?? []) {
    // PVC, generic ephemeral and CSI volumes are the CSI volume manager's.
    if (v.persistentVolumeClaim || v.ephemeral || v.csi) continue;
    if (v.hostPath) {
      const t = v.hostPath.type;
      if (t === "DirectoryOrCreate" || (!t && !ctx.hostFs.isDirectory(v.hostPath.path) && ctx.hostFs.read(v.hostPath.path) === undefined)) ctx.hostFs.mkdir(v.hostPath.path);
      else if (t === "Directory" && !ctx.hostFs.isDirectory(v.hostPath.path)) throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${v.name}" : hostPath type check failed: ${v.hostPath.path} is not a directory`);
      else if (t === "File" && ctx.hostFs.read(v.hostPath.path) === undefined) throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${v.name}" : hostPath type check failed: ${v.hostPath.path} is not a file`);
      else if (t === "FileOrCreate" && ctx.hostFs.read(v.hostPath.path) === undefined) ctx.hostFs.write(v.hostPath.path, "");
      out.set(v.name, v.hostPath.path);
      continue;
    }
    const dir = volumeDir(uid, v);
    const files = await volumeFiles(pod, v, ctx);
    if (files) swapContent(ctx.hostFs, dir, files);
    ctx.hostFs.mkdir(dir);
    out.set(v.name, dir);
  }
  return out;
}

function volumeDir(uid: string, v: Volume): string {
  const kind = Object.keys(PLUGIN_DIRS).find((k) => (v as unknown as Record<string, unknown>)[k] !== undefined) ?? "emptyDir";
  return `${podDir(uid)}/volumes/${PLUGIN_DIRS[kind]}/${v.name}`;
}

/** Replaces a content volume's files as a whole (what the atomic writer's `..data` symlink swap gives readers). */
function swapContent(fs: FileSystem, dir: string, files: Record<string, string>): void {
  fs.remove(dir);
  for (const [path, data] of Object.entries(files)) fs.write(`${dir}/${path}`, data);
  fs.mkdir(dir);
}

/**
 * The kubelet's periodic remount of a running pod's configMap, secret, downwardAPI and projected
 * volumes: contents are recomputed from the current objects (and a fresh token when the cached one
 * is due) and swapped in when they changed. A source that has gone keeps its last content, as
 * upstream keeps it. subPath mounts are bind mounts of single files and see no update. Returns the
 * names of the volumes that changed.
 */
export async function refreshVolumes(pod: Pod, ctx: VolumeContext): Promise<string[]> {
  const changed: string[] = [];
  const uid = pod.metadata?.uid ?? "";
  for (const v of pod.spec?.volumes ?? []) {
    if (!v.configMap && !v.secret && !v.downwardAPI && !v.projected) continue;
    let files: Record<string, string> | undefined;
    try {
      files = await volumeFiles(pod, v, ctx);
    } catch (err) {
      if (err instanceof VolumeSetupError) continue;
      throw err;
    }
    if (!files) continue;
    const dir = volumeDir(uid, v);
    const current = new Map<string, string | undefined>();
    const walk = (d: string, prefix: string): void => {
      for (const name of ctx.hostFs.list(d) ?? []) {
        const path = `${d}/${name}`;
        if (ctx.hostFs.isDirectory(path)) walk(path, `${prefix}${name}/`);
        else current.set(`${prefix}${name}`, ctx.hostFs.read(path));
      }
    };
    walk(dir, "");
    const entries = Object.entries(files);
    if (entries.length === current.size && entries.every(([k, data]) => current.get(k) === data)) continue;
    swapContent(ctx.hostFs, dir, files);
    changed.push(v.name);
  }
  return changed;
}

/** The files a content volume holds (undefined for emptyDir and volumes kubesim keeps empty). */
async function volumeFiles(pod: Pod, v: Volume, ctx: VolumeContext): Promise<Record<string, string> | undefined> {
  const ns = pod.metadata?.namespace ?? "default";
  const fail = (what: string): never => {
    throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${v.name}" : ${what}`);
  };
  if (v.configMap) {
    const cm = await ctx.source.configMap(ns, v.configMap.name ?? "");
    if (!cm) return v.configMap.optional ? {} : fail(`configmap "${v.configMap.name}" not found`);
    return pick({ ...(cm.data ?? {}), ...decodeAll(cm.binaryData) }, v.configMap.items, v.configMap.optional ?? false, (k) => fail(`configmap references non-existent config key: ${k}`));
  }
  if (v.secret) {
    const s = await ctx.source.secret(ns, v.secret.secretName ?? "");
    if (!s) return v.secret.optional ? {} : fail(`secret "${v.secret.secretName}" not found`);
    return pick(decodeAll(s.data), v.secret.items, v.secret.optional ?? false, (k) => fail(`references non-existent secret key: ${k}`));
  }
  if (v.downwardAPI) {
    const out: Record<string, string> = {};
    for (const item of v.downwardAPI.items ?? []) {
      if (item.fieldRef) out[item.path] = podField(pod, item.fieldRef, ctx.podIP, ctx.hostIP);
      else if (item.resourceFieldRef) out[item.path] = resourceField(pod, item.resourceFieldRef, ctx.allocatable);
    }
    return out;
  }
  if (v.projected) {
    const out: Record<string, string> = {};
    for (const src of v.projected.sources ?? []) {
      if (src.configMap) {
        const cm = await ctx.source.configMap(ns, src.configMap.name ?? "");
        if (!cm) {
          if (src.configMap.optional) continue;
          fail(`configmap "${src.configMap.name}" not found`);
        }
        Object.assign(out, pick({ ...(cm!.data ?? {}), ...decodeAll(cm!.binaryData) }, src.configMap.items, src.configMap.optional ?? false, (k) => fail(`configmap references non-existent config key: ${k}`)));
      } else if (src.secret) {
        const s = await ctx.source.secret(ns, src.secret.name ?? "");
        if (!s) {
          if (src.secret.optional) continue;
          fail(`secret "${src.secret.name}" not found`);
        }
        Object.assign(out, pick(decodeAll(s!.data), src.secret.items, src.secret.optional ?? false, (k) => fail(`references non-existent secret key: ${k}`)));
      } else if (src.downwardAPI) {
        for (const item of src.downwardAPI.items ?? []) {
          if (item.fieldRef) out[item.path] = podField(pod, item.fieldRef, ctx.podIP, ctx.hostIP);
          else if (item.resourceFieldRef) out[item.path] = resourceField(pod, item.resourceFieldRef, ctx.allocatable);
        }
      } else if (src.serviceAccountToken) {
        let token: string | undefined;
        try {
          token = await ctx.token?.(src.serviceAccountToken.audience, src.serviceAccountToken.expirationSeconds ?? 3607);
        } catch (err) {
          fail(`failed to fetch token: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (token === undefined) fail(`failed to fetch token: serviceaccounts "${pod.spec?.serviceAccountName ?? "default"}" not found`);
        out[src.serviceAccountToken.path] = token!;
      }
    }
    return out;
  }
  return undefined;
}

function decodeAll(data: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, "base64").toString("utf8");
  return out;
}

function pick(data: Record<string, string>, items: KeyToPath[] | undefined, optional: boolean, missing: (key: string) => never): Record<string, string> {
  if (!items?.length) return data;
  const out: Record<string, string> = {};
  for (const item of items) {
    const v = data[item.key];
    if (v === undefined) {
      if (optional) continue;
      missing(item.key);
    }
    out[item.path] = v!;
  }
  return out;
}

/** Where each of a pod's volumes is on the node, by volume name (a Map, or a pod worker's {@link VolumePaths}). */
export interface VolumePathLookup {
  get(name: string): string | undefined;
}

/**
 * A pod's volume paths as its worker keeps them for the pod's lifetime: names and paths alternating
 * in one frozen array (a pod has a few volumes, a Map's table is several times their size).
 */
export class VolumePaths implements VolumePathLookup {
  private constructor(private readonly pairs: readonly string[]) {}

  static of(volumes: ReadonlyMap<string, string>): VolumePaths {
    const pairs: string[] = [];
    for (const [name, path] of volumes) pairs.push(name, path);
    return new VolumePaths(Object.freeze(pairs.slice()));
  }

  get(name: string): string | undefined {
    const pairs = this.pairs;
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === name) return pairs[i + 1];
    return undefined;
  }
}

const CONTENT_DIRS = /\/volumes\/kubernetes\.io~(configmap|secret|projected|downward-api)\//;

/**
 * The container's bind mounts: its volumeMounts (with subPath), plus the kubelet-managed files.
 * With `hostFs`, a subPath into a configMap/secret/downwardAPI/projected volume is pinned: the file
 * is copied under `volume-subpaths/` when the container is created, as a bind mount of the file
 * keeps the inode it had, so later updates of the volume do not reach it.
 */
export function containerMounts(container: Container, volumes: VolumePathLookup, managed: { hosts: string; resolv: string; hostname: string; terminationLog: string }, pin?: { hostFs: FileSystem; podUid: string }): Mount[] {
  const mounts: Mount[] = [];
  for (const [i, vm] of (container.volumeMounts ?? []).entries()) {
    const base = volumes.get(vm.name);
    if (base === undefined) continue;
    let hostPath = vm.subPath ? `${base}/${vm.subPath}` : base;
    if (vm.subPath && pin && CONTENT_DIRS.test(`${base}/`)) {
      const pinned = `${podDir(pin.podUid)}/volume-subpaths/${vm.name}/${container.name}/${i}`;
      const data = pin.hostFs.read(hostPath);
      if (data !== undefined) pin.hostFs.write(pinned, data);
      hostPath = pinned;
    }
    mounts.push({ containerPath: vm.mountPath, hostPath, readonly: vm.readOnly ?? false, ...(vm.subPath ? { file: true } : {}) });
  }
  // concat: an array of exactly these (pushing keeps room for 16 more, held by every container).
  return mounts.concat([
    { containerPath: "/etc/hosts", hostPath: managed.hosts, readonly: false, file: true },
    { containerPath: container.terminationMessagePath ?? "/dev/termination-log", hostPath: managed.terminationLog, readonly: false, file: true },
    { containerPath: "/etc/hostname", hostPath: managed.hostname, readonly: false, file: true },
    { containerPath: "/etc/resolv.conf", hostPath: managed.resolv, readonly: false, file: true },
  ]);
}
