/** One sample of a family for one object: its own label keys and values (after the resource's default labels) and value. */
export interface Sample {
  keys: readonly string[];
  values: readonly string[];
  value: number;
}

/**
 * A metric family kube-state-metrics generates from each object of one resource (upstream's
 * `FamilyGenerator`): its name, HELP text, type and stability, and the samples one object gives.
 */
export interface FamilyGenerator<T> {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter";
  /** Stable families' HELP text starts with `[STABLE]`. */
  readonly stable: boolean;
  generate(obj: T, allow: LabelAllowlist): Sample[];
}

/** `--metric-labels-allowlist` entries for one resource: label keys, `*` patterns, or `*` alone for every label. */
export type LabelAllowlist = readonly string[];

/** A family, stable unless said otherwise. */
export function family<T>(name: string, help: string, generate: (obj: T, allow: LabelAllowlist) => Sample[], options: { type?: "gauge" | "counter"; stable?: boolean } = {}): FamilyGenerator<T> {
  return { name, help, type: options.type ?? "gauge", stable: options.stable ?? true, generate };
}

/** A single sample with no labels of its own. */
export function one(value: number): Sample[] {
  return [{ keys: [], values: [], value }];
}

/** `[]` when `v` is undefined, else one unlabelled sample. */
export function optional(v: number | undefined | null): Sample[] {
  return v === undefined || v === null ? [] : one(v);
}

/** Unix seconds of an RFC 3339 time, or undefined. */
export function unixSeconds(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function bool(v: boolean): number {
  return v ? 1 : 0;
}

const CONDITION_STATUSES = ["true", "false", "unknown"] as const;

/** Upstream's `addConditionMetrics`: one sample per status (true/false/unknown), 1 for the condition's own. */
export function conditionSamples(status: string | undefined, extraKeys: readonly string[] = [], extraValues: readonly string[] = []): Sample[] {
  const s = (status ?? "").toLowerCase();
  return CONDITION_STATUSES.map((c) => ({ keys: [...extraKeys, extraKeys.length ? "status" : "condition"], values: [...extraValues, c], value: bool(s === c) }));
}

const INVALID_LABEL_CHAR = /[^a-zA-Z0-9_]/g;

/** Upstream's SanitizeLabelName: every character outside `[a-zA-Z0-9_]` becomes `_`. */
export function sanitizeLabelName(s: string): string {
  return s.replace(INVALID_LABEL_CHAR, "_");
}

/** `label_<snake_case(sanitized key)>` / `annotation_...`, as kubeMapToPrometheusLabels names them. */
function promLabelName(prefix: string, key: string): string {
  return `${prefix}_${sanitizeLabelName(key).replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()}`;
}

/**
 * The `kube_<resource>_labels` sample: the object's labels the allowlist admits (exact keys,
 * `*` patterns, or `*` first for all), named `label_<key>`, sorted by key; name clashes take
 * `_conflictN` suffixes as upstream does.
 */
export function allowedLabels(labels: Readonly<Record<string, string>> | undefined, allow: LabelAllowlist, prefix = "label"): Sample[] {
  const picked: [string, string][] = [];
  if (labels && allow.length) {
    const all = allow[0] === "*";
    const patterns = all ? [] : allow.filter((a) => a !== "*").map((a) => (a.includes("*") ? new RegExp(`^${a.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`) : a));
    for (const [k, v] of Object.entries(labels)) if (all || patterns.some((p) => (typeof p === "string" ? p === k : p.test(k)))) picked.push([k, v]);
  }
  picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const keys: string[] = [];
  const values: string[] = [];
  const used = new Map<string, number>();
  const conflicts = new Map<string, number>();
  const next = (base: string, count: number): [string, number] => {
    for (;;) {
      count++;
      const candidate = `${base}_conflict${count}`;
      if (!used.has(candidate)) return [candidate, count];
    }
  };
  for (const [k, v] of picked) {
    const base = promLabelName(prefix, k);
    let name = base;
    if (conflicts.has(base)) {
      const [n, c] = next(base, conflicts.get(base)!);
      name = n;
      conflicts.set(base, c);
    } else if (used.has(name)) {
      const idx = used.get(name)!;
      const [renamed, c1] = next(base, 0);
      used.delete(name);
      keys[idx] = renamed;
      used.set(renamed, idx);
      const [n2, c2] = next(base, c1);
      name = n2;
      conflicts.set(base, c2);
    }
    used.set(name, keys.length);
    keys.push(name);
    values.push(v);
  }
  return [{ keys, values, value: 1 }];
}

/** Upstream's owner families (`kube_pod_owner`, `kube_replicaset_owner`, `kube_job_owner`): `<none>`-less empty values without owners. */
export function ownerSamples(owners: readonly { kind: string; name: string; controller?: boolean }[] | undefined): Sample[] {
  const keys = ["owner_kind", "owner_name", "owner_is_controller"];
  if (!owners?.length) return [{ keys, values: ["", "", ""], value: 1 }];
  return owners.map((o) => ({ keys, values: [o.kind, o.name, String(o.controller ?? false)], value: 1 }));
}
