import type { ObjectLike } from "../api/object.js";

/** core/v1 Event types. */
export type EventType = "Normal" | "Warning";

/** Who reports events (core/v1 `EventSource`): the component, and the host (node) it runs on. */
export interface EventSource {
  component: string;
  host?: string;
}

/**
 * Records Events about objects, as client-go's `record.EventRecorder`. Calls never block or
 * throw: events are queued and written in the background, failures are logged. Repeats are
 * aggregated (see {@link EventCorrelator}).
 */
export interface EventRecorder {
  /**
   * `reason`: a short UpperCamelCase word machines can switch on ("Created", "FailedScheduling");
   * `message`: for humans.
   */
  event(obj: ObjectLike, type: EventType, reason: string, message: string): void;
  /** As {@link event} with a printf-style message (`%s`, `%d`, `%v`, `%q`, `%%`). */
  eventf(obj: ObjectLike, type: EventType, reason: string, messageFmt: string, ...args: unknown[]): void;
  /** As {@link eventf}, with annotations on the Event. */
  annotatedEventf(obj: ObjectLike, annotations: Record<string, string>, type: EventType, reason: string, messageFmt: string, ...args: unknown[]): void;
}
