/** Event recording: recorders, the broadcaster that writes Events, and their aggregation (after client-go's tools/record). */
export type { EventRecorder, EventSource, EventType } from "./event-recorder.js";
export { EventBroadcaster, MAX_QUEUED_EVENTS, MAX_TRIES_PER_EVENT, EVENT_RETRY_SLEEP_MS, type EventBroadcasterOptions } from "./event-broadcaster.js";
export {
  EventCorrelator,
  COMBINED_MESSAGE_PREFIX,
  DEFAULT_AGGREGATE_MAX_EVENTS,
  DEFAULT_AGGREGATE_INTERVAL_MS,
  DEFAULT_SPAM_BURST,
  DEFAULT_SPAM_QPS,
  type CorrelationResult,
  type EventCorrelatorOptions,
} from "./event-correlator.js";
export { EventNamer } from "./event-name.js";
export { formatMessage } from "./format-message.js";
