import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isPlugin, type DefinedPlugin, type Plugin } from "./plugin.js";

/** How a plugin is named to `cluster.use(...)`: the object itself, a built-in name, a module specifier or a path. */
export type PluginRef = Plugin | string;

/** Errors the plugin host raises; the message always names the plugin or module concerned. */
export class PluginError extends Error {
  override readonly name = "PluginError";
}

const BUILT_IN_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** The kubesim package root: the nearest ancestor of this module with a package.json named kubesim. */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "kubesim") return dir;
      } catch {
        /* not a readable manifest: keep walking */
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Where the built-in plugin `name` lives: `plugins/<name>/index.ts` when kubesim runs from source,
 * `dist/plugins/<name>/index.js` when it runs built. Undefined when there is no such built-in.
 */
export function builtInPluginPath(name: string): string | undefined {
  if (!BUILT_IN_NAME.test(name)) return undefined;
  const root = packageRoot();
  if (!root) return undefined;
  const fromSource = import.meta.url.endsWith(".ts");
  const candidates = fromSource
    ? [join(root, "plugins", name, "index.ts"), join(root, "dist", "plugins", name, "index.js")]
    : [join(root, "dist", "plugins", name, "index.js"), join(root, "plugins", name, "index.ts")];
  return candidates.find((p) => existsSync(p));
}

/** Picks the plugin a module exports: its default export, a default factory taking no arguments, or its one plugin-valued named export. */
export function pluginFromModule(mod: Record<string, unknown>, specifier: string): DefinedPlugin {
  const candidates: unknown[] = [];
  const def = mod["default"];
  if (isPlugin(def)) return def;
  if (typeof def === "function" && def.length === 0) {
    const made: unknown = (def as () => unknown)();
    if (isPlugin(made)) return made;
  }
  for (const [key, value] of Object.entries(mod)) if (key !== "default" && isPlugin(value)) candidates.push(value);
  if (candidates.length === 1) return candidates[0] as DefinedPlugin;
  if (candidates.length > 1) {
    throw new PluginError(`module "${specifier}" exports ${candidates.length} plugins (${candidates.map((c) => (c as Plugin).name).join(", ")}); export the one to load as default`);
  }
  throw new PluginError(`module "${specifier}" does not export a kubesim plugin (expected a default export made with definePlugin, or a factory returning one)`);
}

/**
 * A package specifier as Node resolves it from a module in `baseDir` (walking up its
 * `node_modules`); undefined when it does not resolve from there (conditions `node`, `require`,
 * `default`: a package exporting only `import` resolves from kubesim's location instead).
 */
function resolveFromProject(specifier: string, baseDir: string): string | undefined {
  try {
    return pathToFileURL(createRequire(join(resolvePath(baseDir), "package.json")).resolve(specifier)).href;
  } catch {
    return undefined;
  }
}

/**
 * Turns a reference into a plugin. Strings are tried as a built-in name first, then as a path
 * (starting with `.`, `/` or `file:`; relative to `baseDir`), else as a package name (module
 * specifier) resolved from `baseDir` — the project's `node_modules`, the way third-party plugins
 * install — and failing that from kubesim's own location.
 */
export async function loadPlugin(ref: PluginRef, baseDir: string = process.cwd()): Promise<Plugin> {
  if (typeof ref !== "string") {
    if (!ref || typeof ref.name !== "string" || typeof ref.setup !== "function") {
      throw new PluginError(`not a kubesim plugin: ${JSON.stringify(ref)} (expected { name, setup(ctx) } or a name, module specifier or path)`);
    }
    return ref;
  }
  let target: string;
  const builtIn = builtInPluginPath(ref);
  if (builtIn) target = pathToFileURL(builtIn).href;
  else if (ref.startsWith("file:")) target = ref;
  else if (ref.startsWith(".") || isAbsolute(ref)) target = pathToFileURL(resolvePath(baseDir, ref)).href;
  else target = resolveFromProject(ref, baseDir) ?? ref;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PluginError(`cannot load plugin "${ref}": ${reason}`);
  }
  return pluginFromModule(mod, ref);
}
