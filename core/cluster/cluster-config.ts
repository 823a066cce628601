import { readFileSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import YAML from "yaml";
import { Ajv, type ErrorObject } from "ajv";
import ipaddr from "ipaddr.js";
import type { NodeSpec } from "./node-spec.js";
import type { ClusterOptions } from "./cluster.js";

/** The cluster.yaml document: the same options as `new Cluster({...})` plus the plugins to load. */
export interface ClusterConfig extends Pick<ClusterOptions, "name" | "autoAdvance" | "seed" | "podNetworkCidr" | "serviceCidr" | "nodePortRange" | "nodes" | "dnsPort" | "dnsWorkers"> {
  apiVersion: "kubesim.io/v1alpha1";
  kind: "Cluster";
  /** A file can only name the built-in clocks. */
  clock?: "real" | "virtual";
  /**
   * Built-in names, module specifiers or paths (relative to the config file), or `{ name, config }`
   * giving the plugin its configuration section (validated by the plugin; errors name
   * `plugins[i].config.<field>`).
   */
  plugins?: (string | ClusterPluginEntry)[];
}

/** A cluster.yaml plugin entry with a configuration section. */
export interface ClusterPluginEntry {
  name: string;
  config?: Record<string, unknown>;
}

const dns1123 = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["apiVersion", "kind"],
  properties: {
    apiVersion: { const: "kubesim.io/v1alpha1" },
    kind: { const: "Cluster" },
    name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 50 },
    clock: { enum: ["real", "virtual"] },
    autoAdvance: { type: "boolean" },
    seed: { type: "integer", minimum: 0 },
    podNetworkCidr: { type: "string" },
    serviceCidr: { type: "string" },
    nodePortRange: { type: "string", pattern: "^[0-9]+-[0-9]+$" },
    dnsPort: { type: "integer", minimum: 0, maximum: 65535 },
    dnsWorkers: { type: "integer", minimum: 0, maximum: 64 },
    nodes: {
      oneOf: [
        { type: "integer", minimum: 0, maximum: 5000 },
        {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            properties: {
              name: { type: "string", pattern: dns1123, maxLength: 253 },
              role: { enum: ["control-plane", "worker"] },
              labels: { type: "object", additionalProperties: { type: "string" } },
              taints: {
                type: "array",
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["key", "effect"],
                  properties: { key: { type: "string" }, value: { type: "string" }, effect: { enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"] } },
                },
              },
              capacity: { type: "object", additionalProperties: false, properties: { cpu: { type: "string" }, memory: { type: "string" }, pods: { type: "string" }, "ephemeral-storage": { type: "string" } } },
              runtime: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
              cloudProvider: { enum: ["external", ""] },
              kubeletConfig: {
                type: "object",
                additionalProperties: false,
                properties: {
                  evictionHard: { type: "object", additionalProperties: { type: "string" } },
                  imageGCHighThresholdPercent: { type: "integer", minimum: 0, maximum: 100 },
                  imageGCLowThresholdPercent: { type: "integer", minimum: 0, maximum: 100 },
                  staticPodPath: { type: "string", minLength: 1 },
                },
              },
            },
          },
        },
      ],
    },
    plugins: {
      type: "array",
      items: {
        oneOf: [
          { type: "string", minLength: 1 },
          { type: "object", additionalProperties: false, required: ["name"], properties: { name: { type: "string", minLength: 1 }, config: { type: "object" } } },
        ],
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);

/** An invalid cluster.yaml; `errors` name each offending field. */
export class ClusterConfigError extends Error {
  override readonly name = "ClusterConfigError";
  constructor(readonly source: string, readonly errors: string[]) {
    super(`${source} is invalid:\n${errors.map((e) => `  - ${e}`).join("\n")}`);
  }
}

/** `/nodes/1/role` → `nodes[1].role`. */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split("/").filter(Boolean);
  if (extra) parts.push(extra);
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || "(document)";
}

function describeError(e: ErrorObject): string | undefined {
  switch (e.keyword) {
    case "additionalProperties":
      return `${fieldPath(e.instancePath, (e.params as { additionalProperty: string }).additionalProperty)}: unknown field`;
    case "required":
      return `${fieldPath(e.instancePath, (e.params as { missingProperty: string }).missingProperty)}: required`;
    case "enum":
      return `${fieldPath(e.instancePath)}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return `${fieldPath(e.instancePath)}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case "oneOf":
      return undefined; // the branch errors say more
    default:
      return `${fieldPath(e.instancePath)}: ${e.message ?? "invalid"}`;
  }
}

function checkCidr(field: string, value: string | undefined, errors: string[]): void {
  if (value === undefined) return;
  try {
    const [addr] = ipaddr.parseCIDR(value);
    if (addr.kind() !== "ipv4") errors.push(`${field}: only IPv4 CIDRs are supported, got ${JSON.stringify(value)}`);
  } catch {
    errors.push(`${field}: not a CIDR: ${JSON.stringify(value)}`);
  }
}

/** Validates a parsed cluster.yaml document; throws {@link ClusterConfigError} naming every offending field. */
export function validateClusterConfig(doc: unknown, source = "cluster.yaml"): ClusterConfig {
  const errors: string[] = [];
  if (!validate(doc)) {
    const nodeCountFailed = (validate.errors ?? []).some((e) => e.instancePath === "/nodes" && e.keyword === "type" && (e.params as { type: string }).type === "integer");
    for (const e of validate.errors ?? []) {
      // A plugin entry is a name or an object: report the object branch's errors unless it is neither.
      const entry = /^\/plugins\/(\d+)$/.exec(e.instancePath);
      if (entry && e.keyword === "type") {
        const value = (doc as { plugins: unknown[] }).plugins[Number(entry[1])];
        if (typeof value !== "string" && (typeof value !== "object" || value === null || Array.isArray(value))) {
          const text = `${fieldPath(e.instancePath)}: must be a plugin name or { name, config }`;
          if (!errors.includes(text)) errors.push(text);
        }
        continue;
      }
      // For `nodes`, report the array branch's errors unless the value is a number.
      if (nodeCountFailed && e.instancePath === "/nodes" && e.keyword === "type") {
        const value = (doc as { nodes?: unknown }).nodes;
        if (typeof value !== "number" && !Array.isArray(value)) errors.push("nodes: must be a node count or a list of nodes");
        continue;
      }
      const text = describeError(e);
      if (text && !errors.includes(text)) errors.push(text);
    }
  }
  const config = doc as ClusterConfig;
  if (errors.length === 0) {
    checkCidr("podNetworkCidr", config.podNetworkCidr, errors);
    checkCidr("serviceCidr", config.serviceCidr, errors);
    if (config.nodePortRange) {
      const [lo, hi] = config.nodePortRange.split("-").map(Number) as [number, number];
      if (!(lo >= 1 && hi <= 65535 && lo <= hi)) errors.push(`nodePortRange: invalid range ${JSON.stringify(config.nodePortRange)}`);
    }
    if (Array.isArray(config.nodes)) {
      const seen = new Set<string>();
      config.nodes.forEach((n: NodeSpec, i: number) => {
        if (n.name && seen.has(n.name)) errors.push(`nodes[${i}].name: duplicate node name ${JSON.stringify(n.name)}`);
        if (n.name) seen.add(n.name);
      });
    }
  }
  if (errors.length) throw new ClusterConfigError(source, errors);
  return config;
}

/** Reads and validates a cluster.yaml; plugin paths are made absolute relative to the file. */
export function loadClusterConfig(path: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ClusterConfigError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new ClusterConfigError(path, [`not valid YAML: ${(err as Error).message}`]);
  }
  const config = validateClusterConfig(doc, path);
  if (config.plugins) {
    const base = dirname(resolvePath(path));
    const absolute = (p: string): string => (p.startsWith(".") ? resolvePath(base, p) : p);
    config.plugins = config.plugins.map((p) => (typeof p === "string" ? absolute(p) : { ...p, name: absolute(p.name) }));
  }
  return config;
}
