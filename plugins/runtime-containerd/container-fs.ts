import { defaultOwnership, FsError, MemoryFileSystem, normalizePath, type FileOwnership, type FileSystem } from "../../core/cri/filesystem.js";
import type { Mount } from "../../core/cri/runtime-service.js";

/**
 * Mount prefixes (a container path and a slash) by container path, shared by every container
 * mounting there: a cluster's containers mount a few paths (`/etc/hosts`, the service-account
 * token's directory, ...), and each container made its own copies of them. Kept up to
 * {@link MAX_SHARED_PREFIXES} paths; past that a prefix is made per container as before.
 */
const sharedPrefixes = new Map<string, string>();
const MAX_SHARED_PREFIXES = 4096;

function prefixOf(containerPath: string): string {
  if (containerPath === "/") return "/";
  const shared = sharedPrefixes.get(containerPath);
  if (shared !== undefined) return shared;
  const prefix = containerPath + "/";
  if (sharedPrefixes.size < MAX_SHARED_PREFIXES) sharedPrefixes.set(containerPath, prefix);
  return prefix;
}

/**
 * A container's root filesystem as overlayfs presents it: the image's files (shared, read-only
 * lower layer), the container's writable upper layer, and bind mounts from the node (volumes)
 * on top. A read-only root (`readOnlyRootFilesystem`) refuses writes outside writable mounts.
 */
export class ContainerFileSystem implements FileSystem {
  private upper: MemoryFileSystem | undefined;
  /** Image files removed in the upper layer (made on the first removal). */
  private whiteouts: Set<string> | undefined;
  private readonly mounts: Mount[];
  /** Each mount's directory prefix (`containerPath` and a slash), made once rather than per lookup. */
  private readonly prefixes: string[];

  constructor(
    private readonly image: Readonly<Record<string, string>>,
    mounts: readonly Mount[],
    private readonly host: FileSystem,
    private readonly readonlyRoot = false,
  ) {
    // A mountPath may end in a slash (kube-flannel.yml's `/etc/kube-flannel/`): compare normalised paths.
    this.mounts = mounts.map((m) => {
      const containerPath = normalizePath(m.containerPath);
      return containerPath === m.containerPath ? m : { ...m, containerPath };
    }).sort((a, b) => b.containerPath.length - a.containerPath.length);
    this.prefixes = this.mounts.map((m) => prefixOf(m.containerPath));
  }

  read(path: string): string | undefined {
    const p = normalizePath(path);
    const m = this.mountFor(p);
    if (m) return this.host.read(m.path);
    if (this.whiteouts?.has(p)) return undefined;
    return this.upper?.read(p) ?? this.image[p];
  }

  write(path: string, data: string): void {
    const p = normalizePath(path);
    const m = this.mountFor(p);
    if (m) {
      if (m.mount.readonly) throw new FsError("EROFS", p);
      return this.host.write(m.path, data);
    }
    if (this.readonlyRoot) throw new FsError("EROFS", p);
    this.whiteouts?.delete(p);
    (this.upper ??= new MemoryFileSystem()).write(p, data);
  }

  remove(path: string): boolean {
    const p = normalizePath(path);
    const m = this.mountFor(p);
    if (m) {
      if (m.mount.readonly) throw new FsError("EROFS", p);
      return this.host.remove(m.path);
    }
    if (this.readonlyRoot) throw new FsError("EROFS", p);
    const had = this.read(p) !== undefined;
    this.upper?.remove(p);
    if (this.image[p] !== undefined) (this.whiteouts ??= new Set()).add(p);
    return had;
  }

  mkdir(path: string): void {
    const p = normalizePath(path);
    const m = this.mountFor(p);
    if (m) return this.host.mkdir(m.path);
    if (this.readonlyRoot) throw new FsError("EROFS", p);
    (this.upper ??= new MemoryFileSystem()).mkdir(p);
  }

  list(dir: string): string[] | undefined {
    const p = normalizePath(dir);
    const m = this.mountFor(p);
    if (m && !m.mount.file) return this.host.list(m.path);
    const names = new Set<string>(this.upper?.list(p) ?? []);
    const prefix = p === "/" ? "/" : p + "/";
    let found = this.upper?.isDirectory(p) ?? false;
    for (const f of Object.keys(this.image)) {
      if (!f.startsWith(prefix) || this.whiteouts?.has(f)) continue;
      found = true;
      names.add(f.slice(prefix.length).split("/")[0]!);
    }
    for (const mount of this.mounts) {
      if (mount.containerPath.startsWith(prefix)) {
        found = true;
        names.add(mount.containerPath.slice(prefix.length).split("/")[0]!);
      }
    }
    return found || p === "/" ? [...names].sort() : undefined;
  }

  isDirectory(path: string): boolean {
    return this.list(path) !== undefined;
  }

  /** Mounted paths show the node's ownership (what `ls -ln` shows for a volume); image and upper-layer files are root's. */
  stat(path: string): FileOwnership | undefined {
    const p = normalizePath(path);
    const m = this.mountFor(p);
    if (m) return this.host.stat ? this.host.stat(m.path) : this.host.isDirectory(m.path) ? defaultOwnership(true) : this.host.read(m.path) !== undefined ? defaultOwnership(false) : undefined;
    const upper = this.upper?.stat(p);
    if (upper) return upper;
    if (this.isDirectory(p)) return defaultOwnership(true);
    return this.read(p) !== undefined ? defaultOwnership(false) : undefined;
  }

  chown(path: string, uid: number | undefined, gid: number | undefined): void {
    const p = normalizePath(path);
    const m = this.mountFor(p);
    if (m) {
      if (m.mount.readonly) throw new FsError("EROFS", p);
      return this.host.chown?.(m.path, uid, gid);
    }
    if (this.readonlyRoot) throw new FsError("EROFS", p);
    this.upper?.stat(p) && this.upper.chown(p, uid, gid);
  }

  chmod(path: string, mode: number): void {
    const p = normalizePath(path);
    const m = this.mountFor(p);
    if (m) {
      if (m.mount.readonly) throw new FsError("EROFS", p);
      return this.host.chmod?.(m.path, mode);
    }
    if (this.readonlyRoot) throw new FsError("EROFS", p);
    this.upper?.stat(p) && this.upper.chmod(p, mode);
  }

  private mountFor(p: string): { mount: Mount; path: string } | undefined {
    for (let i = 0; i < this.mounts.length; i++) {
      const mount = this.mounts[i]!;
      const c = mount.containerPath;
      if (p === c) return { mount, path: mount.hostPath };
      if (!mount.file && p.startsWith(this.prefixes[i]!)) return { mount, path: mount.hostPath + p.slice(c.length) };
    }
    return undefined;
  }
}
