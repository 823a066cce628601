import type { IncomingMessage } from "node:http";
import type { KubeObject, ObjectLike } from "../api/object.js";
import type { Watch, WatchEvent } from "./client.js";

/**
 * Reads a watch response: newline-delimited JSON events, delivered in order to `onEvent`.
 * `done` resolves when the server ends the stream (a watch timeout), or on `stop()`; it rejects
 * when the connection breaks or a line is not JSON.
 */
export function readWatchStream<T extends ObjectLike = KubeObject>(res: IncomingMessage, onEvent: (event: WatchEvent<T>) => void, abort: () => void): Watch {
  let stopped = false;
  let buffered = "";
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let finished = false;
  const finish = (err?: unknown): void => {
    if (finished) return;
    finished = true;
    if (err && !stopped) settle.reject(err);
    else settle.resolve();
  };
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => {
    if (stopped) return;
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.trim()) continue;
      let event: WatchEvent<T>;
      try {
        event = JSON.parse(line) as WatchEvent<T>;
      } catch (err) {
        finish(new Error(`watch: malformed event: ${(err as Error).message}`));
        abort();
        return;
      }
      onEvent(event);
      if (stopped) return;
    }
  });
  res.on("end", () => finish());
  res.on("error", (err) => finish(err));
  res.on("close", () => finish(res.complete ? undefined : new Error("watch: connection closed before the stream ended")));
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      abort();
      finish();
    },
    done,
  };
}
