import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Builds `entries` (output name → source file, e.g. `test/x.test` → `/…/test/x.test.ts`) with
 * every built-in plugin into `outDir` as one code-split esbuild bundle that runs under plain
 * `node` — the bench and test runners' shared build. The core is one copy shared by every entry;
 * `outDir` is laid out as the package: its own `package.json` named kubesim, each plugin at
 * `dist/plugins/<name>/index.js` (where the plugin loader finds plugins loaded by name) and each
 * child process's entry (`plugins/**\/…-process.ts`) at its mirrored path. npm packages stay
 * external. `root` is the project root (where plugins/ is; a project without one bundles the
 * entries alone). Throws when esbuild fails.
 */
export async function buildPackageBundle(root: string, outDir: string, entries: Readonly<Record<string, string>>): Promise<void> {
  const esbuild = await import("esbuild");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "package.json"), JSON.stringify({ name: "kubesim", private: true, type: "module" }));
  const entryPoints: Record<string, string> = {};
  const plugins = join(root, "plugins");
  if (existsSync(plugins)) {
    for (const d of readdirSync(plugins, { withFileTypes: true })) if (d.isDirectory() && existsSync(join(plugins, d.name, "index.ts"))) entryPoints[`plugins/${d.name}/index`] = join(plugins, d.name, "index.ts");
    for (const f of readdirSync(plugins, { recursive: true, encoding: "utf8" })) if (f.endsWith("-process.ts")) entryPoints[`plugins/${f.replace(/\.ts$/, "")}`] = join(plugins, f);
  }
  Object.assign(entryPoints, entries);
  await esbuild.build({
    entryPoints,
    outdir: join(outDir, "dist"),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "silent",
    outExtension: { ".js": ".js" },
    chunkNames: "chunks/[name]-[hash]",
  });
}
