/**
 * A small in-memory filesystem: what a container process sees (image files, mounted volumes, its
 * writable layer) and what a node holds (/var/lib/kubelet, /var/log/pods, hostPath directories).
 * Paths are absolute and `/`-separated; directories exist implicitly above every file and
 * explicitly when made with `mkdir`.
 */
export interface FileSystem {
  /** The file's text, or undefined when there is no such file. */
  read(path: string): string | undefined;
  /** Creates or replaces a file (and its parent directories). Throws `EROFS` on a read-only path. */
  write(path: string, data: string): void;
  /** Removes a file or a directory tree; false when nothing was there. */
  remove(path: string): boolean;
  mkdir(path: string): void;
  /** Entry names directly under `dir` (sorted), or undefined when it is not a directory. */
  list(dir: string): string[] | undefined;
  isDirectory(path: string): boolean;
  /** Creates a symbolic link at `path` pointing at `target` (a node's `/var/log/containers/*.log`); reads follow it. Optional. */
  symlink?(target: string, path: string): void;
  /** The target of the symbolic link at `path`, or undefined when it is none. Optional. */
  readlink?(path: string): string | undefined;
}

/** A filesystem call refused as the kernel refuses it. */
export class FsError extends Error {
  override readonly name = "FsError";
  constructor(
    readonly code: "ENOENT" | "EROFS" | "EISDIR" | "ENOTDIR",
    readonly path: string,
  ) {
    super(`${path}: ${FS_MESSAGES[code]}`);
  }
}

const FS_MESSAGES = { ENOENT: "No such file or directory", EROFS: "Read-only file system", EISDIR: "Is a directory", ENOTDIR: "Not a directory" } as const;

/** Normalises `path` against `cwd`: resolves `.` and `..`, drops duplicate and trailing slashes. */
export function normalizePath(path: string, cwd = "/"): string {
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/** A plain in-memory {@link FileSystem}: files in one map, explicit directories in a set. */
export class MemoryFileSystem implements FileSystem {
  private readonly files = new Map<string, string>();
  private readonly dirs = new Set<string>(["/"]);

  constructor(initial?: Record<string, string>) {
    if (initial) for (const [p, d] of Object.entries(initial)) this.write(p, d);
  }

  read(path: string): string | undefined {
    return this.files.get(normalizePath(path));
  }

  write(path: string, data: string): void {
    const p = normalizePath(path);
    if (this.dirs.has(p)) throw new FsError("EISDIR", p);
    this.files.set(p, data);
    this.mkdir(parentOf(p));
  }

  remove(path: string): boolean {
    const p = normalizePath(path);
    let removed = this.files.delete(p) || this.dirs.delete(p);
    const prefix = p === "/" ? "/" : p + "/";
    for (const f of [...this.files.keys()]) if (f.startsWith(prefix)) removed = this.files.delete(f) || removed;
    for (const d of [...this.dirs]) if (d.startsWith(prefix)) removed = this.dirs.delete(d) || removed;
    return removed;
  }

  mkdir(path: string): void {
    for (let p = normalizePath(path); !this.dirs.has(p); p = parentOf(p)) this.dirs.add(p);
  }

  list(dir: string): string[] | undefined {
    const p = normalizePath(dir);
    if (!this.isDirectory(p)) return undefined;
    const prefix = p === "/" ? "/" : p + "/";
    const names = new Set<string>();
    for (const f of this.files.keys()) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split("/")[0]!);
    for (const d of this.dirs) if (d.startsWith(prefix) && d !== p) names.add(d.slice(prefix.length).split("/")[0]!);
    return [...names].sort();
  }

  isDirectory(path: string): boolean {
    const p = normalizePath(path);
    if (this.dirs.has(p)) return true;
    const prefix = p === "/" ? "/" : p + "/";
    for (const f of this.files.keys()) if (f.startsWith(prefix)) return true;
    return false;
  }
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}
