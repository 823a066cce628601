import type { FileSystem } from "../cri/filesystem.js";

/** Bytes (file contents) and inodes (files and directories) under `dir`, as `du` and `df -i` count them. */
export function directoryUsage(fs: FileSystem, dir: string): { bytes: number; inodes: number } {
  let bytes = 0;
  let inodes = 1;
  for (const name of fs.list(dir) ?? []) {
    const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
    const data = fs.read(path);
    if (data !== undefined) {
      bytes += Buffer.byteLength(data);
      inodes += 1;
      continue;
    }
    const sub = directoryUsage(fs, path);
    bytes += sub.bytes;
    inodes += sub.inodes;
  }
  return { bytes, inodes };
}
