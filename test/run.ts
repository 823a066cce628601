/**
 * Runs every `*.test.ts` under test/ (and examples/) in its own Node process (so servers, timers
 * and module state never leak between files), two at a time, and ends with the line
 * `N passed, N failed`. A file that crashes or prints no uvu summary counts as one failure.
 * Usage: npm test [-- <substring filter>]
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { cpus } from "node:os";

const FILE_TIMEOUT_MS = 180_000;
const root = process.cwd();
const filter = process.argv[2];

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

interface FileResult { file: string; passed: number; failed: number; output: string; ms: number }

function runFile(file: string): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      cwd: root,
      env: { ...process.env, NODE_ENV: "test", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[run] ${relative(root, file)} timed out after ${FILE_TIMEOUT_MS} ms; killed\n`;
      child.kill("SIGKILL");
    }, FILE_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      const clean = output.replace(/\x1b\[[0-9;]*m/g, "");
      const total = /Total:\s+(\d+)/.exec(clean);
      const passed = /Passed:\s+(\d+)/.exec(clean);
      let p = passed ? Number(passed[1]) : 0;
      let f = total ? Number(total[1]) - p : 1;
      if (code !== 0 && f === 0) f = 1; // crashed after the summary, or exited non-zero
      if (!total) p = 0;
      resolve({ file, passed: p, failed: f, output: clean, ms: Date.now() - started });
    });
  });
}

const files = [...findTests(join(root, "test")), ...findTests(join(root, "examples"))]
  .filter((f) => !f.endsWith("run.ts") && (!filter || f.includes(filter)))
  .sort();
const queue = [...files];
const results: FileResult[] = [];
const workers = Math.max(1, Math.min(2, cpus().length));
await Promise.all(
  Array.from({ length: workers }, async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const r = await runFile(file);
      results.push(r);
      const mark = r.failed ? "FAIL" : "ok  ";
      process.stdout.write(`${mark} ${relative(root, file)} (${r.passed} passed, ${r.failed} failed, ${r.ms} ms)\n`);
      if (r.failed) process.stdout.write(r.output.split("\n").map((l) => `     ${l}`).join("\n") + "\n");
    }
  }),
);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exitCode = failed ? 1 : 0;
