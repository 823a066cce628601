import { open, readdir } from "node:fs/promises";

/**
 * Names in a store directory: `wal-<first revision>.log` segments and `snap-<revision>.snap`
 * snapshots, revisions zero-padded to 16 digits so that names sort by revision.
 */

const pad = (revision: number): string => String(revision).padStart(16, "0");

export const segmentName = (firstRevision: number): string => `wal-${pad(firstRevision)}.log`;
export const snapshotName = (revision: number): string => `snap-${pad(revision)}.snap`;

export interface StateFiles {
  /** Segments by first revision, ascending. */
  segments: { name: string; first: number }[];
  /** Snapshots by revision, newest first. */
  snapshots: { name: string; revision: number }[];
  /** Leftovers of interrupted snapshot writes. */
  temporary: string[];
}

export async function listStateFiles(dir: string): Promise<StateFiles> {
  const files: StateFiles = { segments: [], snapshots: [], temporary: [] };
  for (const name of await readdir(dir)) {
    let m: RegExpExecArray | null;
    if ((m = /^wal-(\d{16})\.log$/.exec(name))) files.segments.push({ name, first: Number(m[1]) });
    else if ((m = /^snap-(\d{16})\.snap$/.exec(name))) files.snapshots.push({ name, revision: Number(m[1]) });
    else if (name.endsWith(".tmp")) files.temporary.push(name);
  }
  files.segments.sort((a, b) => a.first - b.first);
  files.snapshots.sort((a, b) => b.revision - a.revision);
  return files;
}

/** fsyncs a directory, making file creations, renames and removals in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
