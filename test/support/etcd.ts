import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free loopback TCP port (released before it is returned; etcd binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  child: ChildProcess | undefined;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Client URLs of every member. */
  readonly endpoints: string[];
  /** kill -9 of one member. */
  kill(index: number): Promise<void>;
  /** Starts a killed member again on its data dir. */
  restart(index: number): Promise<void>;
  /** Stops every member and removes the data dirs. */
  stop(): Promise<void>;
}

function launch(m: EtcdMember, initialCluster: string, state: "new" | "existing"): void {
  m.child = spawn("etcd", [
    "--name", m.name, "--data-dir", m.dataDir,
    "--listen-client-urls", m.clientUrl, "--advertise-client-urls", m.clientUrl,
    "--listen-peer-urls", m.peerUrl, "--initial-advertise-peer-urls", m.peerUrl,
    "--initial-cluster", initialCluster, "--initial-cluster-state", state, "--initial-cluster-token", "kubesim-test",
    "--heartbeat-interval", "50", "--election-timeout", "500", "--log-level", "error", "--logger", "zap",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  m.child.stderr!.resume();
}

/** Waits until a member answers a quorum read. */
async function ready(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: "AA==" }), signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`etcd at ${url} did not become ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Debian's etcd: `size` members on loopback ports with temporary data dirs. */
export async function startEtcd(size = 1): Promise<EtcdCluster> {
  const root = mkdtempSync(join(tmpdir(), "kubesim-etcd-"));
  const members: EtcdMember[] = [];
  for (let i = 0; i < size; i++) {
    members.push({ name: `m${i}`, clientUrl: `http://127.0.0.1:${await freePort()}`, peerUrl: `http://127.0.0.1:${await freePort()}`, dataDir: join(root, `m${i}`), child: undefined });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
  for (const m of members) launch(m, initialCluster, "new");
  const kill = async (i: number): Promise<void> => {
    const c = members[i]!.child;
    members[i]!.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill("SIGKILL");
    await exited;
  };
  await Promise.all(members.map((m) => ready(m.clientUrl)));
  return {
    members,
    endpoints: members.map((m) => m.clientUrl),
    kill,
    async restart(i) {
      launch(members[i]!, initialCluster, "existing");
      await ready(members[i]!.clientUrl);
    },
    async stop() {
      for (let i = 0; i < members.length; i++) await kill(i);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
