import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { KubeObject } from "../api/object.js";
import { offClock, type Clock } from "../clock/clock.js";
import { logRecordJson } from "./durable/event-codec.js";
import { encodeRecord } from "./durable/record-file.js";
import { recover } from "./durable/recovery.js";
import { writeSnapshot } from "./durable/snapshot-file.js";
import { listStateFiles, syncDirectory } from "./durable/state-files.js";
import { WalWriter } from "./durable/wal-writer.js";
import { MemoryStore, type MemoryStoreOptions } from "./memory-store.js";
import type { Store, StoreEvent, StoreListOptions, StoreListResult, StorePreconditions, StoreWatch, StoreWatchOptions } from "./store.js";

export interface DurableStoreOptions extends Omit<MemoryStoreOptions, "journal"> {
  /** Where warnings about recovered damage go (default: stderr). */
  warn?: (message: string) => void;
  /**
   * Log bytes written since the last snapshot that trigger the next one, at least (default 64 MiB);
   * a snapshot is also not taken before the log has grown as large as the last snapshot, so that
   * writing snapshots costs amortised O(1) per change.
   */
  snapshotLogBytes?: number;
  /**
   * The simulation's clock: each write's wait for the disk is work off the clock
   * ({@link Clock.hold}), so a virtual clock moving on its own does not jump while an fsync is in
   * flight. Without it, a loaded machine's slow disk shows as simulated time (node leases expire
   * while their renewals wait for the disk). Default: none (real time needs nothing).
   */
  clock?: Clock;
}

/**
 * The durable embedded {@link Store}: a {@link MemoryStore} serves every read and watch, and every
 * change is appended to an on-disk write-ahead log in `dir` — framed, checksummed records, as
 * etcd's WAL — before the write is acknowledged. Writes that arrive while an fdatasync is in
 * flight are committed together by the next one (group commit). Snapshots of the whole state are
 * taken as the log grows, after which older segments are removed (the two newest snapshots and
 * the log after the older one are kept, so a damaged snapshot falls back to the previous one).
 *
 * `DurableStore.open` recovers the objects, the revision counter and the watch history window:
 * watches may resume from a revision seen before a restart. A change is visible to reads and
 * watches of this process as soon as it is applied, slightly before its fsync completes; the
 * writer's response waits for the fsync.
 */
export class DurableStore implements Store {
  private snapshotting: Promise<void> | undefined;
  private lastSnapshotBytes: number;
  private readonly snapshotLogBytes: number;
  private closed = false;
  private readonly clock: Clock | undefined;

  private constructor(
    readonly dir: string,
    private readonly memory: MemoryStore,
    private readonly wal: WalWriter,
    snapshotBytes: number,
    options: DurableStoreOptions,
    private readonly warn: (message: string) => void,
  ) {
    this.lastSnapshotBytes = snapshotBytes;
    this.snapshotLogBytes = options.snapshotLogBytes ?? 64 * 1024 * 1024;
    this.clock = options.clock;
  }

  /** Opens (creating if needed) the store in `dir` and recovers its state. */
  static async open(dir: string, options: DurableStoreOptions = {}): Promise<DurableStore> {
    const warn = options.warn ?? ((message: string) => process.stderr.write(`kubesim store: ${message}\n`));
    await mkdir(dir, { recursive: true });
    const files = await listStateFiles(dir);
    for (const name of files.temporary) await rm(join(dir, name), { force: true });
    const historyLimit = options.historyLimit ?? 10_000;
    const recovered = await recover(dir, files, historyLimit, warn);
    let store: DurableStore | undefined;
    const { warn: _warn, snapshotLogBytes: _bytes, clock: _clock, ...memoryOptions } = options;
    const memory = new MemoryStore({ ...memoryOptions, historyLimit, journal: (event) => store!.journal(event) });
    memory.restore(recovered.state);
    const wal = await WalWriter.create(dir, recovered.state.revision);
    store = new DurableStore(dir, memory, wal, recovered.snapshotBytes, options, warn);
    return store;
  }

