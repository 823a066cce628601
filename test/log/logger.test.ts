import { test } from "uvu";
import * as assert from "uvu/assert";
import { createLogger, defaultLogLevel, type LogRecord } from "../../core/log/logger.js";

test("logger: levels filter, children name their component, fields are kept", () => {
  const records: LogRecord[] = [];
  const log = createLogger("apiserver", { level: "info", sink: (r) => records.push(r), now: () => 7 });
  log.debug("hidden");
  log.info("started", { port: 6443 });
  log.child("http").warn("slow");
  assert.equal(records, [
    { time: 7, level: "info", component: "apiserver", msg: "started", fields: { port: 6443 } },
    { time: 7, level: "warn", component: "apiserver/http", msg: "slow" },
  ]);
  assert.not.ok(log.enabled("debug"));
});

test("logger is quiet under tests by default", () => {
  assert.is(process.env["NODE_ENV"], "test");
  assert.is(defaultLogLevel(), "silent");
});

test.run();
