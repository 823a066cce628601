/**
 * `npm test` on a machine without a tool: tests that need it report themselves skipped (counted,
 * with the reason and the install command), and `KUBESIM_REQUIRE_TOOLS=1` turns skips into failures.
 * Runs test/run.ts over the fixture project test/fixtures/test-runner.
 * test-runner: from-source (it runs the runner next to its own source).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("../run.ts", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../fixtures/test-runner", import.meta.url));

function runTests(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const { KUBESIM_REQUIRE_TOOLS: _drop, ...inherited } = process.env;
    execFile(process.execPath, ["--import", "tsx", RUNNER], { cwd: FIXTURE, env: { ...inherited, ...env } }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

test("a missing tool skips the tests that need it: counted, named, with the install command; exit 0", async () => {
  const { code, stdout } = await runTests({});
  const lines = stdout.trim().split("\n");
  assert.is(lines.at(-1), "2 passed, 0 failed, 2 skipped", stdout);
  assert.is(code, 0, stdout);
  assert.match(stdout, /^skip test\/needs-missing-tool\.test\.ts \(0 passed, 0 failed, 1 skipped/m);
  assert.match(stdout, /^ok {3}test\/some-need-missing-tool\.test\.ts \(1 passed, 0 failed, 1 skipped/m);
  assert.match(stdout, /^ok {3}test\/has-tool\.test\.ts \(1 passed, 0 failed, \d+ ms/m);
  assert.match(stdout, /test\/needs-missing-tool\.test\.ts needs the frobnicator \(kubesim-no-such-tool-frobnicate is not on PATH\); install it with: apt-get install -y frobnicator/);
  assert.match(stdout, /test\/some-need-missing-tool\.test\.ts: "frobnicates" needs the frobnicator/);
  // The files ran from the runner's bundle (no fallback to tsx), and still name their sources.
  assert.not.match(stdout, /tests run from the sources through tsx/);
});

test("KUBESIM_REQUIRE_TOOLS=1 (CI) makes a missing tool a failure", async () => {
  const { code, stdout } = await runTests({ KUBESIM_REQUIRE_TOOLS: "1" });
  assert.is(stdout.trim().split("\n").at(-1), "2 passed, 2 failed, 0 skipped", stdout);
  assert.is(code, 1);
  assert.match(stdout, /KUBESIM_REQUIRE_TOOLS is set, so a missing tool is a failure/);
});

test.run();
