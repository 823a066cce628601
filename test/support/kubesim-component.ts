/** Test support: `kubesim <component>` subcommands (apiserver, kubelet, kube-proxy, ...) run as child processes. */
import { spawn, type ChildProcess } from "node:child_process";
import { KUBESIM_CLI } from "./kubesim-cli.js";

export interface Component {
  readonly child: ChildProcess;
  out(): string;
  /** Resolves when the output matches `pattern`; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
}

/** `kubesim <args>` as a child process (asynchronous spawn), its output collected. */
export function component(args: string[]): Component {
  const child = spawn(process.execPath, [...KUBESIM_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBESIM_LOG_LEVEL: "info", KUBESIM_EXIT_WITH_PARENT: "1" } });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  return {
    child,
    out: () => out,
    waitFor: (pattern, ms = 120_000) =>
      new Promise<void>((resolve, reject) => {
        const done = (): void => {
          listeners.delete(check);
          clearTimeout(timer);
          child.off("exit", onExit);
        };
        const check = (): void => {
          if (!pattern.test(out)) return;
          done();
          resolve();
        };
        const onExit = (code: number | null): void => {
          done();
          reject(new Error(`kubesim ${args[0]} exited (${code}) before printing ${pattern}:\n${out}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`kubesim ${args[0]} did not print ${pattern} within ${ms} ms:\n${out}`));
        }, ms);
        listeners.add(check);
        child.on("exit", onExit);
        check();
      }),
  };
}

export async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      c.kill("SIGTERM");
      const force = setTimeout(() => c.kill("SIGKILL"), 15_000);
      return exited.finally(() => clearTimeout(force));
    }),
  );
}
