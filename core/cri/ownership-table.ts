import { defaultOwnership, FsError, normalizePath, parentOf, S_ISGID, type FileOwnership } from "./filesystem.js";

/**
 * Owners and modes that differ from root's defaults, by path: what chown/chmod change in a
 * {@link FileSystem} that keeps no inodes of its own. A new entry in a set-group-ID directory
 * takes the directory's group (and a directory the bit too), as Linux does.
 */
export class OwnershipTable {
  private readonly owners = new Map<string, FileOwnership>();

  /** The ownership of an existing entry at `p` (normalised). */
  of(p: string, dir: boolean): FileOwnership {
    return this.owners.get(p) ?? defaultOwnership(dir);
  }

  chown(path: string, now: FileOwnership | undefined, uid: number | undefined, gid: number | undefined): void {
    if (!now) throw new FsError("ENOENT", normalizePath(path));
    this.owners.set(normalizePath(path), { uid: uid ?? now.uid, gid: gid ?? now.gid, mode: now.mode });
  }

  chmod(path: string, now: FileOwnership | undefined, mode: number): void {
    if (!now) throw new FsError("ENOENT", normalizePath(path));
    this.owners.set(normalizePath(path), { ...now, mode: mode & 0o7777 });
  }

  /** Records a new entry at `p` (normalised): inherits a set-group-ID parent's group. */
  created(p: string, dir: boolean): void {
    if (this.owners.size === 0) return;
    const parent = this.owners.get(parentOf(p));
    if (!parent || !(parent.mode & S_ISGID)) return;
    const base = defaultOwnership(dir);
    this.owners.set(p, { uid: base.uid, gid: parent.gid, mode: dir ? base.mode | S_ISGID : base.mode });
  }

  /** Forgets `p` (normalised) and everything below it. */
  removed(p: string): void {
    if (this.owners.size === 0) return;
    const prefix = p === "/" ? "/" : p + "/";
    for (const o of [...this.owners.keys()]) if (o === p || o.startsWith(prefix)) this.owners.delete(o);
  }
}
