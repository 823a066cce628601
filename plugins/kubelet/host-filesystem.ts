import { normalizePath, parentOf } from "../../core/cri/filesystem.js";
import { HostFileSystem } from "../../core/cri/host-filesystem.js";
import type { LogStore } from "../../core/cri/runtime-service.js";

/**
 * A node's root filesystem as its kubelet and hostPath volumes see it: the kernel's view
 * ({@link HostFileSystem}: plain files — pod directories, hostPath data — and mounts) plus the
 * container runtime's log files at
 * `/var/log/pods/<ns>_<pod>_<uid>/<container>/<restart>.log`, read straight from the runtime's
 * {@link LogStore} (no copy), and the kubelet's symbolic links
 * `/var/log/containers/<pod>_<ns>_<container>-<id>.log` to them. A link whose target is gone
 * reads as missing and is dropped from listings, as the kubelet's container GC removes it.
 */
export class NodeHostFileSystem extends HostFileSystem {
  private readonly links = new Map<string, string>();
  /** Directory → the links directly in it (listing a directory reads its own links only). */
  private readonly linksByDir = new Map<string, Set<string>>();
  private logs: LogStore | undefined;

  /** Shows the runtime's log files (called once the node's runtime exists). */
  bindLogs(logs: LogStore): void {
    this.logs = logs;
  }

  override read(path: string): string | undefined {
    const p = this.resolve(normalizePath(path));
    return this.logs?.text(p) ?? super.read(p);
  }

  override write(path: string, data: string): void {
    super.write(this.resolve(normalizePath(path)), data);
  }

  override remove(path: string): boolean {
    const p = normalizePath(path);
    if (this.dropLink(p)) return true;
    let removed = false;
    const prefix = p === "/" ? "/" : p + "/";
    // The links below `p` are those of the link directories at or below it (a few directories, not every link of the node).
    for (const [dir, inDir] of [...this.linksByDir]) {
      if (dir !== p && !dir.startsWith(prefix)) continue;
      for (const l of [...inDir]) removed = this.dropLink(l) || removed;
    }
    return super.remove(p) || removed;
  }

  override list(dir: string): string[] | undefined {
    const p = normalizePath(dir);
    const prefix = p === "/" ? "/" : p + "/";
    const own = super.list(p);
    // Log files and links add names; without any, the kernel's own (sorted) listing is the answer.
    let names: Set<string> | undefined;
    if (this.logs && (this.logs.hasFilesUnder?.(prefix) ?? true)) {
      for (const f of this.logs.files()) {
        if (f.startsWith(prefix)) (names ??= new Set(own)).add(f.slice(prefix.length).split("/")[0]!);
      }
    }
    const inDir = this.linksByDir.get(p);
    if (inDir) {
      for (const link of [...inDir]) {
        const target = this.links.get(link)!;
        if (this.read(target) === undefined) {
          this.dropLink(link);
          continue;
        }
        (names ??= new Set(own)).add(link.slice(prefix.length));
      }
    }
    return names ? [...names].sort() : own;
  }

  /** Whether {@link list} would list `path`, without building (and sorting) the listing: the kubelet asks it of every file it walks. */
  override isDirectory(path: string): boolean {
    const p = normalizePath(path);
    if (super.isDirectory(p)) return true;
    const prefix = p === "/" ? "/" : p + "/";
    if (this.logs && (this.logs.hasFilesUnder?.(prefix) ?? true)) for (const f of this.logs.files()) if (f.startsWith(prefix)) return true;
    const inDir = this.linksByDir.get(p);
    if (!inDir) return false;
    let live = false;
    for (const link of [...inDir]) {
      if (this.read(this.links.get(link)!) !== undefined) live = true;
      else this.dropLink(link);
    }
    return live;
  }

  symlink(target: string, path: string): void {
    const p = normalizePath(path);
    const dir = parentOf(p);
    this.mkdir(dir);
    this.links.set(p, normalizePath(target));
    let inDir = this.linksByDir.get(dir);
    if (!inDir) this.linksByDir.set(dir, (inDir = new Set()));
    inDir.add(p);
  }

  /** Removes the link at `p`; false when there is none. */
  private dropLink(p: string): boolean {
    if (!this.links.delete(p)) return false;
    const dir = parentOf(p);
    const inDir = this.linksByDir.get(dir);
    inDir?.delete(p);
    if (inDir?.size === 0) this.linksByDir.delete(dir);
    return true;
  }

  readlink(path: string): string | undefined {
    return this.links.get(normalizePath(path));
  }

  private resolve(p: string): string {
    return this.links.get(p) ?? p;
  }
}
