import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { KubeObject } from "../../api/object.js";
import type { MemoryStoreState } from "../memory-store.js";
import type { StoreEvent } from "../store.js";
import { atRevision, historyRecordJson, isChangeRecord } from "./event-codec.js";
import { checkHeader, encodeHeader, encodeRecord, scanRecords } from "./record-file.js";
import { snapshotName, syncDirectory } from "./state-files.js";

/**
 * A snapshot file: after the header a meta record `{revision, compactedThrough, objects, events}`,
 * then one `{k, o}` record per object in key order, one record per retained history event, and an
 * end record `{end: count}`. Written to a `.tmp` name, fsynced, then renamed: a snapshot is either
 * complete or absent, and a damaged one fails its checksums or its counts.
 */

interface SnapshotMeta {
  revision: number;
  compactedThrough: number;
  objects: number;
  events: number;
}

/** Records per write while streaming a snapshot out (the event loop runs between chunks). */
const CHUNK = 2000;

/** Writes `state` as the snapshot of its revision; returns its size in bytes. */
export async function writeSnapshot(dir: string, state: MemoryStoreState): Promise<number> {
  const name = snapshotName(state.revision);
  const tmp = join(dir, `${name}.tmp`);
  const handle = await open(tmp, "w");
  let bytes = 0;
  try {
    const meta: SnapshotMeta = { revision: state.revision, compactedThrough: state.compactedThrough, objects: state.objects.length, events: state.events.length };
    const write = async (buffers: Buffer[]): Promise<void> => {
      const data = Buffer.concat(buffers);
      bytes += data.length;
      await handle.write(data);
    };
    await write([encodeHeader("KSSN"), encodeRecord(JSON.stringify(meta))]);
    for (let i = 0; i < state.objects.length; i += CHUNK) {
      await write(state.objects.slice(i, i + CHUNK).map(([k, o]) => encodeRecord(JSON.stringify({ k, o }))));
    }
    for (let i = 0; i < state.events.length; i += CHUNK) {
      await write(state.events.slice(i, i + CHUNK).map((event) => encodeRecord(historyRecordJson(event))));
    }
    await write([encodeRecord(JSON.stringify({ end: state.objects.length + state.events.length }))]);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, join(dir, name));
  await syncDirectory(dir);
  return bytes;
}

export type SnapshotRead = { ok: true; state: MemoryStoreState; bytes: number } | { ok: false; reason: string };

/** Reads and fully validates a snapshot; never throws for a damaged file (only for one of a newer format). */
export async function readSnapshot(dir: string, name: string): Promise<SnapshotRead> {
  let data: Buffer;
  try {
    data = await readFile(join(dir, name));
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const header = checkHeader(data, "KSSN", name);
  if (!header.ok) return header;
  let meta: SnapshotMeta | undefined;
  const objects: [string, KubeObject][] = [];
  const events: StoreEvent[] = [];
  let ended = false;
  const scan = scanRecords(data, (payload) => {
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return "not JSON";
    }
    if (ended) return "data after the end record";
    if (!meta) {
      const m = value as SnapshotMeta;
      if (!Number.isSafeInteger(m?.revision) || !Number.isSafeInteger(m.objects) || !Number.isSafeInteger(m.events) || !Number.isSafeInteger(m.compactedThrough)) return "bad meta record";
      meta = m;
      return undefined;
    }
    if (objects.length < meta.objects) {
      const { k, o } = value as { k?: unknown; o?: KubeObject };
      if (typeof k !== "string" || typeof o !== "object" || o === null) return "bad object record";
      objects.push([k, o]);
      return undefined;
    }
    if (events.length < meta.events) {
      if (!isChangeRecord(value)) return "bad history record";
      const { r: revision, k: key, p: prevObject } = value;
      if (value.t === "D") {
        if (!prevObject) return "bad history record";
        events.push({ type: "DELETED", key, object: atRevision(prevObject, revision), prevObject, revision });
      } else {
        if (!value.o || (value.t === "M" && !prevObject)) return "bad history record";
        events.push(value.t === "A" ? { type: "ADDED", key, object: value.o, revision } : { type: "MODIFIED", key, object: value.o, prevObject: prevObject!, revision });
      }
      return undefined;
    }
    if ((value as { end?: unknown }).end !== meta.objects + meta.events) return "bad end record";
    ended = true;
    return undefined;
  });
  if (scan.problem) return { ok: false, reason: scan.problem };
  if (!meta || !ended) return { ok: false, reason: "incomplete snapshot (no end record)" };
  for (let i = 1; i < events.length; i++) if (events[i]!.revision !== events[i - 1]!.revision + 1) return { ok: false, reason: "history revisions are not consecutive" };
  if (events.length > 0 && events[events.length - 1]!.revision !== meta.revision) return { ok: false, reason: "history does not end at the snapshot revision" };
  return { ok: true, bytes: data.length, state: { revision: meta.revision, compactedThrough: meta.compactedThrough, objects, events } };
}
