import type { KubeObject } from "../../api/object.js";
import type { StoreEvent } from "../store.js";

/**
 * The JSON forms of changes. A log record is `{r, t: "A"|"M"|"D", k, o?}` (the previous value is
 * known when replaying in order) or `{c}` for a history compaction through revision `c`; a
 * snapshot's history event also carries `p`, the previous value.
 */
export interface ChangeRecord {
  r: number;
  t: "A" | "M" | "D";
  k: string;
  o?: KubeObject;
  p?: KubeObject;
}

export interface CompactionRecord {
  c: number;
}

const TYPE_CODE = { ADDED: "A", MODIFIED: "M", DELETED: "D" } as const;

/** The log record of `event`. */
export function logRecordJson(event: StoreEvent): string {
  const t = TYPE_CODE[event.type];
  return t === "D" ? JSON.stringify({ r: event.revision, t, k: event.key }) : JSON.stringify({ r: event.revision, t, k: event.key, o: event.object });
}

/** The snapshot form of a history event (with the previous value). */
export function historyRecordJson(event: StoreEvent): string {
  const t = TYPE_CODE[event.type];
  return JSON.stringify(t === "D" ? { r: event.revision, t, k: event.key, p: event.prevObject } : { r: event.revision, t, k: event.key, o: event.object, p: event.prevObject });
}

/** `obj` with `resourceVersion` set to `revision` (how a DELETED event's object looks). */
export function atRevision(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

/** The event a change record describes, given the key's previous value; undefined if the record does not fit that value. */
export function eventOf(record: ChangeRecord, prev: KubeObject | undefined): StoreEvent | undefined {
  const { r: revision, k: key } = record;
  switch (record.t) {
    case "A":
      return !prev && record.o ? { type: "ADDED", key, object: record.o, revision } : undefined;
    case "M":
      return prev && record.o ? { type: "MODIFIED", key, object: record.o, prevObject: prev, revision } : undefined;
    case "D":
      return prev ? { type: "DELETED", key, object: atRevision(prev, revision), prevObject: prev, revision } : undefined;
    default:
      return undefined;
  }
}

/** Whether `value` is shaped like a change record. */
export function isChangeRecord(value: unknown): value is ChangeRecord {
  const v = value as ChangeRecord | null;
  return typeof v === "object" && v !== null && Number.isSafeInteger(v.r) && typeof v.k === "string" && (v.t === "A" || v.t === "M" || v.t === "D");
}
