import type { Event } from "kubernetes-types/core/v1.js";
import { rfc3339 } from "../api/time.js";
import type { Clock } from "../clock/clock.js";
import { EventNamer } from "./event-name.js";
import { LruCache } from "./lru-cache.js";

/** client-go's defaults (tools/record/events_cache.go). */
export const MAX_LRU_CACHE_ENTRIES = 4096;
export const DEFAULT_AGGREGATE_MAX_EVENTS = 10;
export const DEFAULT_AGGREGATE_INTERVAL_MS = 600_000;
export const DEFAULT_SPAM_BURST = 25;
export const DEFAULT_SPAM_QPS = 1 / 300;
export const COMBINED_MESSAGE_PREFIX = "(combined from similar events): ";

export interface EventCorrelatorOptions {
  clock: Clock;
  /** Distinct messages with one reason on one object, within the interval, before they are combined (default 10). */
  maxEvents?: number;
  /** Window for combining similar events (default 10 minutes). */
  maxIntervalMs?: number;
  /** Per source and object: burst and refill rate of events written (default 25, one per 5 minutes). */
  spamBurst?: number;
  spamQps?: number;
  /** Names combined Events; share the broadcaster's so names stay unique. */
  namer?: EventNamer;
  /** Entries each LRU cache holds (client-go's `LRUCacheSize`; default 4096). */
  cacheSize?: number;
}

/** What to do with one event: create it, patch an earlier one (`patch` set), or drop it (`skip`). */
export interface CorrelationResult {
  event: Event;
  /** Set when the event repeats an earlier one: the strategic merge patch to apply to it. */
  patch?: { count: number; lastTimestamp: string; message: string };
  skip: boolean;
  /** Identifies the Event this one is a repeat of; pass to {@link EventCorrelator.updateState} after the write. */
  key: string;
}

interface AggregateRecord {
  /** The one message seen so far; a set once a second one arrives (most objects repeat one message per reason). */
  localKeys: Set<string> | string | undefined;
  /** Milliseconds since the correlator's epoch (see {@link EventCorrelator}). */
  lastTimestamp: number;
}

/** Adds `message` to the record's messages; returns how many distinct ones it holds. */
function addLocalKey(record: AggregateRecord, message: string): number {
  const keys = record.localKeys;
  if (keys === undefined || keys === message) {
    record.localKeys = message;
    return 1;
  }
  if (typeof keys === "string") {
    record.localKeys = new Set([keys, message]);
    return 2;
  }
  keys.add(message);
  return keys.size;
}

/** Drops one message (client-go's PopAny). */
function popLocalKey(record: AggregateRecord): void {
  const keys = record.localKeys;
  if (typeof keys === "string") record.localKeys = undefined;
  else if (keys) {
    const first = keys.values().next().value;
    if (first !== undefined) keys.delete(first);
  }
}

interface Observation {
  count: number;
  firstTimestamp: string | undefined;
  name: string;
  resourceVersion: string | undefined;
}

interface SpamBucket {
  tokens: number;
  /** Milliseconds since the correlator's epoch. */
  last: number;
}

/**
 * Decides how an event is written, as client-go's `EventCorrelator`:
 * 1. Aggregation: once `maxEvents` different messages with the same source, object, type and
 *    reason arrive within `maxIntervalMs`, further ones become one Event whose message is prefixed
 *    "(combined from similar events): ".
 * 2. Deduplication: an event identical (source, object, type, reason, message) to one written
 *    before becomes a patch of that Event: count + 1, lastTimestamp now.
 * 3. Spam filter: a token bucket per source and object drops events beyond it.
 * State lives in LRU caches of 4096 entries (`cacheSize`), as in client-go. Their keys start with
 * a short id standing for the source and involved object (the part every key of one object
 * repeats) rather than those fields' text. An id is found by the object's uid, in an LRU cache as
 * large, among the (few) sources and objects seen with that uid, told apart by their fields: the
 * uid is a string the object's events share, which keeps its hash, so the lookup neither joins
 * nor hashes seven fields. Without a uid, or past {@link MAX_IDS_PER_UID} of them under one uid,
 * a second LRU cache finds the id by the fields' text. Either cache drops an entry only after as
 * many other entries of it were used since, each by a correlation of an object with another id
 * that refreshed one key in each of the three caches (looking up a uid refreshes its entry even
 * when the id is then found by text), so every key made from a dropped id is gone by then: keys
 * compare as the fields would (an id kept longer is merely unused). An event about the same source
 * and object as the one before it reuses that one's id without a lookup (already the most recent).
 *
 * Times are kept as milliseconds since the correlator was made (its epoch): small integers, held
 * in the records themselves, where epoch milliseconds (past 2^31) would each be a boxed number.
 */
