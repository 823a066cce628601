/**
 * Runs every `bench/*.bench.ts` (or those matching argv[2]) one after another, each in its own
 * process, printing their figures.
 *
 * Benches run BUNDLED by default: esbuild compiles the selected benches and every built-in plugin
 * (one code-split build, so the core is loaded once) into `.bench-build/` (git-ignored), and
 * each bench runs there under plain `node`. Under the tsx loader the same empty cluster holds
 * 50–70 MB more RSS (the loader's compiler and source maps), which is tsx's cost, not kubesim's, and
 * not what a user running the built package sees. The bundle lays out a `dist/plugins/<name>/index.js`
 * tree next to its own `package.json` named kubesim, so plugins loaded by name (`new Cluster()`'s
 * default distribution) resolve to the bundle's copy and share its core. When the bundle cannot be
 * built, or `BENCH_FROM_SOURCE=1`, benches run from the sources through tsx and a line says so; so
 * does a bench marked `bench-runner: from-source`, whose child processes start from `.ts` files.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildPackageBundle } from "../test/support/package-bundle.js";

const filter = process.argv[2];
const files = readdirSync("bench").filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter))).sort();
const OUT = resolve(".bench-build");
/** Marks a bench whose child processes are started from `.ts` files next to their sources (not in the bundle). */
const FROM_SOURCE_MARK = "bench-runner: from-source";
/** Marks a bench that runs under the Node flags and environment the `kubesim` launcher sets (its shebang line), as a cluster started by `kubesim up` does. */
const LAUNCHER_FLAGS_MARK = "bench-runner: launcher-flags";
/** The environment settings and Node flags on core/cli/main.ts's `#!/usr/bin/env -S [NAME=value ...] node <flags>` line. */
function launcher(): { env: Record<string, string>; flags: string[] } {
  const words = readFileSync("core/cli/main.ts", "utf8").split("\n", 1)[0]!.replace(/^#!\S*\s+-S\s+/, "").trim().split(/\s+/).filter(Boolean);
  const node = words.indexOf("node");
  if (node < 0) throw new Error("core/cli/main.ts: no `node` on its #! line");
  const env: Record<string, string> = {};
  for (const w of words.slice(0, node)) env[w.slice(0, w.indexOf("="))] = w.slice(w.indexOf("=") + 1);
  return { env, flags: words.slice(node + 1) };
}

/** Builds the selected benches and the built-in plugins into OUT; the reason when it cannot. */
async function bundle(): Promise<string | undefined> {
  if (process.env["BENCH_FROM_SOURCE"] === "1") return "BENCH_FROM_SOURCE=1";
  try {
    await buildPackageBundle(process.cwd(), OUT, Object.fromEntries(files.map((f) => [`bench/${f.replace(/\.ts$/, "")}`, join("bench", f)])));
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
}

const whyNot = await bundle();
if (whyNot) process.stdout.write(`(benches run from the sources through tsx — RSS includes the loader's 50–70 MB: ${whyNot})\n`);
let failures = 0;
for (const file of files) {
  // A bench that starts child processes from source files (`bench-runner: from-source` in its text) runs through tsx.
  const text = readFileSync(join("bench", file), "utf8");
  const fromSource = whyNot !== undefined || text.includes(FROM_SOURCE_MARK);
  const { env, flags } = text.includes(LAUNCHER_FLAGS_MARK) ? launcher() : { env: {}, flags: [] };
  process.stdout.write(`\n== ${file}${whyNot ? " (tsx)" : fromSource ? " (tsx: its child processes run from source files)" : " (bundled)"}\n`);
  const argv = fromSource ? ["--import", "tsx", join("bench", file)] : [join(OUT, "dist", "bench", file.replace(/\.ts$/, ".js"))];
  const r = spawnSync(process.execPath, ["--expose-gc", ...flags, ...argv], { stdio: "inherit", env: { ...process.env, ...env, NODE_ENV: "production" } });
  if (r.status !== 0) failures++;
}
process.exitCode = failures ? 1 : 0;
