import type { ObjectReference } from "kubernetes-types/core/v1.js";
import type { ObjectLike } from "../api/object.js";

/** core/v1 Event types. */
export type EventType = "Normal" | "Warning";

/** Who reports events (core/v1 `EventSource`): the component, and the host (node) it runs on. */
export interface EventSource {
  component: string;
  host?: string;
}

/**
 * What an Event is about: an object, or a reference to one (used as it is, as client-go's
 * `GetReference` does with an ObjectReference) — such as the kubelet's references to one container
 * of a pod, whose `fieldPath` is `spec.containers{<name>}`.
 */
export type EventTarget = ObjectLike | ObjectReference;

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
  event(obj: EventTarget, type: EventType, reason: string, message: string): void;
  /** As {@link event} with a printf-style message (`%s`, `%d`, `%v`, `%q`, `%%`). */
  eventf(obj: EventTarget, type: EventType, reason: string, messageFmt: string, ...args: unknown[]): void;
  /** As {@link eventf}, with annotations on the Event. */
  annotatedEventf(obj: EventTarget, annotations: Record<string, string>, type: EventType, reason: string, messageFmt: string, ...args: unknown[]): void;
}