export class EventCorrelator {
  private readonly clock: Clock;
  private readonly maxEvents: number;
  private readonly maxIntervalMs: number;
  private readonly spamBurst: number;
  private readonly spamQps: number;
  private readonly namer: EventNamer;
  private readonly aggregates: LruCache<string, AggregateRecord>;
  private readonly observations: LruCache<string, Observation>;
  private readonly spam: LruCache<string, SpamBucket>;
  /** The involved object's uid → the ids of the sources and objects seen with it (a chain). */
  private readonly byUid: LruCache<string, SourceKeys>;
  /** Source and involved object (their fields joined) → the id their keys start with: objects without a uid, or past a chain's bound. */
  private readonly byText: LruCache<string, SourceKeys>;
  private nextSourceId = 0;
  /** The last event's source and involved object, and their id (see {@link sourceKeys}). */
  private lastKeys: SourceKeys | undefined;
  private readonly epoch: number;

  constructor(options: EventCorrelatorOptions) {
    this.clock = options.clock;
    this.maxEvents = options.maxEvents ?? DEFAULT_AGGREGATE_MAX_EVENTS;
    this.maxIntervalMs = options.maxIntervalMs ?? DEFAULT_AGGREGATE_INTERVAL_MS;
    this.spamBurst = options.spamBurst ?? DEFAULT_SPAM_BURST;
    this.spamQps = options.spamQps ?? DEFAULT_SPAM_QPS;
    this.namer = options.namer ?? new EventNamer();
    this.epoch = this.clock.now();
    const size = options.cacheSize ?? MAX_LRU_CACHE_ENTRIES;
    this.aggregates = new LruCache(size);
    this.observations = new LruCache(size);
    this.spam = new LruCache(size);
    // As large as the three caches: an id outlives the keys made from it (see the class comment).
    this.byUid = new LruCache(size);
    this.byText = new LruCache(size);
  }

  correlate(newEvent: Event): CorrelationResult {
    const source = this.sourceKeys(newEvent);
    const { event: aggregated, key } = this.aggregate(newEvent, source.id);
    const { event, patch } = this.observe(aggregated, key);
    const skip = this.spamFiltered(event, source);
    return patch ? { event, patch, skip, key } : { event, skip, key };
  }

  /**
   * `time` in milliseconds since the epoch, as a small integer when it is one (a difference of two
   * large numbers is a heap number even when whole, and a record field once given one boxes every
   * record's). A fraction or a span past 2^31 ms stays as it is.
   */
  private sinceEpoch(time: number): number {
    const since = time - this.epoch;
    return (since | 0) === since ? since | 0 : since;
  }

  /** Remembers the Event as written (its name and resourceVersion) so repeats patch it. */
  updateState(key: string, written: Event): void {
    // Updated in place when present (`get` makes it the most recently used, as client-go's Add does).
    const known = this.observations.get(key);
    if (known) {
      known.count = written.count ?? 1;
      known.firstTimestamp = written.firstTimestamp;
      known.name = written.metadata?.name ?? "";
      known.resourceVersion = written.metadata?.resourceVersion;
    } else {
      this.observations.set(key, { count: written.count ?? 1, firstTimestamp: written.firstTimestamp, name: written.metadata?.name ?? "", resourceVersion: written.metadata?.resourceVersion });
    }
  }

