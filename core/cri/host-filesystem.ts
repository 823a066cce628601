import { defaultOwnership, FsError, MemoryFileSystem, normalizePath, type FileOwnership, type FileSystem } from "./filesystem.js";

const SLASH = 47;

/** One entry of a node's mount table. */
export interface HostMount {
  /** Where it is mounted on the node. */
  readonly target: string;
  /** The filesystem the mount shows (the node's own for a bind mount, an NFS server's export, ...). */
  readonly source: FileSystem;
  /** The directory of `source` shown at `target`. */
  readonly sourcePath: string;
  readonly readonly: boolean;
  /** What `mount` prints as the device: `/dev/sdb`, `nfs-server:/exports/x`, the bind source. */
  readonly device: string;
  /** `ext4`, `nfs4`, `tmpfs`; a bind mount shows its source's type. */
  readonly fsType: string;
}

/**
 * A node's root filesystem with a mount table, as the kernel gives it: the node's own files
 * (/var/lib/kubelet, hostPath directories, a local driver's data directory) plus mounts that
 * show another filesystem — or another directory of this one (bind) — at a path. CSI node
 * plugins mount here; container bind mounts of a volume's path see through to the mounted data.
 * Removing a tree never reaches into mounts below it (mounted data survives `rm -rf` of the pod
 * directory, as `EBUSY` keeps it on Linux): unmount first.
 */
export class HostFileSystem implements FileSystem {
  private readonly root = new MemoryFileSystem();
  /** Mounts, longest target first (the innermost wins). */
  private table: HostMount[] = [];
  /** inotify-style watches: directory → listeners told when an entry directly in it is created or removed. */
  private readonly watches = new Map<string, Set<() => void>>();

  /**
   * Watches `dir` as inotify does (IN_CREATE / IN_DELETE): `listener` is called, after the change,
   * whenever an entry directly in it is written, made or removed through this filesystem
   * (container writes reach it through their bind mounts), or the directory itself is removed.
   * Returns the unwatch.
   */
  watch(dir: string, listener: () => void): () => void {
    const d = normalizePath(dir);
    let set = this.watches.get(d);
    if (!set) this.watches.set(d, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.watches.delete(d);
    };
  }

  private changed(path: string): void {
    if (this.watches.size === 0) return;
    const p = normalizePath(path);
    // The parent's length (`/` for a top-level entry): no parent, and no `p + "/"`, built per write per watch.
    const parentLength = Math.max(1, p.lastIndexOf("/"));
    for (const [dir, listeners] of this.watches) {
      // Its parent, itself, or a directory below it (removed with it).
      const hit = dir.length === parentLength ? p.startsWith(dir) : dir.length === p.length ? dir === p : dir.length > p.length && dir.charCodeAt(p.length) === SLASH && dir.startsWith(p);
      if (hit) for (const l of listeners) queueMicrotask(l);
    }
  }

  read(path: string): string | undefined {
    const r = this.resolveMount(path);
    return r ? r.fs.read(r.path) : this.root.read(normalizePath(path));
  }

  write(path: string, data: string): void {
    const r = this.resolveMount(path, true);
    if (r) r.fs.write(r.path, data);
    else this.root.write(normalizePath(path), data);
    this.changed(path);
  }

  remove(path: string): boolean {
    const p = normalizePath(path);
    const r = this.resolveMount(p, true);
    const removed = r && r.mount.target !== p ? r.fs.remove(r.path) : this.root.remove(p);
    if (removed) this.changed(p);
    return removed;
  }

  mkdir(path: string): void {
    const r = this.resolveMount(path, true);
    if (r) r.fs.mkdir(r.path);
    else this.root.mkdir(normalizePath(path));
    this.changed(path);
  }

  list(dir: string): string[] | undefined {
    const p = normalizePath(dir);
    const r = this.resolveMount(p);
    // Inside a mount, a file is no directory; the mount point itself always is one.
    if (r) return r.fs.list(r.path) ?? (r.mount.target === p ? [] : undefined);
    const own = this.root.list(p);
    // Mount points below add their first segment; without any, the root's own (sorted) listing is the answer.
    let names: Set<string> | undefined;
    const prefix = p === "/" ? "/" : p + "/";
    for (const m of this.table) {
      if (!m.target.startsWith(prefix)) continue;
      (names ??= new Set(own)).add(m.target.slice(prefix.length).split("/")[0]!);
    }
    return names ? [...names].sort() : own;
  }

