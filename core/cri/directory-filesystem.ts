import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FsError, normalizePath, parentOf, type FileOwnership, type FileSystem } from "./filesystem.js";
import { OwnershipTable } from "./ownership-table.js";

/**
 * A {@link FileSystem} kept in a real directory of the machine kubesim runs on: what a plugin with
 * a state directory mounts where its data must outlive the process (csi-hostpath's volumes on a
 * durable cluster). Paths are relative to `root`; every call is synchronous file I/O. Writes go to
 * a temporary file renamed into place, so a crash leaves the old or the new content. Ownership
 * and modes set with chown/chmod (fsGroup) are kept in memory only: the kubelet applies them again
 * when it mounts the volume.
 */
export class DirectoryFileSystem implements FileSystem {
  private readonly owners = new OwnershipTable();

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  private real(path: string): string {
    return join(this.root, normalizePath(path));
  }

  read(path: string): string | undefined {
    try {
      return readFileSync(this.real(path), "utf8");
    } catch {
      return undefined;
    }
  }

  write(path: string, data: string): void {
    const p = normalizePath(path);
    if (this.isDirectory(p)) throw new FsError("EISDIR", p);
    const created = !existsSync(this.real(p));
    this.mkdir(parentOf(p));
    const tmp = `${this.real(p)}.kubesim-tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, this.real(p));
    if (created) this.owners.created(p, false);
  }

  remove(path: string): boolean {
    const p = normalizePath(path);
    if (!existsSync(this.real(p))) return false;
    if (p === "/") {
      for (const name of readdirSync(this.root)) rmSync(join(this.root, name), { recursive: true, force: true });
      this.owners.removed("/");
      return true;
    }
    rmSync(this.real(p), { recursive: true, force: true });
    this.owners.removed(p);
    return true;
  }

  mkdir(path: string): void {
    const made: string[] = [];
    for (let p = normalizePath(path); p !== "/" && !existsSync(this.real(p)); p = parentOf(p)) made.push(p);
    mkdirSync(this.real(path), { recursive: true });
    for (let i = made.length - 1; i >= 0; i--) this.owners.created(made[i]!, true);
  }

  list(dir: string): string[] | undefined {
    try {
      return readdirSync(this.real(dir))
        .filter((n) => !n.endsWith(".kubesim-tmp"))
        .sort();
    } catch {
      return undefined;
    }
  }

  isDirectory(path: string): boolean {
    try {
      return statSync(this.real(path)).isDirectory();
    } catch {
      return false;
    }
  }

  stat(path: string): FileOwnership | undefined {
    const p = normalizePath(path);
    if (!existsSync(this.real(p))) return undefined;
    return this.owners.of(p, this.isDirectory(p));
  }

  chown(path: string, uid: number | undefined, gid: number | undefined): void {
    this.owners.chown(path, this.stat(path), uid, gid);
  }

  chmod(path: string, mode: number): void {
    this.owners.chmod(path, this.stat(path), mode);
  }
}
