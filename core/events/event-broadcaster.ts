import type { Event, ObjectReference } from "kubernetes-types/core/v1.js";
import type { ObjectLike } from "../api/object.js";
import { isStatusError, StatusError } from "../api/status.js";
import { rfc3339 } from "../api/time.js";
import type { Clock } from "../clock/clock.js";
import type { Client, ResourceClient } from "../client/client.js";
import type { Logger } from "../log/logger.js";
import { EventCorrelator, type EventCorrelatorOptions } from "./event-correlator.js";
import { EventNamer } from "./event-name.js";
import type { EventRecorder, EventSource, EventTarget, EventType } from "./event-recorder.js";
import { formatMessage } from "./format-message.js";

/** client-go: events waiting to be written beyond this are dropped. */
export const MAX_QUEUED_EVENTS = 1000;
/** client-go's `maxTriesPerEvent` and `defaultSleepDuration` for transport errors. */
export const MAX_TRIES_PER_EVENT = 12;
export const EVENT_RETRY_SLEEP_MS = 10_000;

export interface EventBroadcasterOptions {
  client: Client;
  clock: Clock;
  log: Logger;
  /** Tuning of aggregation and the spam filter. */
  correlator?: Omit<EventCorrelatorOptions, "clock" | "namer">;
  /** Queue bound (default 1000); beyond it events are dropped with a log line. */
  maxQueued?: number;
}

/**
 * Writes recorded Events through the client, in order, in the background (client-go's
 * `EventBroadcaster` with `StartRecordingToSink`). Recorders made by {@link newRecorder} share its
 * queue and its {@link EventCorrelator}. A repeat patches the earlier Event (count, lastTimestamp,
 * message); if that Event is gone it is created again. API errors (a `Status`) are logged and not
 * retried; other errors retry up to 12 times, 10 s apart on the clock.
 */
export class EventBroadcaster {
  private readonly events: ResourceClient<Event>;
  private readonly correlator: EventCorrelator;
  private readonly namer: EventNamer;
  private readonly queue: Event[] = [];
  private readonly maxQueued: number;
  private readonly stopping = new AbortController();
  private draining: Promise<void> | undefined;
  private shutDown = false;

  constructor(private readonly options: EventBroadcasterOptions) {
    this.events = options.client.resource<Event>("Event");
    this.namer = EventNamer.forClock(options.clock);
    this.correlator = new EventCorrelator({ clock: options.clock, ...options.correlator, namer: this.namer });
    this.maxQueued = options.maxQueued ?? MAX_QUEUED_EVENTS;
  }

  /** A recorder reporting as `source` (client-go's `NewRecorder(scheme, source)`). */
  newRecorder(source: EventSource): EventRecorder {
    // One source object for all of this recorder's events (events are never changed once built).
    source = Object.freeze(source.host ? { component: source.component, host: source.host } : { component: source.component });
    const emit = (obj: EventTarget, annotations: Record<string, string> | undefined, type: EventType, reason: string, message: string): void => {
      if (type !== "Normal" && type !== "Warning") {
        this.options.log.error(`Unsupported event type: '${String(type)}'`);
        return;
      }
      const event = this.makeEvent(source, obj, annotations, type, reason, message);
      if (event) this.enqueue(event);
    };
    return {
      event: (obj, type, reason, message) => emit(obj, undefined, type, reason, message),
      eventf: (obj, type, reason, fmt, ...args) => emit(obj, undefined, type, reason, formatMessage(fmt, args)),
      annotatedEventf: (obj, annotations, type, reason, fmt, ...args) => emit(obj, annotations, type, reason, formatMessage(fmt, args)),
    };
  }

  /** Resolves once every event queued so far has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Writes what is queued, then stops: later events are dropped; pending retries are abandoned. No timer is left. */
  async shutdown(): Promise<void> {
    this.shutDown = true;
    this.stopping.abort();
    await this.flush();
  }

