#!/usr/bin/env node
/** The `kubesim` command. */
import { Command, InvalidArgumentError, Option } from "commander";
import { readFileSync } from "node:fs";
import { KUBERNETES_VERSION } from "../cluster/node-registration.js";
import { up } from "./up.js";
import type { LogLevel } from "../log/logger.js";

function packageVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version: string };
      if (manifest.name === "kubesim") return manifest.version;
    } catch {
      /* try the next layout (source vs dist) */
    }
  }
  return "0.0.0";
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

const program = new Command();
program
  .name("kubesim")
  .description("Kubernetes rebuilt in TypeScript: a whole cluster in one Node.js process")
  .version(`kubesim ${packageVersion()} (Kubernetes ${KUBERNETES_VERSION})`, "-v, --version");

program
  .command("version")
  .description("print the kubesim version and the Kubernetes version it serves")
  .action(() => {
    process.stdout.write(`kubesim ${packageVersion()}\nKubernetes API ${KUBERNETES_VERSION}\n`);
  });

program
  .command("up")
  .description("start the embedded default cluster and serve the Kubernetes API for kubectl")
  .option("--config <path>", "cluster.yaml describing the cluster")
  .option("--nodes <n>", "number of nodes (one control-plane node, the rest workers; default 3)", integer("--nodes", 1, 5000))
  .option("--port <port>", "API server port (0 picks a free one)", integer("--port", 0, 65535), 6443)
  .option("--host <address>", "listen address", "127.0.0.1")
  .option("--kubeconfig <path>", "where to write the kubeconfig (never ~/.kube/config unless you say so)", ".kubesim/kubeconfig")
  .option("--state-dir <dir>", "where the cluster's objects (store/), certificates and the admin token are kept", ".kubesim")
  .option("--reset", "start with an empty cluster: remove the stored objects in the state dir first", false)
  .option("--insecure-http", "serve plain HTTP instead of HTTPS: loopback only, requests without credentials are cluster admin (kubectl sends none over HTTP)", false)
  .option("--insecure-allow-remote", "with --insecure-http, allow a non-loopback --host (anyone who reaches it is cluster admin)", false)
  .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]))
  .action(async (opts: { config?: string; nodes?: number; port: number; host: string; kubeconfig: string; stateDir: string; reset: boolean; insecureHttp: boolean; insecureAllowRemote: boolean; logLevel?: LogLevel }) => {
    let handle;
    try {
      handle = await up(opts, (line) => process.stdout.write(line + "\n"));
    } catch (err) {
      process.stderr.write(`kubesim up: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    const stop = (signal: string): void => {
      process.stdout.write(`kubesim: ${signal}, shutting down\n`);
      void handle.shutdown().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`kubesim: shutdown failed: ${String(err)}\n`);
          process.exit(1);
        },
      );
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });

await program.parseAsync(process.argv);
