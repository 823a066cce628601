import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { encodeHeader } from "./record-file.js";
import { segmentName, syncDirectory } from "./state-files.js";

type QueueItem = { record: Buffer; revision: number } | { rotateTo: number };

interface Waiter {
  revision: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Appends log records with group commit: records queue while a write+fdatasync is in flight and
 * go out together in the next one, so one fsync acknowledges many writes. `synced(r)` resolves
 * once every record up to revision `r` is on disk. Segments are rotated at a queue position, so
 * every record before the rotation lands in the old segment and every later one in the new.
 *
 * After a failed write or fsync the log is unusable (what reached the disk is unknown): every
 * waiter and every later write fails with that error.
 */
export class WalWriter {
  private queue: QueueItem[] = [];
  private waiters: Waiter[] = [];
  private durableRevision: number;
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** Bytes appended to the log since the last rotation. */
  bytesSinceRotation = 0;

  private constructor(private readonly dir: string, private handle: FileHandle, revision: number) {
    this.durableRevision = revision;
  }

  /** Starts a fresh segment for the records after `revision` (replacing an empty one of that name). */
  static async create(dir: string, revision: number): Promise<WalWriter> {
    const handle = await openSegment(dir, revision + 1);
    return new WalWriter(dir, handle, revision);
  }

  /** Queues the record of `revision` (revisions must be appended in order). */
  append(revision: number, record: Buffer): void {
    if (this.failure) return;
    this.queue.push({ record, revision });
    this.bytesSinceRotation += record.length;
    this.kick();
  }

  /** Resolves once every record up to `revision` is durable; rejects if the log failed. */
  synced(revision: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (revision <= this.durableRevision) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ revision, resolve, reject }));
  }

  /** Records queued after this call go to a new segment starting at `nextRevision`. */
  rotate(nextRevision: number): void {
    this.queue.push({ rotateTo: nextRevision });
    this.bytesSinceRotation = 0;
    this.kick();
  }

  /** Waits for everything queued, then closes the segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle.close().catch(() => undefined);
  }

  private kick(): void {
    if (this.flushing || this.closed) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0 && !this.failure) this.kick();
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch: Buffer[] = [];
        let last = this.durableRevision;
        let rotateTo: number | undefined;
        let i = 0;
        for (; i < this.queue.length; i++) {
          const item = this.queue[i]!;
          if ("rotateTo" in item) {
            rotateTo = item.rotateTo;
            i++;
            break;
          }
          batch.push(item.record);
          last = item.revision;
        }
        this.queue = this.queue.slice(i);
        if (batch.length > 0) {
          await writeAll(this.handle, batch);
          await this.handle.datasync();
          this.acknowledge(last);
        }
        if (rotateTo !== undefined) {
          await this.handle.close();
          this.handle = await openSegment(this.dir, rotateTo);
        }
      }
    } catch (err) {
      this.failure = new Error(`store log write failed, the store refuses further writes: ${err instanceof Error ? err.message : String(err)}`);
      for (const waiter of this.waiters) waiter.reject(this.failure);
      this.waiters = [];
      this.queue = [];
    }
  }

  private acknowledge(revision: number): void {
    this.durableRevision = revision;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.revision <= revision) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}

async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  // writev may write partially; continue from where it stopped.
  let pending = buffers;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending.slice(0, 1024));
    let left = bytesWritten;
    let k = 0;
    while (k < pending.length && left >= pending[k]!.length) left -= pending[k++]!.length;
    pending = pending.slice(k);
    if (left > 0) pending[0] = pending[0]!.subarray(left);
  }
}

/** Creates (or truncates) the segment whose first record is `firstRevision`, header written and durable. */
async function openSegment(dir: string, firstRevision: number): Promise<FileHandle> {
  const handle = await open(join(dir, segmentName(firstRevision)), "w");
  try {
    await handle.write(encodeHeader("KSWL"));
    await handle.datasync();
    await syncDirectory(dir);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  return handle;
}
