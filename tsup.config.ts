import { readdirSync, existsSync } from "node:fs";
import { defineConfig } from "tsup";

/** Every plugins/<name>/index.ts is its own entry, so each loads separately (`kubesim/plugins/<name>`). */
const pluginEntries = Object.fromEntries(
  readdirSync("plugins", { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`plugins/${d.name}/index.ts`))
    .map((d) => [`plugins/${d.name}/index`, `plugins/${d.name}/index.ts`]),
);

export default defineConfig({
  entry: {
    "core/index": "core/index.ts",
    "core/cli/main": "core/cli/main.ts",
    ...pluginEntries,
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  shims: true,
  target: "node20",
  outDir: "dist",
  splitting: true,
});
