import { token } from "../di/token.js";

/**
 * A node's simulated file system: the files node components share (`/etc/cni/net.d/*.conflist`,
 * host-local's `/var/lib/cni/networks/<net>/<ip>`, `/run/flannel/subnet.env`). Paths are absolute;
 * directories exist implicitly. One per node, in the node's scope under {@link NodeFiles}.
 */
export class NodeFileSystem {
  private readonly files = new Map<string, string>();
  /** The files directly in each directory holding any, name → content (`list` reads one directory, not every file of the node). */
  private readonly dirs = new Map<string, Map<string, string>>();
  private readonly watchers = new Set<(path: string) => void>();

  read(path: string): string | undefined {
    return this.files.get(path);
  }

  write(path: string, content: string): void {
    const [dir, name] = splitPath(path);
    let entries = this.dirs.get(dir);
    if (!entries) this.dirs.set(dir, (entries = new Map()));
    entries.set(name, content);
    this.files.set(path, content);
    for (const w of this.watchers) w(path);
  }

  remove(path: string): boolean {
    const had = this.files.delete(path);
    if (had) {
      const [dir, name] = splitPath(path);
      const names = this.dirs.get(dir);
      if (names?.delete(name) && names.size === 0) this.dirs.delete(dir);
      for (const w of this.watchers) w(path);
    }
    return had;
  }

  exists(path: string): boolean {
    return this.files.has(path);
  }

  /** File names directly in `dir`, sorted (as `ls` lists them). */
  list(dir: string): string[] {
    const entries = this.dirs.get(dir.endsWith("/") ? dir.slice(0, -1) : dir);
    return entries ? [...entries.keys()].sort() : [];
  }

  /** The files directly in `dir`, name → content, in no particular order (a scan of a directory's files without a path per file). */
  entries(dir: string): ReadonlyMap<string, string> {
    return this.dirs.get(dir.endsWith("/") ? dir.slice(0, -1) : dir) ?? NO_ENTRIES;
  }

  /** Calls `fn` with the path of every write or removal; returns the unsubscribe. */
  watch(fn: (path: string) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }
}

const NO_ENTRIES: ReadonlyMap<string, string> = new Map();

/** A path's directory (without its trailing slash) and file name. */
function splitPath(path: string): [string, string] {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? ["", path] : [path.slice(0, slash), path.slice(slash + 1)];
}

export const NodeFiles = token<NodeFileSystem>("NodeFiles");