  /** Forgets a written Event (it was deleted, so a repeat must create a new one). */
  forget(key: string): void {
    this.observations.delete(key);
  }

  /**
   * The id of the event's source and involved object, with the keys made from it (made when first
   * seen, refreshed on each event). The same fields as the last event's: the last one, which that
   * event left the most recently used in the caches it is found in (only this method uses them),
   * so a lookup would change nothing.
   */
  private sourceKeys(event: Event): SourceKeys {
    const last = this.lastKeys;
    if (last && last.describes(event)) return last;
    const uid = event.involvedObject.uid;
    let keys: SourceKeys | undefined;
    if (uid) {
      const head = this.byUid.get(uid);
      if (head === undefined) this.byUid.add(uid, (keys = this.newKeys(event)));
      else {
        let tail = head;
        let length = 0;
        for (let k: SourceKeys | undefined = head; k; tail = k, k = k.next, length++) {
          if (k.describes(event)) {
            keys = k;
            break;
          }
        }
        if (keys === undefined) keys = length < MAX_IDS_PER_UID ? (tail.next = this.newKeys(event)) : this.byTextKeys(event);
      }
    } else keys = this.byTextKeys(event);
    this.lastKeys = keys;
    return keys;
  }

  private byTextKeys(event: Event): SourceKeys {
    const text = sourceAndObjectKey(event);
    let keys = this.byText.get(text);
    if (keys === undefined) this.byText.add(text, (keys = this.newKeys(event)));
    return keys;
  }

  private newKeys(event: Event): SourceKeys {
    return new SourceKeys((this.nextSourceId++).toString(36), event);
  }

  private aggregate(event: Event, source: string): { event: Event; key: string } {
    const at = this.clock.now();
    const now = this.sinceEpoch(at);
    const aggregateKey = aggregateKeyOf(event, source);
    // `get` makes a found record the most recently used; a new one is stored.
    let record = this.aggregates.get(aggregateKey);
    if (!record) this.aggregates.add(aggregateKey, (record = { localKeys: undefined, lastTimestamp: now }));
    else if (record.lastTimestamp < now - this.maxIntervalMs) this.aggregates.set(aggregateKey, (record = { localKeys: undefined, lastTimestamp: now }));
    const distinct = addLocalKey(record, event.message ?? "");
    record.lastTimestamp = now;
    if (distinct < this.maxEvents) return { event, key: eventKeyOf(event, source) };
    // Keep the set from growing: drop one message, as client-go's PopAny.
    popLocalKey(record);
    const name = event.involvedObject.name ?? "";
    const ts = rfc3339(at);
    const combined: Event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: this.namer.name(name, at), namespace: event.metadata?.namespace },
      involvedObject: event.involvedObject,
      reason: event.reason,
      message: COMBINED_MESSAGE_PREFIX + (event.message ?? ""),
      source: event.source,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type: event.type,
      reportingComponent: event.reportingComponent,
      reportingInstance: event.reportingInstance,
      // No eventTime, as the recorder's (see EventBroadcaster's makeEvent).
    };
    return { event: combined, key: aggregateKey };
  }

  private observe(event: Event, key: string): { event: Event; patch?: CorrelationResult["patch"] } {
    const last = this.observations.get(key);
    if (!last) {
      this.observations.add(key, { count: event.count ?? 1, firstTimestamp: event.firstTimestamp, name: event.metadata?.name ?? "", resourceVersion: undefined });
      return { event };
    }
    const count = last.count + 1;
    const repeated: Event = {
      ...event,
      metadata: { ...event.metadata, name: last.name, ...(last.resourceVersion ? { resourceVersion: last.resourceVersion } : {}) },
      count,
      firstTimestamp: last.firstTimestamp,
    };
    last.count = count;
    return { event: repeated, patch: { count, lastTimestamp: repeated.lastTimestamp ?? "", message: repeated.message ?? "" } };
  }

  /** client-go's `EventSourceObjectSpamFilter`: a token bucket per source and involved object. */
  private spamFiltered(event: Event, source: SourceKeys): boolean {
    const now = this.sinceEpoch(this.clock.now());
    const key = source.spamKey(event.type ?? "");
    let bucket = this.spam.get(key);
    if (!bucket) this.spam.add(key, (bucket = { tokens: this.spamBurst, last: now }));
    else bucket.tokens = Math.min(this.spamBurst, bucket.tokens + ((now - bucket.last) / 1000) * this.spamQps);
    bucket.last = now;
    if (bucket.tokens < 1) return true;
    bucket.tokens -= 1;
    return false;
  }
}