  private makeEvent(source: EventSource, obj: EventTarget, annotations: Record<string, string> | undefined, type: EventType, reason: string, message: string): Event | undefined {
    const involvedObject = referenceTo(obj);
    const name = involvedObject.name;
    if (!name) {
      this.options.log.error("Could not construct reference to object: it has no name", { kind: obj.kind, reason });
      return undefined;
    }
    const now = this.options.clock.now();
    const ts = rfc3339(now);
    const event: Event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: this.namer.name(name, now), namespace: involvedObject.namespace || "default", ...(annotations ? { annotations: { ...annotations } } : {}) },
      involvedObject,
      reason,
      message,
      source,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      reportingComponent: source.component,
      reportingInstance: source.host ?? "",
      // No eventTime: the Go recorder's zero MicroTime is sent as null, which decoding drops (a
      // null sent here costs the server a copy of the body to drop it) and the server stores as null.
    };
    return event;
  }

  private enqueue(event: Event): void {
    if (this.shutDown) return;
    if (this.queue.length >= this.maxQueued) {
      // client-go's recorder words it so (record/event.go, generateEvent) when ActionOrDrop finds its queue full.
      this.options.log.error("Unable to record event: too many queued events, dropped event", { reason: event.reason, object: event.involvedObject.name });
      return;
    }
    this.queue.push(event);
    this.draining ??= this.drain();
  }

  /**
   * Writes the queue out. `draining` is cleared in the same turn the loop finds the queue empty:
   * cleared a turn later (in a `.finally` of the promise), an event enqueued in between would
   * find a drain still marked running and wait in the queue forever.
   */
  private async drain(): Promise<void> {
    // Yield once: `enqueue` has stored this drain's promise before the loop can end.
    await undefined;
    try {
      for (let event = this.queue.shift(); event; event = this.queue.shift()) {
        const result = this.correlator.correlate(event);
        if (result.skip) continue;
        for (let tries = 1; ; tries++) {
          if (await this.write(result.event, result.patch, result.key)) break;
          if (tries >= MAX_TRIES_PER_EVENT || this.stopping.signal.aborted) {
            this.options.log.error("Unable to write event (retry limit exceeded!)", { event: result.event.metadata?.name });
            break;
          }
          try {
            await this.options.clock.sleep(EVENT_RETRY_SLEEP_MS, this.stopping.signal);
          } catch {
            break;
          }
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** One attempt; true when done (written, or rejected for good). */
  private async write(event: Event, patch: { count: number; lastTimestamp: string; message: string } | undefined, key: string): Promise<boolean> {
    const namespace = event.metadata?.namespace;
    try {
      let written: Event | undefined;
      if (patch) {
        try {
          written = await this.events.patch(event.metadata!.name!, "strategic", patch, { namespace });
        } catch (err) {
          if (!isStatusError(err, "NotFound")) throw err;
        }
      }
      if (!written) {
        // Without a resourceVersion (what makeEvent builds) the event is sent as it is: object rest is a slow runtime path.
        if (event.metadata && !("resourceVersion" in event.metadata)) written = await this.events.create(event);
        else {
          const { resourceVersion: _rv, ...metadata } = event.metadata ?? {};
          written = await this.events.create({ ...event, metadata });
        }
      }
      this.correlator.updateState(key, written);
      return true;
    } catch (err) {
      if (err instanceof StatusError) {
        this.options.log.error("Server rejected event (will not retry!)", { event: event.metadata?.name, reason: event.reason, error: err.message });
        return true;
      }
      this.options.log.error("Unable to write event (may retry after sleeping)", { event: event.metadata?.name, error: err });
      return false;
    }
  }
}

/**
 * The Event's `involvedObject` (client-go's GetReference): a reference is taken as it is (shared,
 * never changed), an object's is made from its kind, metadata and apiVersion, in ObjectReference's
 * member order, unset ones left out (built directly: this runs for every event).
 */
function referenceTo(obj: EventTarget): ObjectReference {
  const meta = (obj as ObjectLike).metadata;
  if (!meta) return obj as ObjectReference;
  const ref: ObjectReference = {};
  if (obj.kind !== undefined) ref.kind = obj.kind;
  if (meta.namespace !== undefined) ref.namespace = meta.namespace;
  ref.name = meta.name;
  if (meta.uid !== undefined) ref.uid = meta.uid;
  if (obj.apiVersion !== undefined) ref.apiVersion = obj.apiVersion;
  if (meta.resourceVersion !== undefined) ref.resourceVersion = meta.resourceVersion;
  return ref;
}
