#!/usr/bin/env node
/** The `kubesim` command. */
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { builtInPluginPath } from "../plugins/plugin-loader.js";

function packageVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { version: string }).version;
    } catch {
      /* try the next layout (source vs dist) */
    }
  }
  return "0.0.0";
}

const program = new Command();
program.name("kubesim").description("Kubernetes rebuilt in TypeScript: a whole cluster in one Node.js process").version(packageVersion(), "-v, --version");

program
  .command("version")
  .description("print the kubesim version")
  .action(() => {
    process.stdout.write(`kubesim ${packageVersion()}\n`);
  });

program
  .command("up")
  .description("start the embedded default cluster")
  .action(() => {
    process.stdout.write(`kubesim ${packageVersion()}: the cluster composition layer is not built yet (see issue "Informers, work queues, controller runtime, and composing a cluster in code").\n`);
    process.stdout.write(`built-in plugin admission-always-pull-images: ${builtInPluginPath("admission-always-pull-images") ?? "missing"}\n`);
  });

await program.parseAsync(process.argv);
