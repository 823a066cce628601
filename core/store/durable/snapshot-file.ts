import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { KubeObject } from "../../api/object.js";
import type { MemoryStoreState } from "../memory-store.js";
import type { StoreEvent } from "../store.js";
import { atRevision, historyRecordJson, isChangeRecord } from "./event-codec.js";
import { checkHeader, encodeHeader, encodeRecord, scanFrames } from "./record-file.js";
import { snapshotName, syncDirectory } from "./state-files.js";
import { EncodedObject } from "../encoded-object.js";

/**
 * A snapshot file: after the header a meta record `{revision, compactedThrough, objects, events}`,
 * then one `{k, r, o}` record per object in key order (`r` its revision, written before the object
 * so that a reader can index it without parsing it: objects are decoded on first use), one record per retained history event, and an
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
      await write(state.objects.slice(i, i + CHUNK).map(([k, o]) => encodeRecord(objectRecordJson(k, o))));
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

/** An object record: `{"k":<key>,"r":<revision>,"o":<object>}`; an object still encoded is written as it was read. */
function objectRecordJson(k: string, o: KubeObject | EncodedObject): string {
  if (o instanceof EncodedObject) return `{"k":${JSON.stringify(k)},"r":${o.revision},"o":${o.text()}}`;
  return `{"k":${JSON.stringify(k)},"r":${Number(o.metadata?.resourceVersion ?? 0)},"o":${JSON.stringify(o)}}`;
}

const OBJECT_RECORD_HEAD = Buffer.from('{"k":"');
const REVISION_FIELD = Buffer.from(',"r":');
const OBJECT_FIELD = Buffer.from(',"o":');

/**
 * Reads the object record in `data[start, end)` (checksum checked already) without parsing the object:
 * the key and revision from the record's head, the object left encoded. Undefined when the record
 * does not have that layout (an older snapshot), to be parsed in full instead.
 */
function encodedObjectRecord(data: Buffer, start: number, end: number): [string, EncodedObject] | undefined {
  if (data.compare(OBJECT_RECORD_HEAD, 0, OBJECT_RECORD_HEAD.length, start, start + OBJECT_RECORD_HEAD.length) !== 0) return undefined;
  // The key's JSON string: up to the first unescaped quote.
  let i = start + OBJECT_RECORD_HEAD.length;
  let escaped = false;
  for (; i < end; i++) {
    const c = data[i]!;
    if (escaped) escaped = false;
    else if (c === 0x5c) escaped = true;
    else if (c === 0x22) break;
  }
  if (i >= end || data.compare(REVISION_FIELD, 0, REVISION_FIELD.length, i + 1, i + 1 + REVISION_FIELD.length) !== 0) return undefined;
  const key = JSON.parse(data.toString("utf8", start + 5, i + 1)) as unknown;
  let j = i + 1 + REVISION_FIELD.length;
  let revision = 0;
  for (; j < end && data[j]! >= 0x30 && data[j]! <= 0x39; j++) revision = revision * 10 + (data[j]! - 0x30);
  if (typeof key !== "string" || revision <= 0 || data.compare(OBJECT_FIELD, 0, OBJECT_FIELD.length, j, j + OBJECT_FIELD.length) !== 0) return undefined;
  const objStart = j + OBJECT_FIELD.length;
  if (data[objStart] !== 0x7b || data[end - 1] !== 0x7d) return undefined;
  return [key, new EncodedObject(revision, data, objStart, end - 1)];
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
  const objects: [string, KubeObject | EncodedObject][] = [];
  const events: StoreEvent[] = [];
  let ended = false;
  const scan = scanFrames(data, (start, end) => {
    if (meta && objects.length < meta.objects) {
      const fast = encodedObjectRecord(data, start, end);
      if (fast) {
        objects.push(fast);
        return undefined;
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(data.toString("utf8", start, end));
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
