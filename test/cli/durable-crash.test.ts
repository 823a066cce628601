/**
 * Crash safety of `kubesim up`'s durable store: clients write over HTTP, the process is killed
 * with SIGKILL at a random moment, and after a restart every write that was acknowledged with 201
 * is there with its content. Repeated with several kill times over the same state dir.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const dir = mkdtempSync(join(tmpdir(), "kubesim-crash-"));
const stateDir = join(dir, "state");

/** Starts `kubesim up` on a free port over `stateDir`; resolves with its URL once ready. */
function startUp(): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const args = ["--import", "tsx", "core/cli/main.ts", "up", "--insecure-http", "--port", "0", "--dns-port", "0", "--ingress-http-port", "0", "--ingress-https-port", "0", "--nodes", "1", "--state-dir", stateDir, "--kubeconfig", join(dir, "kubeconfig")];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBESIM_LOG_LEVEL: "warn" } });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const url = /serving the Kubernetes API at (http:\/\/\S+)/.exec(out)?.[1];
      if (url && /^ready/m.test(out)) resolve({ child, url, out: () => out });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`kubesim up exited ${code}:\n${out}`)));
  });
}

/** A seeded generator, so a failing run can be repeated. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const acknowledged = new Map<string, string>();
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100000);
const random = lcg(seed);

/** `clients` writers creating ConfigMaps until the server goes away; records every 201. */
async function writeUntilKilled(url: string, round: number, clients: number): Promise<number> {
  let attempted = 0;
  const client = async (c: number): Promise<void> => {
    for (let i = 0; ; i++) {
      const name = `r${round}-c${c}-${i}`;
      const value = `${name}:${"x".repeat(Math.floor(random() * 200))}`;
      attempted++;
      try {
        const res = await fetch(`${url}/api/v1/namespaces/default/configmaps`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { value } }),
        });
        await res.arrayBuffer();
        if (res.status === 201) acknowledged.set(name, value);
      } catch {
        return; // the server is gone
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  return attempted;
}

test(`kill -9 mid-write loses no acknowledged write (seed ${seed})`, async () => {
  let up = await startUp();
  try {
    for (let round = 0; round < 3; round++) {
      const killAfter = Math.floor(random() * 600);
      const before = acknowledged.size;
      const writing = writeUntilKilled(up.url, round, 8);
      // Kill mid-write: after this round's first acknowledged write (a loaded machine may take a while to serve it), plus a random delay.
      for (let waited = 0; acknowledged.size === before && waited < 60_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, killAfter));
      const exited = new Promise((r) => up.child.once("exit", r));
      up.child.kill("SIGKILL");
      await exited;
      await writing;
      up = await startUp();
      const res = await fetch(`${up.url}/api/v1/namespaces/default/configmaps`);
      const list = (await res.json()) as { items: { metadata: { name: string }; data: { value: string } }[] };
      const stored = new Map(list.items.map((cm) => [cm.metadata.name, cm.data?.value]));
      let missing = 0;
      for (const [name, value] of acknowledged) {
        if (stored.get(name) !== value) missing++;
      }
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
