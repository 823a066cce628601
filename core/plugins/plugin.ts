import type { DependencyContainer } from "tsyringe";
import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { Token } from "../di/token.js";
import type { Logger } from "../log/logger.js";
import type { ExtensionPoint, ExtensionPointKey } from "./extension-point.js";
import type { PluginConfigError, PluginConfigSchema } from "./plugin-config.js";
import type { FieldError } from "../api/status.js";

/** Undoes what a plugin's setup did. Runs in reverse start order when a cluster stops. */
export type Teardown = () => void | Promise<void>;

/**
 * What `setup` receives: a narrow handle, no globals. Services come from the cluster's scope by
 * token; contributions go to typed extension points.
 */
export interface PluginContext<C = unknown> {
  /** The plugin's own name. */
  readonly name: string;
  /**
   * The plugin's configuration section (cluster.yaml `plugins: [{ name, config }]`, or
   * `cluster.use(ref, config)`) as its `config.parse` returned it; undefined when none was given.
   */
  readonly config: C | undefined;
  /**
   * A refusal of the configuration found after `parse` (say, a name resolved against other
   * plugins' contributions): `errors` relative to the section, placed under where it came from.
   * Throw it from `setup` or later during the cluster start.
   */
  configError(errors: readonly FieldError[]): PluginConfigError;
  /** The plugin's logger (component `plugin/<name>`). */
  readonly log: Logger;
  /**
   * The plugin's own state directory, `<cluster stateDir>/plugins/<name>/`, when the cluster keeps
   * its objects durably (`kubesim up`, `new Cluster({ stateDir })`); undefined when the cluster
   * lives in memory (then so should the plugin's state). The host does not create it: a plugin
   * makes it when it first writes (`mkdirSync(ctx.stateDir, { recursive: true })`). What a plugin
   * keeps there survives a restart on the same state dir, as the cluster's objects do.
   */
  readonly stateDir: string | undefined;
  readonly clock: Clock;
  readonly random: Random;
  /** The extension point for `key`, to contribute to or read from. */
  extensions<T>(key: ExtensionPointKey<T>): ExtensionPoint<T>;
  /** Contributes `value` to `key` under `name`, recording this plugin as the contributor. */
  contribute<T>(key: ExtensionPointKey<T>, name: string, value: T): void;
  /** A service from the cluster's container. */
  resolve<T>(token: Token<T>): T;
  /** Registers a service in the cluster's container for later plugins and the core. */
  provide<T>(token: Token<T>, value: T): void;
  /** The cluster's DI scope, for plugins that build injectable classes. */
  readonly container: DependencyContainer;
}

/** A declarative plugin registration (modelled on containerd's `plugin.Registration`). */
export interface Plugin<C = unknown> {
  /** Unique name, e.g. `cni-flannel`. */
  readonly name: string;
  /** Names of plugins that must be set up first. */
  readonly requires?: readonly string[];
  /** One line for listings. */
  readonly description?: string;
  /**
   * How the plugin takes a configuration section: validated before any plugin is set up, the
   * result given to `setup` as `ctx.config`. A plugin without it refuses any section.
   */
  readonly config?: PluginConfigSchema<C>;
  /** Contributes to extension points; may return a teardown. Throwing fails the cluster start. */
  setup(ctx: PluginContext<C>): void | Teardown | Promise<void | Teardown>;
}

/** Brand marking objects made by {@link definePlugin}; registered so separately bundled copies agree. */
export const PLUGIN_BRAND: unique symbol = Symbol.for("kubesim.plugin") as never;

export type DefinedPlugin<C = unknown> = Plugin<C> & { readonly [PLUGIN_BRAND]: true };

/** Declares a plugin. The returned object is what a plugin module exports (default or named). */
export function definePlugin<C = unknown>(plugin: Plugin<C>): DefinedPlugin<C> {
  if (!plugin || typeof plugin.name !== "string" || plugin.name.length === 0) throw new TypeError("definePlugin: a plugin needs a non-empty name");
  if (typeof plugin.setup !== "function") throw new TypeError(`definePlugin: plugin "${plugin.name}" needs a setup(ctx) function`);
  return Object.freeze({ ...plugin, requires: Object.freeze([...(plugin.requires ?? [])]), [PLUGIN_BRAND]: true as const });
}

/** True for objects made by {@link definePlugin} (in any copy of kubesim). */
export function isPlugin(value: unknown): value is DefinedPlugin {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}
