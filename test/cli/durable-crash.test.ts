/**
 * Crash safety of `kubesim up`'s durable store: clients write over HTTP, the process is killed
 * with SIGKILL at a random moment, and after a restart every write that was acknowledged with 201
 * is there with its content. Repeated with several kill times over the same state dir.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { firstAcknowledged, killHard, lcg, missingWrites, startInsecureUp, writeUntilKilled } from "../support/crash-writes.js";

const dir = mkdtempSync(join(tmpdir(), "kubesim-crash-"));
const args = ["--state-dir", join(dir, "state"), "--kubeconfig", join(dir, "kubeconfig")];
const acknowledged = new Map<string, string>();
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100000);
const random = lcg(seed);

test(`kill -9 mid-write loses no acknowledged write (seed ${seed})`, async () => {
  let up = await startInsecureUp(args);
  try {
    for (let round = 0; round < 3; round++) {
      const killAfter = Math.floor(random() * 600);
      const before = acknowledged.size;
      const writing = writeUntilKilled(up.url, round, 8, random, acknowledged);
      // Kill mid-write: after this round's first acknowledged write, plus a random delay.
      await firstAcknowledged(acknowledged, before);
      await new Promise((r) => setTimeout(r, killAfter));
      await killHard(up.child);
      await writing;
      up = await startInsecureUp(args);
      const missing = await missingWrites(up.url, acknowledged);
      assert.ok(acknowledged.size > before, `round ${round}: some writes were acknowledged before the kill`);
      assert.is(missing, 0, `round ${round} (kill after ${killAfter} ms): ${missing} of ${acknowledged.size} acknowledged writes missing or different`);
    }
    assert.not.match(up.out(), /Error|at .*\.ts:\d+/, "restarts print no error");
  } finally {
    const exited = new Promise((r) => up.child.once("exit", r));
    up.child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
