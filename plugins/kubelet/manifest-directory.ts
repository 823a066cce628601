import { readdirSync, readFileSync, watch as watchDir, type FSWatcher } from "node:fs";
import { join } from "node:path";
import type { NodeFileSystem } from "../../core/cni/node-files.js";

/**
 * The directory the kubelet reads static pod manifests from (its `staticPodPath`): the node's
 * simulated file system, or a directory of the host's real one (a kubelet process's
 * `--pod-manifest-path`, or `kubeletConfig.staticPodPath`), as the real kubelet reads
 * /etc/kubernetes/manifests from its machine.
 */
export interface ManifestDirectory {
  /** The directory's path, as it names the manifests' source (`<path>/<file>`). */
  readonly path: string;
  /** The file names in the directory, sorted; none when it does not exist (yet). */
  list(): string[];
  /** A file's text; undefined when it is gone or unreadable. */
  read(name: string): string | undefined;
  /** Calls `onChange` (possibly often) whenever something in the directory changes; returns the unsubscribe. */
  watch(onChange: () => void): () => void;
}

/** A directory of a node's simulated file system (`/etc/kubernetes/manifests` by default). */
export function simulatedManifestDirectory(files: NodeFileSystem, path: string): ManifestDirectory {
  return {
    path,
    list: () => files.list(path),
    read: (name) => files.read(`${path}/${name}`),
    watch: (onChange) => files.watch((changed) => void (changed.startsWith(path + "/") && onChange())),
  };
}

/**
 * A directory of the host's file system, watched with inotify (`fs.watch`). A directory that does
 * not exist yet lists empty and is picked up by the kubelet's periodic re-read (its 20 s
 * `fileCheckFrequency`), as the kubelet keeps retrying an unreadable config path.
 */
export function hostManifestDirectory(path: string): ManifestDirectory {
  return {
    path,
    list: () => {
      try {
        return readdirSync(path, { withFileTypes: true })
          .filter((e) => e.isFile() || e.isSymbolicLink())
          .map((e) => e.name)
          .sort();
      } catch {
        return [];
      }
    },
    read: (name) => {
      try {
        return readFileSync(join(path, name), "utf8");
      } catch {
        return undefined;
      }
    },
    watch: (onChange) => {
      let watcher: FSWatcher | undefined;
      try {
        watcher = watchDir(path, { persistent: false }, () => onChange());
        watcher.on("error", () => undefined);
      } catch {
        /* not there yet: the periodic re-read finds it */
      }
      return () => watcher?.close();
    },
  };
}
