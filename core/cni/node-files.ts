import { token } from "../di/token.js";

/**
 * A node's simulated file system: the files node components share (`/etc/cni/net.d/*.conflist`,
 * host-local's `/var/lib/cni/networks/<net>/<ip>`, `/run/flannel/subnet.env`). Paths are absolute;
 * directories exist implicitly. One per node, in the node's scope under {@link NodeFiles}.
 */
export class NodeFileSystem {
  private readonly files = new Map<string, string>();
  private readonly watchers = new Set<(path: string) => void>();

  read(path: string): string | undefined {
    return this.files.get(path);
  }

  write(path: string, content: string): void {
    this.files.set(path, content);
    for (const w of this.watchers) w(path);
  }

  remove(path: string): boolean {
    const had = this.files.delete(path);
    if (had) for (const w of this.watchers) w(path);
    return had;
  }

  exists(path: string): boolean {
    return this.files.has(path);
  }

  /** File names directly in `dir`, sorted (as `ls` lists them). */
  list(dir: string): string[] {
    const prefix = dir.endsWith("/") ? dir : dir + "/";
    const out: string[] = [];
    for (const p of this.files.keys()) if (p.startsWith(prefix) && !p.slice(prefix.length).includes("/")) out.push(p.slice(prefix.length));
    return out.sort();
  }

  /** Calls `fn` with the path of every write or removal; returns the unsubscribe. */
  watch(fn: (path: string) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }
}

export const NodeFiles = token<NodeFileSystem>("NodeFiles");
