/**
 * Runs every `*.test.ts` under test/ (and examples/) in its own Node process (so servers, timers
 * and module state never leak between files), three at a time (`TEST_WORKERS=n` to change), and ends with the line
 * `N passed, N failed, N skipped`. A file that crashes or prints no uvu summary counts as one
 * failure. Tests skipped because a tool is missing (test/support/require-tool.ts) are counted as
 * skipped and listed, with their reasons, before the closing line. A failing file is run once
 * more; if it passes then, it counts as passed and is listed as flaky before the closing line.
 *
 * Files run BUNDLED: esbuild compiles the selected files and every built-in plugin (one
 * code-split build, so the core is loaded once per process) into `.test-build/` (git-ignored) and
 * each file runs there under plain `node`, which spares every process the tsx loader's compile and
 * module hooks (about 3 s of CPU per file). The bundle lays out `dist/plugins/<name>/index.js`
 * next to its own `package.json` named kubesim, as the bench runner's, so plugins loaded by name
 * resolve to the bundle's copy, and `dist/test/fixtures` links to test/fixtures. A file marked
 * `test-runner: from-source` (it loads `.ts` files at run time) runs through tsx, as every file does
 * when the bundle cannot be built or `TEST_FROM_SOURCE=1`; so does the re-run of a failing file, so
 * its stack traces name the sources. A file whose process outlives its uvu summary by 3 s or more
 * says so on its line: a timer or a handle outlived its tests, and the suite waited for it.
 * Usage: npm test [-- <substring filter>]
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { cpus } from "node:os";
import { SKIP_MARKER } from "./support/require-tool.js";
import { TEST_BUNDLE_DIR, bundledPath } from "./support/test-bundle.js";
import { buildPackageBundle } from "./support/package-bundle.js";

const FILE_TIMEOUT_MS = 180_000;
const root = process.cwd();
const filter = process.argv[2];
/** Process groups of the files running now. */
const running = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

// Interrupting the runner ends the files' groups too (they are detached from ours).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.exit(130);
  });
}

