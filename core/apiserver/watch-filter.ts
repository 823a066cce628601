import type { KubeObject } from "../api/object.js";
import type { WatchEventType } from "../client/client.js";
import type { StoreEvent } from "../store/store.js";

/**
 * Turns a store event into the event a filtered watcher sees, as the watch cache does: an object
 * that starts matching arrives as ADDED, one that stops matching as DELETED (carrying its new
 * state), unchanged membership as MODIFIED; events about objects the watcher never sees are
 * dropped (undefined).
 */
export function filteredEventType(event: StoreEvent, matches: (obj: KubeObject) => boolean): WatchEventType | undefined {
  switch (event.type) {
    case "ADDED":
      return matches(event.object) ? "ADDED" : undefined;
    case "DELETED":
      return matches(event.prevObject ?? event.object) ? "DELETED" : undefined;
    case "MODIFIED": {
      const now = matches(event.object);
      const before = event.prevObject ? matches(event.prevObject) : now;
      if (now && before) return "MODIFIED";
      if (now) return "ADDED";
      if (before) return "DELETED";
      return undefined;
    }
  }
}
