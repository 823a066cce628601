import { spawn } from "node:child_process";
import { KUBESIM_CLI } from "./kubesim-cli.js";

/**
 * Starts `kubesim up` with `args` in a child process, resolving once it prints `ready`, with
 * everything it printed. The cluster DNS and the ingress get free host ports unless `args` choose
 * them (tests run two at a time; the defaults 10053, 8080 and 8443 would collide).
 */
export function startUp(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ReturnType<typeof spawn>; out: () => string }> {
  const dns = args.includes("--dns-port") ? [] : ["--dns-port", "0"];
  const ingress = args.some((a) => a.startsWith("--ingress-") || a === "--no-ingress") ? [] : ["--ingress-http-port", "0", "--ingress-https-port", "0"];
  // KUBESIM_EXIT_WITH_PARENT: a test file killed by the runner's timeout leaves no kubesim behind.
  const child = spawn(process.execPath, [...KUBESIM_CLI, "up", ...dns, ...ingress, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...env, KUBESIM_EXIT_WITH_PARENT: "1" } });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (/^ready/m.test(out)) resolve({ child, out: () => out });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => reject(new Error(`kubesim up exited ${code}:\n${out}`)));
  });
}
