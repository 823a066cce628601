import { token } from "../di/token.js";

/**
 * A node's simulated file system: the files node components share (`/etc/cni/net.d/*.conflist`,
 * host-local's `/var/lib/cni/networks/<net>/<ip>`, `/run/flannel/subnet.env`). Paths are absolute;
 * directories exist implicitly. One per node, in the node's scope under {@link NodeFiles}.
 */
export class NodeFileSystem {
  /**
   * File contents by directory, then name: listing a directory (host-local's reservations, the
   * CNI config directory, once per pod sandbox) reads that directory only, not every file of the node.
   */
  private readonly dirs = new Map<string, Map<string, string>>();
  private readonly watchers = new Set<(path: string) => void>();

  read(path: string): string | undefined {
    const i = path.lastIndexOf("/");
    return this.dirs.get(dirOf(path, i))?.get(path.slice(i + 1));
  }

  write(path: string, content: string): void {
    const i = path.lastIndexOf("/");
    const dir = dirOf(path, i);
    let names = this.dirs.get(dir);
    if (!names) this.dirs.set(dir, (names = new Map()));
    names.set(path.slice(i + 1), content);
    for (const w of this.watchers) w(path);
  }

  remove(path: string): boolean {
    const i = path.lastIndexOf("/");
    const dir = dirOf(path, i);
    const names = this.dirs.get(dir);
    const had = names?.delete(path.slice(i + 1)) ?? false;
    if (names?.size === 0) this.dirs.delete(dir);
    if (had) for (const w of this.watchers) w(path);
    return had;
  }

  exists(path: string): boolean {
    return this.read(path) !== undefined;
  }

  /** File names directly in `dir`, sorted (as `ls` lists them). */
  list(dir: string): string[] {
    const names = this.dirs.get(dir.endsWith("/") ? dir.slice(0, -1) : dir);
    return names ? [...names.keys()].sort() : [];
  }

  /** Calls `fn` with the path of every write or removal; returns the unsubscribe. */
  watch(fn: (path: string) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }
}

/** The directory key of `path` whose last `/` is at `slash` (a relative name has its own, not the root's). */
function dirOf(path: string, slash: number): string {
  return slash < 0 ? "." : path.slice(0, slash);
}

export const NodeFiles = token<NodeFileSystem>("NodeFiles");
