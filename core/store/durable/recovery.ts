import { readFile, rename, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import type { KubeObject } from "../../api/object.js";
import type { MemoryStoreState } from "../memory-store.js";
import type { StoreEvent } from "../store.js";
import { eventOf, isChangeRecord } from "./event-codec.js";
import { checkHeader, HEADER_BYTES, scanRecords } from "./record-file.js";
import { readSnapshot } from "./snapshot-file.js";
import type { StateFiles } from "./state-files.js";
import { decoded, type EncodedObject } from "../encoded-object.js";

/** A state directory that cannot be recovered without losing data; the message says what to do. */
export class UnrecoverableStateError extends Error {
  override readonly name = "UnrecoverableStateError";
}

export interface Recovered {
  state: MemoryStoreState;
  /** Size of the snapshot recovered from (0 if none). */
  snapshotBytes: number;
}

/**
 * Rebuilds the state from the newest readable snapshot plus the log records after it, as etcd
 * replays its WAL over its last snapshot. A snapshot that fails its checks is renamed `*.corrupt`
 * and the previous one is used. Log replay stops at the first record that fails its checksum or
 * does not follow on: that segment is truncated there and any later segments are set aside as
 * `*.discarded`, each with a warning naming the bytes. Only a newer store format, or a gap no file
 * can fill, is refused.
 */
export async function recover(dir: string, files: StateFiles, historyLimit: number, warn: (message: string) => void): Promise<Recovered> {
  let base: MemoryStoreState = { revision: 0, compactedThrough: 0, objects: [], events: [] };
  let snapshotBytes = 0;
  for (const snapshot of files.snapshots) {
    const read = await readSnapshot(dir, snapshot.name);
    if (read.ok) {
      base = read.state;
      snapshotBytes = read.bytes;
      break;
    }
    warn(`snapshot ${snapshot.name} is corrupt (${read.reason}); renamed it to ${snapshot.name}.corrupt and falling back to the previous snapshot`);
    await rename(join(dir, snapshot.name), join(dir, `${snapshot.name}.corrupt`));
  }

  const objects = new Map<string, KubeObject | EncodedObject>(base.objects);
  const events: StoreEvent[] = [...base.events];
  let revision = base.revision;
  let compactedThrough = base.compactedThrough;
  const segments = files.segments.filter((s, i) => {
    const next = files.segments[i + 1];
    return !next || next.first > base.revision + 1;
  });
  if (segments.length > 0 && segments[0]!.first > revision + 1) {
    throw new UnrecoverableStateError(
      `store ${dir}: ${files.snapshots.length > 0 ? "no readable snapshot" : "no snapshot"} covers revisions ${revision + 1}..${segments[0]!.first - 1} and the log starts at ${segments[0]!.first}: ` +
        `the state cannot be recovered completely; move the directory away, or start empty with --reset`,
    );
  }
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    const path = join(dir, segment.name);
    const data = await readFile(path);
    const header = checkHeader(data, "KSWL", segment.name);
    const scan = header.ok
      ? scanRecords(data, (payload) => {
          let value: unknown;
          try {
            value = JSON.parse(payload);
          } catch {
            return "not JSON";
          }
          if (typeof (value as { c?: unknown }).c === "number") {
            compactedThrough = Math.max(compactedThrough, Math.min((value as { c: number }).c, revision));
            return undefined;
          }
          if (!isChangeRecord(value)) return "not a change record";
          if (value.r <= revision) return undefined;
          if (value.r !== revision + 1) return `revision ${value.r} does not follow ${revision}`;
          const prev = objects.get(value.k);
          const event = eventOf(value, prev === undefined ? undefined : decoded(prev));
          if (!event) return `${value.t} of ${value.k} does not fit the state at revision ${revision}`;
          if (event.type === "DELETED") objects.delete(value.k);
          else objects.set(value.k, event.object);
          events.push(event);
          if (events.length > 2 * historyLimit) events.splice(0, events.length - historyLimit);
          revision = value.r;
          return undefined;
        })
      : { goodEnd: 0, problem: header.reason };
    if (!scan.problem) continue;
    const keep = Math.max(scan.goodEnd, HEADER_BYTES);
    if (scan.goodEnd < HEADER_BYTES) {
      warn(`log segment ${segment.name} has a damaged header (${scan.problem}); removed it (${data.length} bytes)`);
      await rm(path);
    } else {
      warn(`log segment ${segment.name}: ${scan.problem}; truncated ${data.length - keep} bytes of torn or corrupt log tail (recovered through revision ${revision})`);
      await truncate(path, keep);
    }
    for (const later of segments.slice(s + 1)) {
      warn(`log segment ${later.name} follows a damaged one and cannot be replayed; renamed it to ${later.name}.discarded`);
      await rename(join(dir, later.name), join(dir, `${later.name}.discarded`));
    }
    break;
  }
  const keys = [...objects.keys()].sort();
  const retained = events.length > historyLimit ? events.slice(events.length - historyLimit) : events;
  const dropped = retained.length > 0 ? retained[0]!.revision - 1 : revision;
  return {
    snapshotBytes,
    state: { revision, compactedThrough: Math.max(compactedThrough, dropped), objects: keys.map((k) => [k, objects.get(k)!] as const), events: retained },
  };
}
