import { test } from "uvu";
import * as assert from "uvu/assert";
import { CriLogStore, MAX_LOG_LINES } from "../../plugins/runtime-containerd/log-store.js";

test("a log file's text follows appends and the front trim at the line cap, as one join would", () => {
  const logs = new CriLogStore();
  const path = "/var/log/pods/ns_p_u/c/0.log";
  logs.create(path);
  assert.is(logs.text(path), "");
  assert.equal([...logs.files()], [path]);
  logs.append(path, 0, "stdout", "a");
  logs.append(path, 1000, "stderr", "b");
  assert.is(logs.text(path), "1970-01-01T00:00:00Z stdout F a\n1970-01-01T00:00:01Z stderr F b\n");
  // Past the cap by more than one compaction batch: the kept lines stay exactly the last MAX_LOG_LINES.
  for (let i = 0; i < MAX_LOG_LINES + 2_500; i++) {
    logs.append(path, 2000, "stdout", `line ${i}`);
    if (i % 1499 === 0) assert.is(logs.text(path), logs.lines(path)!.join("\n") + "\n");
  }
  assert.is(logs.text(path), logs.lines(path)!.join("\n") + "\n");
  assert.is(logs.lines(path)!.length, MAX_LOG_LINES);
  assert.ok(logs.text(path)!.startsWith("1970-01-01T00:00:02Z stdout F line 2500\n"));
  logs.remove(path);
  assert.is(logs.text(path), undefined);
});

test.run();
