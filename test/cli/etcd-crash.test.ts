/**
 * Crash safety of `kubesim up --etcd-servers`: clients write over HTTP while `kubesim up` is
 * killed with SIGKILL at a random moment — in the second round together with one of the three
 * etcd members — and after a restart on the same etcd every write acknowledged with 201 is there
 * with its content.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ETCD, requireTool } from "../support/require-tool.js";
import { startEtcd } from "../support/etcd.js";
import { firstAcknowledged, killHard, lcg, missingWrites, startInsecureUp, writeUntilKilled } from "../support/crash-writes.js";

requireTool(ETCD);

const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100000);

test(`kill -9 of kubesim up on a 3-member etcd mid-write (and of an etcd member with it) loses no acknowledged write (seed ${seed})`, async () => {
  const random = lcg(seed);
  const acknowledged = new Map<string, string>();
  const etcd = await startEtcd(3);
  const dir = mkdtempSync(join(tmpdir(), "kubesim-etcd-crash-"));
  const args = ["--state-dir", join(dir, "state"), "--kubeconfig", join(dir, "kubeconfig"), "--no-dns", "--no-ingress", "--etcd-servers", etcd.endpoints.join(",")];
  let up = await startInsecureUp(args);
  try {
    for (let round = 0; round < 3; round++) {
      const killAfter = Math.floor(random() * 600);
      const before = acknowledged.size;
      const writing = writeUntilKilled(up.url, round, 8, random, acknowledged);
      await firstAcknowledged(acknowledged, before);
      await new Promise((r) => setTimeout(r, killAfter));
      // Round 1 loses an etcd member at the same moment (kill -9): the other two keep quorum.
      await Promise.all([killHard(up.child), round === 1 ? etcd.kill(2) : Promise.resolve()]);
      await writing;
      up = await startInsecureUp(args);
      const missing = await missingWrites(up.url, acknowledged);
      assert.ok(acknowledged.size > before, `round ${round}: some writes were acknowledged before the kill`);
      assert.is(missing, 0, `round ${round} (kill after ${killAfter} ms): ${missing} of ${acknowledged.size} acknowledged writes missing or different`);
      if (round === 1) await etcd.restart(2);
    }
    // The objects are in etcd itself, under kube-apiserver's key layout.
    const r = await fetch(`${etcd.endpoints[0]}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from("/registry/configmaps/default/").toString("base64"), range_end: Buffer.from("/registry/configmaps/default0").toString("base64"), count_only: true }) });
    const count = Number(((await r.json()) as { count?: string }).count ?? 0);
    assert.ok(count >= acknowledged.size, `etcd holds ${count} ConfigMaps in default, ${acknowledged.size} were acknowledged`);
    assert.not.match(up.out(), /Error|at .*\.ts:\d+/, "restarts print no error");
  } finally {
    await killHard(up.child).catch(() => undefined);
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
