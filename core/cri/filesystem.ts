import { OwnershipTable } from "./ownership-table.js";
import { withAppended } from "../collections/exact-arrays.js";

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
  /** Owner and permission bits of what is at `path` (undefined: nothing there). Optional: without it everything is root's, 0644 files and 0755 directories. */
  stat?(path: string): FileOwnership | undefined;
  /** chown: sets the owner and/or group of what is at `path`. Optional. */
  chown?(path: string, uid: number | undefined, gid: number | undefined): void;
  /** chmod: sets the permission bits (with setuid/setgid/sticky) of what is at `path`. Optional. */
  chmod?(path: string, mode: number): void;
}

/** Who owns a file and its permission bits (`st_uid`, `st_gid`, `st_mode & 07777`). */
export interface FileOwnership {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

/** The set-group-ID bit: a directory with it hands its group to what is created in it. */
export const S_ISGID = 0o2000;

/** Root's defaults: what a file or directory is owned by and allowed when nobody changed it. */
export function defaultOwnership(dir: boolean): FileOwnership {
  return { uid: 0, gid: 0, mode: dir ? 0o755 : 0o644 };
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
  // The path last found normal: layered filesystems (node → mounts → memory) pass the same string down, each normalising it.
  if (path === lastNormal) return path;
  // Already normal (absolute, no empty, "." or ".." segment, no trailing slash): the same string, no split.
  if (path.charCodeAt(0) === 47 && (path.length === 1 || path.charCodeAt(path.length - 1) !== 47) && !path.includes("//") && !path.includes("/.")) return (lastNormal = path);
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/** The last path {@link normalizePath} found already normal. */
let lastNormal = "/";

/**
 * A plain in-memory {@link FileSystem}: files in one map and each directory's entry names in
 * another, so listing a directory costs its entries and removing a tree costs the tree (a node's
 * kubelet lists every pod's volume directories on each housekeeping pass). A directory exists when
 * it has an entry there (no separate set of directories: a node holds about ten per pod). Most
 * directories hold a few entries: a single one is held as its name, a few as a small array, which
 * becomes a set past {@link SMALL_DIRECTORY} entries; an empty one shares {@link NO_NAMES}.
 */
export class MemoryFileSystem implements FileSystem {
  private readonly files = new Map<string, string>();
  /** Directory → names of the files and directories directly in it. */
  private readonly children = new Map<string, Names>([["/", NO_NAMES]]);
  private readonly owners = new OwnershipTable();

  constructor(initial?: Record<string, string>) {
    if (initial) for (const [p, d] of Object.entries(initial)) this.write(p, d);
  }

  read(path: string): string | undefined {
    return this.files.get(normalizePath(path));
  }

  write(path: string, data: string): void {
    const p = normalizePath(path);
    if (this.children.has(p)) throw new FsError("EISDIR", p);
    const before = this.files.size;
    this.files.set(p, data);
    // A file already there has its directory (removing a directory removes the files below it).
    if (this.files.size === before) return;
    const parent = parentOf(p);
    this.mkdirNormal(parent);
    this.linkIn(parent, p);
    this.owners.created(p, false);
  }

  remove(path: string): boolean {
    const p = normalizePath(path);
    let removed: boolean;
    if (this.files.delete(p)) {
      // A file that a mkdir also made a directory stays one, emptied (as when directories were a set of their own).
      if (this.removeBelow(p)) this.children.set(p, NO_NAMES);
      removed = true;
    } else removed = this.removeBelow(p);
    if (p !== "/" && !this.files.has(p) && !this.children.has(p)) this.unlink(p);
    this.owners.removed(p);
    return removed;
  }

  mkdir(path: string): void {
    this.mkdirNormal(normalizePath(path));
  }

  /** {@link mkdir} of a path already normal (a file's parent: no second normalisation per write). */
  private mkdirNormal(path: string): void {
    if (this.children.has(path)) return;
    const made: string[] = [];
    let p = path;
    do {
      this.children.set(p, NO_NAMES);
      made.push(p);
      p = parentOf(p);
    } while (!this.children.has(p));
    // Top down, each entered in its parent (`p`, the directory that was there, for the first).
    for (let i = made.length - 1; i >= 0; i--) {
      this.linkIn(i === made.length - 1 ? p : made[i + 1]!, made[i]!);
      this.owners.created(made[i]!, true);
    }
  }

  stat(path: string): FileOwnership | undefined {
    const p = normalizePath(path);
    const dir = this.isDirectory(p);
    if (!dir && !this.files.has(p)) return undefined;
    return this.owners.of(p, dir);
  }

  chown(path: string, uid: number | undefined, gid: number | undefined): void {
    this.owners.chown(path, this.stat(path), uid, gid);
  }

  chmod(path: string, mode: number): void {
    this.owners.chmod(path, this.stat(path), mode);
  }

  list(dir: string): string[] | undefined {
    const p = normalizePath(dir);
    if (!this.isDirectory(p)) return undefined;
    const names = this.children.get(p)!;
    return typeof names === "string" ? [names] : (isNameList(names) ? names.slice() : [...names]).sort();
  }

  isDirectory(path: string): boolean {
    return this.children.has(normalizePath(path));
  }

  /** Enters `p` (not the root) in the children of `parent`, its parent directory. */
  private linkIn(parent: string, p: string): void {
    if (p === "/") return;
    const name = p.slice(parent === "/" ? 1 : parent.length + 1);
    const names = this.children.get(parent);
    if (!names || names === NO_NAMES) this.children.set(parent, name);
    else if (typeof names === "string") {
      if (names !== name) this.children.set(parent, [names, name]);
    } else if (!isNameList(names)) names.add(name);
    else if (!names.includes(name)) {
      // A copy, not a push: a pushed-to array keeps room for 16 more names.
      if (names.length < SMALL_DIRECTORY) this.children.set(parent, withAppended(names, name));
      else this.children.set(parent, new Set(names).add(name));
    }
  }

  /** Takes `p` (gone as file and directory) out of its parent's children (the parent stays, maybe empty). */
  private unlink(p: string): void {
    const parent = parentOf(p);
    const names = this.children.get(parent);
    if (!names) return;
    const name = p.slice(parent === "/" ? 1 : parent.length + 1);
    if (typeof names === "string") {
      if (names === name) this.children.set(parent, NO_NAMES);
    } else if (isNameList(names)) {
      const i = names.indexOf(name);
      if (i >= 0) this.children.set(parent, names.length === 1 ? NO_NAMES : names.length === 2 ? names[1 - i]! : names.filter((_, j) => j !== i));
    } else {
      names.delete(name);
      if (names.size === 0) this.children.set(parent, NO_NAMES);
    }
  }

  /** Removes the directory `dir` and everything under it; true when it was a directory. */
  private removeBelow(dir: string): boolean {
    const names = this.children.get(dir);
    if (!names) return false;
    this.children.delete(dir);
    const prefix = dir === "/" ? "/" : dir + "/";
    for (const name of typeof names === "string" ? [names] : names) {
      const child = prefix + name;
      this.files.delete(child);
      this.removeBelow(child);
    }
    return true;
  }
}

/** Entries a directory's children array holds before it becomes a set. */
const SMALL_DIRECTORY = 16;

/** The names of an empty directory, shared by all of them (name arrays are replaced, never changed in place). */
const NO_NAMES: readonly string[] = Object.freeze([]);

/** A directory's entry names: the one name, a small array of them, or a set once it is large. */
type Names = string | readonly string[] | Set<string>;

/** A directory's names as a small array (not a single name, not yet a set). */
function isNameList(names: Exclude<Names, string>): names is readonly string[] {
  return Array.isArray(names);
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}
