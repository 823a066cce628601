import { readdirSync, existsSync } from "node:fs";
import { defineConfig } from "tsup";

/** Every plugins/<name>/index.ts is its own entry, so each loads separately (`kubesim/plugins/<name>`). */
const pluginEntries = Object.fromEntries(
  readdirSync("plugins", { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`plugins/${d.name}/index.ts`))
    .map((d) => [`plugins/${d.name}/index`, `plugins/${d.name}/index.ts`]),
);

/**
 * Every `*-process.ts` under plugins/ (a child process's entry, e.g. CoreDNS's UDP workers) is an
 * entry too, at its mirrored path, so the code forking it finds `dist/<path>.js` from the package root.
 */
const processEntries = Object.fromEntries(
  (readdirSync("plugins", { recursive: true, encoding: "utf8" }) as string[])
    .filter((f) => f.endsWith("-process.ts"))
    .map((f) => [`plugins/${f.replace(/\\/g, "/").replace(/\.ts$/, "")}`, `plugins/${f}`]),
);

/** The entries with a public API: their declarations are built (a child process's entry has none to import). */
const publicEntries = {
  "core/index": "core/index.ts",
  "core/cli/main": "core/cli/main.ts",
  ...pluginEntries,
};

export default defineConfig({
  entry: { ...publicEntries, ...processEntries },
  format: ["esm", "cjs"],
  dts: { entry: publicEntries },
  sourcemap: true,
  clean: true,
  shims: true,
  target: "node20",
  outDir: "dist",
  splitting: true,
});
