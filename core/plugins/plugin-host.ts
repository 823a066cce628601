import { join } from "node:path";
import { offClock } from "../clock/clock.js";
import type { DependencyContainer } from "tsyringe";
import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import { provide, resolve, type Token } from "../di/token.js";
import type { Logger } from "../log/logger.js";
import type { ExtensionRegistry } from "./extension-point.js";
import { loadPlugin, PluginError, type PluginRef } from "./plugin-loader.js";
import type { Plugin, PluginContext, Teardown } from "./plugin.js";
import { parsePluginConfig, prefixFieldErrors, PluginConfigError } from "./plugin-config.js";
import type { FieldError } from "../api/status.js";

/** A configuration section for a queued plugin, and where it came from (the field errors are placed under). */
export interface PluginConfigSection {
  readonly config: unknown;
  /** The section's field path in its source, e.g. `plugins[1].config` in cluster.yaml (default `<name>.config`). */
  readonly field?: string;
}

interface QueuedPlugin {
  readonly ref: PluginRef;
  section: PluginConfigSection | undefined;
}

export interface PluginHostOptions {
  container: DependencyContainer;
  extensions: ExtensionRegistry;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Directory relative plugin paths resolve against (default: the working directory). */
  baseDir?: string;
  /** Where plugins' state directories go (`<root>/<plugin name>/`); none: plugins keep their state in memory. */
  pluginStateRoot?: string;
}

/**
 * Loads plugins, orders them by `requires`, runs their setups and, on stop or on a failed start,
 * their teardowns in reverse order. Refuses duplicates, missing dependencies, cycles and modules
 * that export no plugin, each with a message naming the plugins involved.
 */
export class PluginHost {
  private readonly refs: QueuedPlugin[] = [];
  private readonly started: { name: string; teardown?: Teardown }[] = [];
  private state: "new" | "starting" | "started" | "stopped" = "new";

  constructor(private readonly options: PluginHostOptions) {}

  /**
   * Queues a plugin for the next `start`, with its configuration section if given (validated by
   * the plugin's `config.parse` at start, before any plugin is set up).
   */
  use(ref: PluginRef, section?: PluginConfigSection): void {
    if (this.state !== "new") throw new PluginError(`cannot add plugin ${describeRef(ref)}: plugins are fixed once the cluster has started`);
    this.refs.push({ ref, section });
  }

  /** True when `ref` (a plugin, or a name or specifier) is already queued. */
  has(ref: PluginRef): boolean {
    const name = refName(ref);
    return this.refs.some((r) => refName(r.ref) === name);
  }

  /** Names of the plugins set up so far, in start order. */
  get startedPlugins(): string[] {
    return this.started.map((s) => s.name);
  }

  /** Loads, orders and sets up every queued plugin. On failure, undoes what started and throws. */
  async start(): Promise<void> {
    if (this.state !== "new") throw new PluginError("plugin host already started");
    this.state = "starting";
    // Importing modules is real I/O (and, under a loader such as tsx, a round trip to its thread):
    // simulated time must not move meanwhile, or a virtual clock's auto mode would fire whatever
    // timers are pending (the API server's own watches) by how long the disk took.
    const plugins = await offClock(this.options.clock, Promise.all(this.refs.map((q) => loadPlugin(q.ref, this.options.baseDir))));
    const ordered = orderPlugins(plugins);
    const configs = this.parseConfigs(plugins);
    for (const plugin of ordered) {
      let teardown: void | Teardown;
      try {
        teardown = await plugin.setup(this.contextFor(plugin, configs.get(plugin.name), this.sectionField(plugin, plugins)));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        await this.stop();
        throw new PluginError(`plugin "${plugin.name}" failed to start: ${reason}`, { cause: err });
      }
      this.started.push(teardown ? { name: plugin.name, teardown } : { name: plugin.name });
      this.options.log.debug("plugin started", { plugin: plugin.name });
    }
    this.state = "started";
  }

  /** Runs teardowns in reverse start order. A failing teardown is logged; the others still run. */
  async stop(): Promise<void> {
    while (this.started.length > 0) {
      const { name, teardown } = this.started.pop()!;
      if (!teardown) continue;
      try {
        await teardown();
      } catch (err) {
        this.options.log.error("plugin teardown failed", { plugin: name, error: err });
      }
    }
    this.state = "stopped";
  }

  /** Every queued section through its plugin's `config.parse`; all refusals at once, before any setup. */
  private parseConfigs(plugins: readonly Plugin[]): Map<string, unknown> {
    const configs = new Map<string, unknown>();
    const errors: FieldError[] = [];
    plugins.forEach((plugin, i) => {
      const section = this.refs[i]!.section;
      if (!section) return;
      const r = parsePluginConfig(plugin.name, plugin.config, section.config, section.field ?? `${plugin.name}.config`);
      if ("errors" in r) errors.push(...r.errors);
      else configs.set(plugin.name, r.config);
    });
    if (errors.length) {
      this.state = "stopped";
      throw new PluginConfigError(errors);
    }
    return configs;
  }

  /** Where `plugin`'s configuration section came from (`plugins[1].config`, or `<name>.config`). */
  private sectionField(plugin: Plugin, plugins: readonly Plugin[]): string {
    return this.refs[plugins.indexOf(plugin)]?.section?.field ?? `${plugin.name}.config`;
  }

  private contextFor(plugin: Plugin, config: unknown, field: string): PluginContext {
    const { container, extensions, clock, random, log } = this.options;
    return {
      name: plugin.name,
      config,
      configError: (errors) => new PluginConfigError(prefixFieldErrors(field, errors)),
      log: log.child(`plugin/${plugin.name}`),
      stateDir: this.options.pluginStateRoot === undefined ? undefined : join(this.options.pluginStateRoot, plugin.name),
      clock,
      random,
      container,
      extensions: (key) => extensions.point(key),
      contribute: (key, name, value) => extensions.point(key).contribute(name, value, plugin.name),
      resolve: <T>(t: Token<T>) => resolve(container, t),
      provide: <T>(t: Token<T>, value: T) => provide(container, t, value),
    };
  }
}

function refName(ref: PluginRef): string {
  return typeof ref === "string" ? ref : ref.name;
}

function describeRef(ref: PluginRef): string {
  return `"${refName(ref)}"`;
}

/**
 * Orders plugins so each comes after everything it requires; otherwise keeps the order they were
 * added in. Throws on duplicate names, missing dependencies and cycles.
 */
export function orderPlugins(plugins: readonly Plugin[]): Plugin[] {
  const byName = new Map<string, Plugin>();
  for (const p of plugins) {
    if (byName.has(p.name)) throw new PluginError(`plugin "${p.name}" is loaded twice; each plugin may be used once per cluster`);
    byName.set(p.name, p);
  }
  for (const p of plugins) {
    for (const dep of p.requires ?? []) {
      if (!byName.has(dep)) throw new PluginError(`plugin "${p.name}" requires plugin "${dep}", which is not loaded; add it with cluster.use("${dep}")`);
    }
  }
  const ordered: Plugin[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (p: Plugin, path: string[]): void => {
    const s = state.get(p.name);
    if (s === "done") return;
    if (s === "visiting") {
      const cycle = [...path.slice(path.indexOf(p.name)), p.name];
      throw new PluginError(`plugin dependency cycle: ${cycle.join(" -> ")}`);
    }
    state.set(p.name, "visiting");
    for (const dep of p.requires ?? []) visit(byName.get(dep)!, [...path, p.name]);
    state.set(p.name, "done");
    ordered.push(p);
  };
  for (const p of plugins) visit(p, []);
  return ordered;
}
