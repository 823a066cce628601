import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs kubectl against a kubeconfig in a temp dir: HOME and the discovery cache point into `dir`,
 * so ~/.kube is never read or written; `extraEnv` adds variables (e.g. client-go feature gates).
 * Asynchronous: the server runs in this process. kubectl is not an npm package: a file using
 * this starts with `requireTool(KUBECTL)`, or wraps its kubectl tests in
 * `testWithTool(KUBECTL, test)` (test/support/require-tool.ts), so it skips where kubectl is missing.
 */
export function kubectlIn(dir: string, kubeconfig: string, extraEnv: Record<string, string> = {}): { run(args: string[], stdin?: string): Promise<KubectlResult>; ok(args: string[], stdin?: string): Promise<string>; spawn(args: string[]): ChildProcess } {
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true });
  const env = { PATH: process.env["PATH"] ?? "", HOME: home, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, "cache"), ...extraEnv };
  const start = (args: string[]): ChildProcess => spawn("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  const run = (args: string[], stdin?: string): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const child = start(args);
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d) => (stdout += d.toString()));
      child.stderr!.on("data", (d) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin!.end(stdin ?? "");
    });
  return {
    spawn: start,
    run,
    /** Runs kubectl and returns its stdout; throws with its stderr when it fails. */
    async ok(args, stdin) {
      const r = await run(args, stdin);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
  };
}
