/** The host port's per-turn batch: work deferred in one event-loop turn starts together, in order, in the next check phase. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TurnBatch, type Deferred } from "../../plugins/ingress-nginx/turn-batch.js";

/** An item that logs when it starts and, a microtask later, its next step. */
function item(log: string[], name: string, extra?: () => void): Deferred {
  return {
    runDeferred() {
      log.push(`start ${name}`);
      extra?.();
      queueMicrotask(() => log.push(`step ${name}`));
    },
  };
}

test("items deferred in one turn start in order in one batch, before any of their microtask steps; nothing starts synchronously", async () => {
  const batch = new TurnBatch();
  const log: string[] = [];
  batch.defer(item(log, "a"));
  batch.defer(item(log, "b"));
  batch.defer(item(log, "c"));
  assert.equal(log, []);
  await new Promise((r) => setImmediate(r));
  await Promise.resolve();
  assert.equal(log, ["start a", "start b", "start c", "step a", "step b", "step c"]);
});

test("an item deferred while a batch runs waits for the next turn; the same item may be deferred again", async () => {
  const batch = new TurnBatch();
  const log: string[] = [];
  const again = item(log, "again");
  batch.defer(item(log, "first", () => batch.defer(again)));
  await new Promise((r) => setImmediate(r));
  assert.equal(log, ["start first", "step first"]);
  await new Promise((r) => setImmediate(r));
  assert.equal(log, ["start first", "step first", "start again", "step again"]);
  batch.defer(again);
  await new Promise((r) => setImmediate(r));
  assert.equal(log.slice(4), ["start again", "step again"]);
});

test("an item that throws does not stop the others; its error is rethrown uncaught", async () => {
  const batch = new TurnBatch();
  const log: string[] = [];
  const errors: unknown[] = [];
  const onError = (err: unknown): void => void errors.push(err);
  const listeners = process.listeners("uncaughtException");
  process.removeAllListeners("uncaughtException");
  process.on("uncaughtException", onError);
  try {
    batch.defer({ runDeferred: () => { throw new Error("boom"); } });
    batch.defer(item(log, "b"));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("uncaughtException", onError);
    for (const l of listeners) process.on("uncaughtException", l);
  }
  assert.equal(log, ["start b", "step b"]);
  assert.is(errors.length, 1);
  assert.is((errors[0] as Error).message, "boom");
});

test.run();
