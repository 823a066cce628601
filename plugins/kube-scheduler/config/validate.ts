import { parse as parseYaml } from "yaml";
import { fieldError, type FieldError } from "../../../core/api/status.js";
import { PluginConfigError } from "../../../core/plugins/plugin-config.js";
import { CONFIG_API_VERSION, DEFAULT_SCHEDULER_NAME, EXTENSION_POINTS, type KubeSchedulerConfiguration, type KubeSchedulerProfile } from "./types.js";

/**
 * A refused KubeSchedulerConfiguration: one field error per offending field, worded as upstream's
 * validation words them. A {@link PluginConfigError}, so the plugin host places the fields under
 * the section they came from (`plugins[1].config.profiles[0].schedulerName`).
 */
export class SchedulerConfigError extends PluginConfigError {
  override readonly name = "SchedulerConfigError";
  constructor(errors: readonly FieldError[]) {
    super(errors, "invalid KubeSchedulerConfiguration");
  }
}

const FIELD_ERROR_TYPES: [string, FieldError["type"]][] = [
  ["Required value", "FieldValueRequired"],
  ["Duplicate value", "FieldValueDuplicate"],
  ["Unsupported value", "FieldValueNotSupported"],
  ["Forbidden", "FieldValueForbidden"],
];

/** A field error from its path and upstream's detail text (`Invalid value: 0: ...`, `Required value`, ...). */
export function fieldErrorAt(field: string, detail: string): FieldError {
  const type = FIELD_ERROR_TYPES.find(([prefix]) => detail.startsWith(prefix))?.[1] ?? "FieldValueInvalid";
  return { type, field, detail };
}

const DEFAULT_PERCENTAGE_OF_NODES_TO_SCORE = 0;