  /** Removes every store file in `dir` (what `kubesim up --reset` does), leaving other files alone. */
  static async reset(dir: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) if (/^(wal-|snap-)/.test(name)) await rm(join(dir, name), { force: true });
    await syncDirectory(dir);
  }

  currentRevision(): number {
    return this.memory.currentRevision();
  }

  get(key: string): Promise<KubeObject | undefined> {
    return this.memory.get(key);
  }

  list(prefix: string, options?: StoreListOptions): Promise<StoreListResult> {
    return this.memory.list(prefix, options);
  }

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.committed(() => this.memory.create(key, obj));
  }

  update(key: string, obj: KubeObject, preconditions?: StorePreconditions): Promise<KubeObject> {
    return this.committed(() => this.memory.update(key, obj, preconditions));
  }

  delete(key: string, preconditions?: StorePreconditions): Promise<KubeObject> {
    return this.committed(() => this.memory.delete(key, preconditions));
  }

  watch(prefix: string, options: StoreWatchOptions, listener: (event: StoreEvent) => void): StoreWatch {
    return this.memory.watch(prefix, options, listener);
  }

  compact(revision: number): void {
    this.memory.compact(revision);
    if (!this.closed) this.wal.append(this.memory.currentRevision(), encodeRecord(JSON.stringify({ c: Math.min(revision, this.memory.currentRevision()) })));
  }

  oldestWatchableRevision(): number {
    return this.memory.oldestWatchableRevision();
  }

  /** Writes a snapshot of the current state now and prunes what it makes obsolete (also taken automatically as the log grows). */
  snapshot(): Promise<void> {
    return (this.snapshotting ??= this.takeSnapshot().finally(() => (this.snapshotting = undefined)));
  }

  /** Waits for pending log writes and any snapshot, then closes the files. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.snapshotting?.catch(() => undefined);
    await this.wal.close();
    await this.memory.close();
  }

  /**
   * Resolves with the write's result once its record — and every earlier one — is durable; the
   * clock, when given, is held from the call on (see {@link DurableStoreOptions.clock}).
   */
  private committed(apply: () => Promise<KubeObject>): Promise<KubeObject> {
    const done = this.durable(apply);
    return this.clock ? offClock(this.clock, done) : done;
  }

  /**
   * The memory store applies a write synchronously inside the call, so the revision read right
   * after it is at least the write's own.
   */
  private async durable(apply: () => Promise<KubeObject>): Promise<KubeObject> {
    if (this.closed) throw new Error("store is closed");
    const write = apply();
    const revision = this.memory.currentRevision();
    const result = await write;
    await this.wal.synced(revision);
    return result;
  }

  private journal(event: StoreEvent): void {
    this.wal.append(event.revision, encodeRecord(logRecordJson(event)));
    if (!this.snapshotting && this.wal.bytesSinceRotation >= Math.max(this.snapshotLogBytes, this.lastSnapshotBytes)) {
      queueMicrotask(() => void this.snapshot().catch((err: unknown) => this.warn(`snapshot failed (the log keeps every change): ${err instanceof Error ? err.message : String(err)}`)));
    }
  }

  private async takeSnapshot(): Promise<void> {
    const state = this.memory.exportState();
    // Records up to state.revision are queued already: they finish the current segment.
    this.wal.rotate(state.revision + 1);
    this.lastSnapshotBytes = await writeSnapshot(this.dir, state);
    await this.prune();
  }

  /** Keeps the two newest snapshots and the log after the older of them; removes the rest. */
  private async prune(): Promise<void> {
    const files = await listStateFiles(this.dir);
    const kept = files.snapshots.slice(0, 2);
    if (kept.length < 2) return;
    const oldest = kept[1]!.revision;
    for (const snapshot of files.snapshots.slice(2)) await rm(join(this.dir, snapshot.name), { force: true });
    for (let i = 0; i + 1 < files.segments.length; i++) {
      if (files.segments[i + 1]!.first <= oldest + 1) await rm(join(this.dir, files.segments[i]!.name), { force: true });
    }
    await syncDirectory(this.dir);
  }
}
