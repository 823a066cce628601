import type { FileSystem } from "../../core/cri/filesystem.js";
import { S_ISGID } from "../../core/cri/filesystem.js";
import { normalizePath } from "../../core/cri/filesystem.js";

/** SetVolumeOwnership's masks: group read-write (read-only volumes: read), directories also searchable and set-group-ID. */
const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;

/**
 * The kubelet's SetVolumeOwnership (pkg/volume/volume_linux.go): gives every file and directory of
 * a mounted volume the pod's `fsGroup` as its group, adds group read-write (read for a read-only
 * volume) and, on directories, search and the set-group-ID bit so new files inherit the group.
 * `OnRootMismatch` skips the walk when the volume's root already has that group and those bits.
 */
export function setVolumeOwnership(fs: FileSystem, dir: string, fsGroup: number, opts: { readOnly: boolean; changePolicy?: string }): void {
  if (!fs.stat || !fs.chown || !fs.chmod) return;
  const mask = opts.readOnly ? RO_MASK : RW_MASK;
  const root = fs.stat(dir);
  if (!root) return;
  if (opts.changePolicy === "OnRootMismatch" && root.gid === fsGroup && (root.mode & mask) === mask && (root.mode & S_ISGID) !== 0) return;
  const walk = (path: string): void => {
    const st = fs.stat!(path);
    if (!st) return;
    const isDir = fs.isDirectory(path);
    fs.chown!(path, undefined, fsGroup);
    fs.chmod!(path, st.mode | mask | (isDir ? S_ISGID | EXEC_MASK : 0));
    if (isDir) for (const name of fs.list(path) ?? []) walk(normalizePath(name, path));
  };
  walk(dir);
}