/** Defaults as kubescheduler.config.k8s.io/v1 sets them. */
export function withDefaults(config: KubeSchedulerConfiguration = {}): Required<Pick<KubeSchedulerConfiguration, "parallelism" | "podInitialBackoffSeconds" | "podMaxBackoffSeconds" | "percentageOfNodesToScore">> & KubeSchedulerConfiguration & { profiles: KubeSchedulerProfile[] } {
  const profiles = config.profiles?.length ? config.profiles : [{}];
  return {
    ...config,
    apiVersion: config.apiVersion ?? CONFIG_API_VERSION,
    kind: config.kind ?? "KubeSchedulerConfiguration",
    parallelism: config.parallelism ?? 16,
    percentageOfNodesToScore: config.percentageOfNodesToScore ?? DEFAULT_PERCENTAGE_OF_NODES_TO_SCORE,
    podInitialBackoffSeconds: config.podInitialBackoffSeconds ?? 1,
    podMaxBackoffSeconds: config.podMaxBackoffSeconds ?? 10,
    profiles: profiles.map((p, i) => ({ ...p, schedulerName: p.schedulerName ?? (i === 0 && !config.profiles?.length ? DEFAULT_SCHEDULER_NAME : p.schedulerName ?? DEFAULT_SCHEDULER_NAME) })),
  };
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Validates the structure, the values and the args of known plugins; throws {@link SchedulerConfigError}. */
export function validateSchedulerConfig(raw: unknown): KubeSchedulerConfiguration {
  const errors: FieldError[] = [];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new SchedulerConfigError([fieldErrorAt("", "Invalid value: expected a KubeSchedulerConfiguration object")]);
  const c = raw as KubeSchedulerConfiguration & Record<string, unknown>;
  if (c.apiVersion !== undefined && c.apiVersion !== CONFIG_API_VERSION) errors.push(fieldErrorAt(`apiVersion`, `Unsupported value: "${String(c.apiVersion)}": supported values: "${CONFIG_API_VERSION}"`));
  if (c.kind !== undefined && c.kind !== "KubeSchedulerConfiguration") errors.push(fieldErrorAt(`kind`, `Unsupported value: "${String(c.kind)}": supported values: "KubeSchedulerConfiguration"`));
  const known = new Set(["apiVersion", "kind", "parallelism", "percentageOfNodesToScore", "podInitialBackoffSeconds", "podMaxBackoffSeconds", "leaderElection", "profiles", "clientConnection", "extenders", "delayCacheUntilActive", "healthzBindAddress", "metricsBindAddress", "enableProfiling", "enableContentionProfiling"]);
  for (const k of Object.keys(c)) if (!known.has(k)) errors.push(fieldErrorAt(`${k}`, `Invalid value: unknown field "${k}"`));
  if (c.parallelism !== undefined && (!isInt(c.parallelism) || c.parallelism <= 0)) errors.push(fieldErrorAt(`parallelism`, `Invalid value: ${JSON.stringify(c.parallelism)}: should be an integer value greater than zero`));
  if (c.percentageOfNodesToScore !== undefined && (!isInt(c.percentageOfNodesToScore) || c.percentageOfNodesToScore < 0 || c.percentageOfNodesToScore > 100)) errors.push(fieldErrorAt(`percentageOfNodesToScore`, `Invalid value: ${JSON.stringify(c.percentageOfNodesToScore)}: not in valid range [0-100]`));
  if (c.podInitialBackoffSeconds !== undefined && (!isInt(c.podInitialBackoffSeconds) || c.podInitialBackoffSeconds <= 0)) errors.push(fieldErrorAt(`podInitialBackoffSeconds`, `Invalid value: ${JSON.stringify(c.podInitialBackoffSeconds)}: must be greater than 0`));
  if (c.podMaxBackoffSeconds !== undefined && (!isInt(c.podMaxBackoffSeconds) || c.podMaxBackoffSeconds < (c.podInitialBackoffSeconds ?? 1))) errors.push(fieldErrorAt(`podMaxBackoffSeconds`, `Invalid value: ${JSON.stringify(c.podMaxBackoffSeconds)}: must be greater than or equal to PodInitialBackoffSeconds`));
  const names = new Set<string>();
  let queueSort: string | undefined;
  (c.profiles ?? []).forEach((p, i) => {
    const at = `profiles[${i}]`;
    if (typeof p !== "object" || p === null) {
      errors.push(fieldErrorAt(`${at}`, `Invalid value: expected an object`));
      return;
    }
    const name = p.schedulerName ?? (c.profiles!.length === 1 ? DEFAULT_SCHEDULER_NAME : undefined);
    if (!name) errors.push(fieldErrorAt(`${at}.schedulerName`, `Required value`));
    else if (names.has(name)) errors.push(fieldErrorAt(`${at}.schedulerName`, `Duplicate value: "${name}"`));
    else names.add(name);
    if (p.percentageOfNodesToScore !== undefined && (!isInt(p.percentageOfNodesToScore) || p.percentageOfNodesToScore < 0 || p.percentageOfNodesToScore > 100)) errors.push(fieldErrorAt(`${at}.percentageOfNodesToScore`, `Invalid value: ${JSON.stringify(p.percentageOfNodesToScore)}: not in valid range [0-100]`));
    for (const [point, set] of Object.entries(p.plugins ?? {})) {
      if (!(EXTENSION_POINTS as readonly string[]).includes(point)) {
        errors.push(fieldErrorAt(`${at}.plugins.${point}`, `Invalid value: unknown extension point`));
        continue;
      }
      for (const kind of ["enabled", "disabled"] as const) {
        (set?.[kind] ?? []).forEach((ref, j) => {
          if (!ref?.name) errors.push(fieldErrorAt(`${at}.plugins.${point}.${kind}[${j}].name`, `Required value`));
          if (ref?.weight !== undefined && (!isInt(ref.weight) || ref.weight < 0 || ref.weight > 100)) errors.push(fieldErrorAt(`${at}.plugins.${point}.${kind}[${j}].weight`, `Invalid value: ${JSON.stringify(ref.weight)}: must be in the range [0, 100]`));
        });
      }
    }
    const qs = p.plugins?.queueSort?.enabled?.map((r) => r.name).join(",") ?? "PrioritySort";
    if (queueSort === undefined) queueSort = qs;
    else if (qs !== queueSort) errors.push(fieldErrorAt(`${at}.plugins.queueSort`, `Invalid value: "${qs}": queueSort must be the same for all profiles`));
    const seen = new Set<string>();
    (p.pluginConfig ?? []).forEach((pc, j) => {
      const pat = `${at}.pluginConfig[${j}]`;
      if (!pc?.name) {
        errors.push(fieldErrorAt(`${pat}.name`, `Required value`));
        return;
      }
      if (seen.has(pc.name)) errors.push(fieldErrorAt(`${pat}`, `Duplicate value: "${pc.name}"`));
      seen.add(pc.name);
      validateArgs(pc.name, pc.args ?? {}, `${pat}.args`, errors);
    });
  });
  if (errors.length) throw new SchedulerConfigError(errors);
  return c;
}

function validateArgs(name: string, args: Record<string, unknown>, at: string, errors: FieldError[]): void {
  switch (name) {
    case "NodeResourcesFit": {
      const s = args["scoringStrategy"] as { type?: string; resources?: { name: string; weight: number }[]; requestedToCapacityRatio?: { shape?: { utilization: number; score: number }[] } } | undefined;
      if (!s) return;
      const types = ["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"];
      if (s.type !== undefined && !types.includes(s.type)) errors.push(fieldError.notSupported(`${at}.scoringStrategy.type`, s.type, types));
      (s.resources ?? []).forEach((r, i) => {
        if (!isInt(r.weight) || r.weight < 1 || r.weight > 100) errors.push(fieldErrorAt(`${at}.scoringStrategy.resources[${i}].weight`, `Invalid value: ${JSON.stringify(r.weight)}: resource weight of ${r.name} should be in range [1, 100]`));
      });
      if (s.type === "RequestedToCapacityRatio") {
        const shape = s.requestedToCapacityRatio?.shape ?? [];
        if (shape.length === 0) errors.push(fieldErrorAt(`${at}.scoringStrategy.requestedToCapacityRatio.shape`, `Required value: at least one point must be specified`));
        shape.forEach((pt, i) => {
          if (!isInt(pt.utilization) || pt.utilization < 0 || pt.utilization > 100) errors.push(fieldErrorAt(`${at}.scoringStrategy.requestedToCapacityRatio.shape[${i}].utilization`, `Invalid value: ${JSON.stringify(pt.utilization)}: not in valid range [0, 100]`));
          else if (i > 0 && pt.utilization <= shape[i - 1]!.utilization) errors.push(fieldErrorAt(`${at}.scoringStrategy.requestedToCapacityRatio.shape[${i}].utilization`, `Invalid value: ${pt.utilization}: utilization values must be sorted in increasing order`));
          if (!isInt(pt.score) || pt.score < 0 || pt.score > 10) errors.push(fieldErrorAt(`${at}.scoringStrategy.requestedToCapacityRatio.shape[${i}].score`, `Invalid value: ${JSON.stringify(pt.score)}: not in valid range [0, 10]`));
        });
      }
      return;
    }
    case "InterPodAffinity": {
      const w = args["hardPodAffinityWeight"];
      if (w !== undefined && (!isInt(w) || w < 0 || w > 100)) errors.push(fieldErrorAt(`${at}.hardPodAffinityWeight`, `Invalid value: ${JSON.stringify(w)}: not in valid range [0, 100]`));
      return;
    }
    case "PodTopologySpread": {
      const type = args["defaultingType"];
      const list = (args["defaultConstraints"] ?? []) as { maxSkew?: number; topologyKey?: string; whenUnsatisfiable?: string; labelSelector?: unknown }[];
      if (type !== undefined && type !== "System" && type !== "List") errors.push(fieldErrorAt(`${at}.defaultingType`, `Unsupported value: "${String(type)}": supported values: "System", "List"`));
      if (type !== "List" && list.length) errors.push(fieldErrorAt(`${at}.defaultConstraints`, `Invalid value: when .defaultingType is "System", .defaultConstraints must be empty`));
      list.forEach((c, i) => {
        if (!isInt(c.maxSkew) || c.maxSkew <= 0) errors.push(fieldErrorAt(`${at}.defaultConstraints[${i}].maxSkew`, `Invalid value: ${JSON.stringify(c.maxSkew)}: must be greater than zero`));
        if (!c.topologyKey) errors.push(fieldErrorAt(`${at}.defaultConstraints[${i}].topologyKey`, `Required value: can not be empty`));
        if (c.whenUnsatisfiable !== "DoNotSchedule" && c.whenUnsatisfiable !== "ScheduleAnyway") errors.push(fieldErrorAt(`${at}.defaultConstraints[${i}].whenUnsatisfiable`, `Unsupported value: "${String(c.whenUnsatisfiable)}": supported values: "DoNotSchedule", "ScheduleAnyway"`));
        if (c.labelSelector) errors.push(fieldErrorAt(`${at}.defaultConstraints[${i}].labelSelector`, `Forbidden: constraint must not define a selector, as they deduced for each pod`));
      });
      return;
    }
    case "DefaultPreemption": {
      const pct = args["minCandidateNodesPercentage"];
      const abs = args["minCandidateNodesAbsolute"];
      if (pct !== undefined && (!isInt(pct) || pct < 0 || pct > 100)) errors.push(fieldErrorAt(`${at}.minCandidateNodesPercentage`, `Invalid value: ${JSON.stringify(pct)}: not in valid range [0, 100]`));
      if (abs !== undefined && (!isInt(abs) || abs < 0)) errors.push(fieldErrorAt(`${at}.minCandidateNodesAbsolute`, `Invalid value: ${JSON.stringify(abs)}: not in valid range [0, inf)`));
      if (pct === 0 && abs === 0) errors.push(fieldErrorAt(`${at}.minCandidateNodesPercentage`, `Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute`));
      return;
    }
  }
}

/** Parses a KubeSchedulerConfiguration document (YAML or JSON) and validates it. */
export function parseSchedulerConfig(text: string, source = "config"): KubeSchedulerConfiguration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new SchedulerConfigError([fieldErrorAt("", `Invalid value: ${source} is not YAML: ${err instanceof Error ? err.message : String(err)}`)]);
  }
  return validateSchedulerConfig(doc);
}
