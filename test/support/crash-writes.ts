/**
 * Test support for crash tests: `kubesim up` over plain HTTP as a child process, writers that
 * create ConfigMaps until the server goes away (recording every 201), and the check that every
 * acknowledged write is stored with its content.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { KUBESIM_CLI } from "./kubesim-cli.js";

export interface CrashUp {
  child: ChildProcess;
  url: string;
  out(): string;
}

/** Starts `kubesim up --insecure-http` on free ports with `args`; resolves with its URL once ready. */
export function startInsecureUp(args: readonly string[]): Promise<CrashUp> {
  const argv = [...KUBESIM_CLI, "up", "--insecure-http", "--port", "0", "--dns-port", "0", "--ingress-http-port", "0", "--ingress-https-port", "0", "--nodes", "1", ...args];
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBESIM_LOG_LEVEL: "warn", KUBESIM_EXIT_WITH_PARENT: "1" } });
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

/** kill -9, resolving once the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

/** A seeded generator, so a failing run can be repeated. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * `clients` writers creating ConfigMaps `r<round>-c<client>-<i>` until the server goes away;
 * every 201 is recorded in `acknowledged` (name → value). Returns how many writes were attempted.
 */
export async function writeUntilKilled(url: string, round: number, clients: number, random: () => number, acknowledged: Map<string, string>): Promise<number> {
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

/** Waits until `acknowledged` has grown past `before` (a loaded machine may take a while to serve the first write). */
export async function firstAcknowledged(acknowledged: Map<string, string>, before: number, timeoutMs = 60_000): Promise<void> {
  for (let waited = 0; acknowledged.size === before && waited < timeoutMs; waited += 10) await new Promise((r) => setTimeout(r, 10));
}

/** How many acknowledged writes the server at `url` does not hold with their content. */
export async function missingWrites(url: string, acknowledged: ReadonlyMap<string, string>): Promise<number> {
  const res = await fetch(`${url}/api/v1/namespaces/default/configmaps`);
  const list = (await res.json()) as { items: { metadata: { name: string }; data?: { value?: string } }[] };
  const stored = new Map(list.items.map((cm) => [cm.metadata.name, cm.data?.value]));
  let missing = 0;
  for (const [name, value] of acknowledged) if (stored.get(name) !== value) missing++;
  return missing;
}
