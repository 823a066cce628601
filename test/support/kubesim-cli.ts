/**
 * Test support: how a test starts the `kubesim` command line as a child process.
 *
 * The built CLI (`dist/core/cli/main.js`, what `npm run build` makes and the package's `bin` points
 * at) is used when it is at least as new as every TypeScript source it is built from; otherwise the
 * sources run through tsx. A built child starts without compiling its whole module graph, which is
 * most of what the process-spawning tests cost — and CI (which builds first) then tests the artifact
 * users install. A stale build is never used: edit a source file and the tests run the sources.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const BUILT = "dist/core/cli/main.js";
const SOURCES = ["core", "plugins", "package.json", "tsup.config.ts"];

/** Newest modification time (ms) under `path`, skipping tests and declaration files. */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(child));
    else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) max = Math.max(max, statSync(child).mtimeMs);
  }
  return max;
}

/** True when `dist/` holds a CLI built after the last change to its sources (cwd = project root). */
function builtIsFresh(): boolean {
  if (process.env.KUBESIM_TEST_FROM_SOURCE === "1" || !existsSync(BUILT)) return false;
  const built = statSync(BUILT).mtimeMs;
  return SOURCES.every((s) => !existsSync(s) || newest(s) <= built);
}

/**
 * The argv (after `process.execPath`) that runs `kubesim`: `["dist/core/cli/main.js"]` when the
 * build is fresh, else `["--import", "tsx", "core/cli/main.ts"]`. Set KUBESIM_TEST_FROM_SOURCE=1 to
 * force the sources.
 */
export const KUBESIM_CLI: readonly string[] = builtIsFresh() ? [BUILT] : ["--import", "tsx", "core/cli/main.ts"];