  /** Whether {@link list} would list `path`, without building the listing. */
  isDirectory(path: string): boolean {
    const p = normalizePath(path);
    const r = this.resolveMount(p);
    if (r) return r.mount.target === p || r.fs.isDirectory(r.path);
    if (this.root.isDirectory(p)) return true;
    const prefix = p === "/" ? "/" : p + "/";
    for (const m of this.table) if (m.target.startsWith(prefix)) return true;
    return false;
  }

  stat(path: string): FileOwnership | undefined {
    const r = this.resolveMount(path);
    if (!r) return this.root.stat(normalizePath(path)) ?? (this.isDirectory(path) ? defaultOwnership(true) : undefined);
    if (r.fs.stat) return r.fs.stat(r.path);
    return r.fs.isDirectory(r.path) ? defaultOwnership(true) : r.fs.read(r.path) !== undefined ? defaultOwnership(false) : undefined;
  }

  /** chown through the mount table (a read-only mount refuses it: EROFS). */
  chown(path: string, uid: number | undefined, gid: number | undefined): void {
    const r = this.resolveMount(path, true);
    if (r) r.fs.chown?.(r.path, uid, gid);
    else this.root.chown(normalizePath(path), uid, gid);
  }

  chmod(path: string, mode: number): void {
    const r = this.resolveMount(path, true);
    if (r) r.fs.chmod?.(r.path, mode);
    else this.root.chmod(normalizePath(path), mode);
  }

  /**
   * Mounts `sourcePath` of `source` at `target` (creating the target directory). A second mount
   * at the same target is refused: callers check {@link isMountPoint} to stay idempotent.
   */
  mount(target: string, source: FileSystem, sourcePath: string, opts: { readonly?: boolean; device?: string; fsType?: string } = {}): void {
    const t = normalizePath(target);
    if (this.isMountPoint(t)) throw new Error(`mount: ${t}: already mounted`);
    const sp = normalizePath(sourcePath);
    if (!source.isDirectory(sp)) throw new FsError("ENOENT", sp);
    this.mkdir(t);
    const inner = source === this ? this.mountAt(sp) : undefined;
    const entry: HostMount = { target: t, source, sourcePath: sp, readonly: opts.readonly ?? false, device: opts.device ?? sp, fsType: opts.fsType ?? inner?.fsType ?? "ext4" };
    this.table = [...this.table, entry].sort((a, b) => b.target.length - a.target.length);
  }

  /** Unmounts `target`; false when nothing is mounted there. */
  unmount(target: string): boolean {
    const t = normalizePath(target);
    const before = this.table.length;
    this.table = this.table.filter((m) => m.target !== t);
    return this.table.length < before;
  }

  isMountPoint(path: string): boolean {
    const p = normalizePath(path);
    return this.table.some((m) => m.target === p);
  }

  /** The mount whose target is exactly `path`. */
  mountAt(path: string): HostMount | undefined {
    const p = normalizePath(path);
    return this.table.find((m) => m.target === p);
  }

  /** The mount table, shortest target first (as /proc/mounts lists mounts in mount order). */
  mounts(): readonly HostMount[] {
    return [...this.table].reverse();
  }

  /** The innermost mount holding `path` and the path inside its source. Refuses writes to read-only mounts. */
  private resolveMount(path: string, writing = false): { mount: HostMount; fs: FileSystem; path: string } | undefined {
    const p = normalizePath(path);
    for (const m of this.table) {
      // `p` is the target or lies below it (`m.target + "/"` is a prefix of it), tested without building that string.
      if (!p.startsWith(m.target) || (p.length !== m.target.length && m.target !== "/" && p.charCodeAt(m.target.length) !== SLASH)) continue;
      if (writing && m.readonly) throw new FsError("EROFS", p);
      return { mount: m, fs: m.source, path: normalizePath(m.sourcePath + p.slice(m.target.length)) };
    }
    return undefined;
  }
}