/** Test files under `dir`; `fixtures` folders hold inputs of tests (even test files), not tests. */
function findTests(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist" || entry === "fixtures") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

interface FileResult { file: string; passed: number; failed: number; skipped: number; skipReasons: string[]; output: string; ms: number; lingerMs: number }

/** A process still running this long after its uvu summary is reported: a timer or handle outlives its tests. */
const LINGER_REPORT_MS = 3000;

/** Where the bundle is built. */
const BUILD = join(root, TEST_BUNDLE_DIR);
/** Marks a file that must run from its sources (it loads `.ts` files at run time). */
const FROM_SOURCE_MARK = "test-runner: from-source";

/** Builds `tests` and the built-in plugins into {@link BUILD}; the reason when it cannot. */
async function bundle(tests: readonly string[]): Promise<string | undefined> {
  if (process.env["TEST_FROM_SOURCE"] === "1") return "TEST_FROM_SOURCE=1";
  try {
    await buildPackageBundle(root, BUILD, Object.fromEntries(tests.map((f) => [relative(root, f).replace(/\.ts$/, ""), f])));
    // Tests find their fixtures next to themselves (`new URL("../fixtures/…", import.meta.url)`).
    if (existsSync(join(root, "test", "fixtures"))) symlinkSync(join(root, "test", "fixtures"), join(BUILD, "dist", "test", "fixtures"), "dir");
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
}

/** The command line running `file`: its bundled copy, or its source through tsx. */
function commandFor(file: string, fromSource: boolean): string[] {
  return fromSource ? ["--import", "tsx", file] : [join(root, bundledPath(relative(root, file)))];
}

function runFile(file: string, fromSource: boolean): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // Its own process group, so a timeout also ends what the file started (kubesim up, clients).
    const child = spawn(process.execPath, commandFor(file, fromSource), {
      cwd: root,
      env: { ...process.env, NODE_ENV: "test", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    running.add(child.pid!);
    let output = "";
    /** When uvu's summary (its `Duration:` line) was printed. */
    let summaryAt = 0;
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      if (!summaryAt && output.includes("Duration:")) summaryAt = Date.now();
    });
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[run] ${relative(root, file)} timed out after ${FILE_TIMEOUT_MS} ms; killed\n`;
      killGroup(child.pid!);
    }, FILE_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      running.delete(child.pid!);
      const clean = output.replace(/\x1b\[[0-9;]*m/g, "");
      const total = /Total:\s+(\d+)/.exec(clean);
      const passed = /Passed:\s+(\d+)/.exec(clean);
      const skipped = /Skipped:\s+(\d+)/.exec(clean);
      const skipReasons = clean.split("\n").filter((l) => l.startsWith(SKIP_MARKER)).map((l) => l.slice(SKIP_MARKER.length).trim());
      let p = passed ? Number(passed[1]) : 0;
      let f = total ? Number(total[1]) - p : 1;
      if (code !== 0 && f === 0) f = 1; // crashed after the summary, or exited non-zero
      if (!total) p = 0;
      const ended = Date.now();
      resolve({ file, passed: p, failed: f, skipped: total && skipped ? Number(skipped[1]) : 0, skipReasons, output: clean, ms: ended - started, lingerMs: summaryAt ? ended - summaryAt : 0 });
    });
  });
}

/** The first failure of a uvu run's output (its `FAIL` line and the assertion after it, at most 30 lines), indented for the closing summary. */
function firstFailure(output: string): string {
  const lines = output.split("\n");
  const at = lines.findIndex((l) => l.includes("FAIL  "));
  const shown = at < 0 ? lines.filter((l) => l.trim()).slice(-30) : lines.slice(at, at + 30);
  return shown.map((l) => `      ${l}`).join("\n");
}

const files = [...findTests(join(root, "test")), ...findTests(join(root, "examples"))]
  .filter((f) => !f.endsWith("run.ts") && (!filter || relative(root, f).includes(filter)))
  .sort();
const whyNot = await bundle(files);
if (whyNot) process.stdout.write(`(tests run from the sources through tsx: ${whyNot})\n`);
/** Whether `file` runs from its sources: no bundle, or marked so. */
const fromSource = (file: string): boolean => whyNot !== undefined || readFileSync(file, "utf8").includes(FROM_SOURCE_MARK);
const queue = [...files];
const results: FileResult[] = [];
/** Files that failed, then passed when run again (listed before the closing line). */
const flaky: string[] = [];
/** Three at a time on two cores: most files spend part of their run waiting on real time (a full run keeps the cores ~86 % busy). */
const workers = Number(process.env["TEST_WORKERS"]) || Math.max(1, Math.min(3, cpus().length + 1));
await Promise.all(
  Array.from({ length: workers }, async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      let r = await runFile(file, fromSource(file));
      if (r.failed) {
        // One re-run, in the open and from the sources: a file that passes the second time is listed as flaky at the end.
        process.stdout.write(`FAIL ${relative(root, file)} (${r.passed} passed, ${r.failed} failed, ${r.ms} ms): running it once more\n`);
        const again = await runFile(file, true);
        if (!again.failed) flaky.push(`${relative(root, file)} — first run:\n${firstFailure(r.output)}`);
        r = again;
      }
      results.push(r);
      const mark = r.failed ? "FAIL" : r.skipped && !r.passed ? "skip" : "ok  ";
      const linger = r.lingerMs >= LINGER_REPORT_MS ? `; exited ${r.lingerMs} ms after its summary` : "";
      process.stdout.write(`${mark} ${relative(root, file)} (${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ""}, ${r.ms} ms${linger})\n`);
      if (r.failed) process.stdout.write(r.output.split("\n").map((l) => `     ${l}`).join("\n") + "\n");
    }
  }),
);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const skipped = results.reduce((n, r) => n + r.skipped, 0);
const reasons = results.flatMap((r) => r.skipReasons);
if (flaky.length) process.stdout.write(`\nFlaky (failed once, passed on the re-run):\n${flaky.map((f) => `  ${f}\n`).join("")}`);
if (reasons.length) process.stdout.write(`\nSkipped (a tool is missing; CI sets KUBESIM_REQUIRE_TOOLS=1 to fail instead):\n${reasons.map((r) => `  ${r}\n`).join("")}`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed ? 1 : 0;