/** Ids kept under one uid before further sources and objects with that uid are found by their fields' text. */
export const MAX_IDS_PER_UID = 8;

/**
 * The short id standing for one source and involved object (client-go's `getSpamKey` fields but
 * the type), with its spam filter keys (the id and the event type), made once and reused: an
 * object's events are mostly of one type, and a reused key is neither joined again nor hashed
 * again by the cache's map (a string keeps its hash). Holds the fields it stands for, and the next
 * id seen with the same uid.
 */
class SourceKeys {
  private normal: string | undefined;
  private warning: string | undefined;
  next: SourceKeys | undefined;
  private readonly component: string;
  private readonly host: string;
  private readonly kind: string;
  private readonly namespace: string;
  private readonly name: string;
  private readonly uid: string;
  private readonly apiVersion: string;

  constructor(readonly id: string, e: Event) {
    const o = e.involvedObject;
    this.component = e.source?.component ?? "";
    this.host = e.source?.host ?? "";
    this.kind = o.kind ?? "";
    this.namespace = o.namespace ?? "";
    this.name = o.name ?? "";
    this.uid = o.uid ?? "";
    this.apiVersion = o.apiVersion ?? "";
  }

  /** Whether `e`'s source and involved object are the ones this id stands for. */
  describes(e: Event): boolean {
    const o = e.involvedObject;
    return this.uid === (o.uid ?? "") && this.name === (o.name ?? "") && this.namespace === (o.namespace ?? "") && this.kind === (o.kind ?? "") && this.apiVersion === (o.apiVersion ?? "") && this.component === (e.source?.component ?? "") && this.host === (e.source?.host ?? "");
  }

  spamKey(type: string): string {
    if (type === "Normal") return (this.normal ??= spamKeyOf(this.id, type));
    if (type === "Warning") return (this.warning ??= spamKeyOf(this.id, type));
    return spamKeyOf(this.id, type);
  }
}

/** client-go's `getSpamKey`: source and object (`source`, their id) and type. */
function spamKeyOf(source: string, type: string): string {
  return [source, type].join("\u0000");
}

/** Source and involved object (client-go's `getSpamKey` fields but the type) as one key. Joined, not a template string: a template string is a tree of string pieces that a Map keeps besides its flattened copy. */
function sourceAndObjectKey(e: Event): string {
  const o = e.involvedObject;
  return [e.source?.component ?? "", e.source?.host ?? "", o.kind ?? "", o.namespace ?? "", o.name ?? "", o.uid ?? "", o.apiVersion ?? ""].join("\u0000");
}

/** Identical events: same source and object (`source`, their id), fieldPath, type, reason and message (client-go's `getEventKey`). */
function eventKeyOf(e: Event, source: string): string {
  return [source, e.involvedObject.fieldPath ?? "", e.type ?? "", e.reason ?? "", e.message ?? ""].join("\u0000");
}

/**
 * Similar events: same source, object, type, reason and reporting component and instance, any
 * message (client-go's `EventAggregatorByReasonFunc`). Reporting fields that repeat the source's
 * (as every recorded event's do) are left out: `source` stands for them, and a key with them has
 * more parts, so keys still compare as the fields would.
 */
function aggregateKeyOf(e: Event, source: string): string {
  const component = e.reportingComponent ?? "";
  const instance = e.reportingInstance ?? "";
  if (component === (e.source?.component ?? "") && instance === (e.source?.host ?? "")) return [source, e.type ?? "", e.reason ?? ""].join("\u0000");
  return [source, e.type ?? "", e.reason ?? "", component, instance].join("\u0000");
}
