import type { FrameworkHandle, PluginFactory, SchedulerPlugin } from "./interface.js";
import { Framework, type ResolvedProfile } from "./runtime.js";
import { SchedulerConfigError, fieldErrorAt } from "../config/validate.js";
import type { FieldError } from "../../../core/api/status.js";
import { EXTENSION_POINTS, type KubeSchedulerProfile, type PluginRef } from "../config/types.js";
import { DEFAULT_MULTI_POINT } from "../plugins/in-tree.js";

type Point = Exclude<(typeof EXTENSION_POINTS)[number], "multiPoint">;

/** The method that marks a plugin as extending each point. */
const POINT_METHOD: Record<Point, string> = {
  preEnqueue: "preEnqueue",
  queueSort: "less",
  preFilter: "preFilter",
  filter: "filter",
  postFilter: "postFilter",
  preScore: "preScore",
  score: "score",
  reserve: "reserve",
  permit: "permit",
  preBind: "preBind",
  bind: "bind",
  postBind: "postBind",
};

/**
 * Builds one profile's framework from its configuration (upstream `frameworkImpl` construction
 * with v1 defaulting): the default multiPoint plugins (minus `multiPoint.disabled`, plus
 * `multiPoint.enabled`) join every point they implement; per-point `disabled` removes (`*` all),
 * per-point `enabled` adds after them, overriding a multiPoint entry's weight. Unknown plugin
 * names are refused naming the field.
 */
export function buildFramework(profile: KubeSchedulerProfile, index: number, registry: ReadonlyMap<string, PluginFactory>, handleFor: (fw: () => Framework) => FrameworkHandle): Framework {
  const at = `profiles[${index}]`;
  const plugins = profile.plugins ?? {};
  const errors: FieldError[] = [];
  const mpDisabled = new Set((plugins.multiPoint?.disabled ?? []).map((r) => r.name));
  const multi: PluginRef[] = mpDisabled.has("*") ? [] : DEFAULT_MULTI_POINT.filter((p) => !mpDisabled.has(p.name)).map((p) => ({ ...p }));
  for (const r of plugins.multiPoint?.enabled ?? []) {
    const i = multi.findIndex((m) => m.name === r.name);
    if (i >= 0) multi[i] = { ...multi[i]!, ...r };
    else multi.push(r);
  }
  const wanted = new Set<string>(multi.map((m) => m.name));
  for (const point of Object.keys(POINT_METHOD) as Point[]) for (const r of plugins[point]?.enabled ?? []) wanted.add(r.name);
  const args = new Map<string, Record<string, unknown>>();
  for (const pc of profile.pluginConfig ?? []) if (pc.args) args.set(pc.name, pc.args);
  const instances = new Map<string, SchedulerPlugin>();
  let framework: Framework | undefined;
  const handle = handleFor(() => framework!);
  for (const name of wanted) {
    const factory = registry.get(name);
    if (!factory) {
      const where = findRef(profile, name);
      errors.push(fieldErrorAt(`${at}.plugins.${where}`, `Invalid value: "${name}": plugin is not registered (in-tree or contributed to SchedulerPlugins)`));
      continue;
    }
    instances.set(name, factory(args.get(name), handle));
  }
  (profile.pluginConfig ?? []).forEach((pc, j) => {
    if (!wanted.has(pc.name) && !registry.has(pc.name)) errors.push(fieldErrorAt(`${at}.pluginConfig[${j}].name`, `Invalid value: "${pc.name}": plugin is not registered`));
  });
  if (errors.length) throw new SchedulerConfigError(errors);
  const points = {} as Record<Point, string[]>;
  const weights = new Map<string, number>();
  for (const m of multi) if (m.weight !== undefined) weights.set(m.name, m.weight);
  for (const point of Object.keys(POINT_METHOD) as Point[]) {
    const set = plugins[point];
    const disabled = new Set((set?.disabled ?? []).map((r) => r.name));
    const enabled = set?.enabled ?? [];
    const explicit = new Set(enabled.map((r) => r.name));
    const list: string[] = [];
    if (!disabled.has("*")) {
      for (const m of multi) {
        if (disabled.has(m.name) || explicit.has(m.name)) continue;
        const inst = instances.get(m.name);
        if (inst && typeof (inst as unknown as Record<string, unknown>)[POINT_METHOD[point]] === "function") list.push(m.name);
      }
    }
    enabled.forEach((r, j) => {
      const inst = instances.get(r.name);
      if (inst && typeof (inst as unknown as Record<string, unknown>)[POINT_METHOD[point]] !== "function") {
        errors.push(fieldErrorAt(`${at}.plugins.${point}.enabled[${j}].name`, `Invalid value: "${r.name}": plugin does not extend ${point}`));
        return;
      }
      list.push(r.name);
      if (point === "score" && r.weight !== undefined) weights.set(r.name, r.weight);
    });
    points[point] = list;
  }
  if (points.queueSort.length !== 1) errors.push(fieldErrorAt(`${at}.plugins.queueSort`, `Invalid value: ${JSON.stringify(points.queueSort)}: exactly one queue sort plugin must be enabled`));
  if (points.bind.length === 0) errors.push(fieldErrorAt(`${at}.plugins.bind`, `Required value: at least one bind plugin must be enabled`));
  if (errors.length) throw new SchedulerConfigError(errors);
  const resolved: ResolvedProfile = { schedulerName: profile.schedulerName!, percentageOfNodesToScore: profile.percentageOfNodesToScore, points, weights, args };
  framework = new Framework(resolved, instances, handle);
  return framework;
}

function findRef(profile: KubeSchedulerProfile, name: string): string {
  for (const [point, set] of Object.entries(profile.plugins ?? {})) {
    const j = (set?.enabled ?? []).findIndex((r) => r.name === name);
    if (j >= 0) return `${point}.enabled[${j}].name`;
  }
  return "multiPoint";
}
