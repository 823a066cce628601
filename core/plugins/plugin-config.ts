import { fieldError, fieldErrorText, type FieldError } from "../api/status.js";

/**
 * How a plugin takes its configuration section — cluster.yaml `plugins: [{ name, config }]`, or
 * `cluster.use(ref, config)` in code. The plugin host calls `parse` once per cluster start, before
 * any plugin's setup runs, and hands the result to `setup` as `ctx.config`; a plugin given no
 * section gets `undefined` and applies its own defaults.
 */
export interface PluginConfigSchema<C> {
  /** What the section is, one line (e.g. `KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)`). */
  readonly description?: string;
  /**
   * Validates (and may default) the raw section, returning the typed configuration. Refuses a bad
   * one by throwing {@link PluginConfigError} with field errors relative to the section
   * (`profiles[0].schedulerName`), worded as Kubernetes words them (`fieldError.required(...)`).
   * Pure: no side effects, no I/O.
   */
  parse(raw: unknown): C;
}

const CONFIG_ERROR_BRAND: unique symbol = Symbol.for("kubesim.pluginConfigError") as never;

/**
 * A refused plugin configuration: one {@link FieldError} per offending field. Thrown by
 * `PluginConfigSchema.parse` with fields relative to the section, and by the plugin host with
 * the fields prefixed by where the section came from (`plugins[1].config.profiles[0].schedulerName`).
 */
export class PluginConfigError extends Error {
  override readonly name: string = "PluginConfigError";
  /** Brand, so errors thrown by a separately bundled copy of kubesim are recognised too. */
  readonly [CONFIG_ERROR_BRAND] = true;
  constructor(
    readonly errors: readonly FieldError[],
    /** What was being configured, for the message (default: `invalid plugin configuration`). */
    heading = "invalid plugin configuration",
  ) {
    super(`${heading}:${errors.length === 1 ? ` ${fieldErrorText(errors[0]!)}` : errors.map((e) => `\n  - ${fieldErrorText(e)}`).join("")}`);
  }
}

/** True for a {@link PluginConfigError} from any copy of kubesim. */
export function isPluginConfigError(err: unknown): err is PluginConfigError {
  return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[CONFIG_ERROR_BRAND] === true && Array.isArray((err as PluginConfigError).errors);
}

/** `errors` with each field placed under `prefix` (`config` + `profiles[0]` → `config.profiles[0]`). */
export function prefixFieldErrors(prefix: string, errors: readonly FieldError[]): FieldError[] {
  return errors.map((e) => ({ ...e, field: !e.field ? prefix : e.field.startsWith("[") ? `${prefix}${e.field}` : `${prefix}.${e.field}` }));
}

/**
 * Runs `schema.parse` on a section that came from `field`, turning what it throws into field
 * errors under `field` (a parser that throws something else is reported as an invalid value).
 */
export function parsePluginConfig<C>(plugin: string, schema: PluginConfigSchema<C> | undefined, raw: unknown, field: string): { config: C } | { errors: FieldError[] } {
  if (!schema) return { errors: [fieldError.forbidden(field, `plugin "${plugin}" takes no configuration`)] };
  try {
    return { config: schema.parse(raw) };
  } catch (err) {
    if (isPluginConfigError(err)) return { errors: prefixFieldErrors(field, err.errors) };
    return { errors: [{ type: "FieldValueInvalid", field, detail: `Invalid value: ${err instanceof Error ? err.message : String(err)}` }] };
  }
}
