import { fieldError, type FieldError } from "../../../api/status.js";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";
export const LEVELS: readonly PodSecurityLevel[] = ["privileged", "baseline", "restricted"];
export const MODES = ["enforce", "audit", "warn"] as const;
export type PodSecurityMode = (typeof MODES)[number];

/** A level at a policy version (`restricted:latest`, `baseline:v1.30`). */
export interface LevelVersion {
  level: PodSecurityLevel;
  version: string;
}

export type NamespacePolicy = Readonly<Record<PodSecurityMode, LevelVersion>>;

export const LABEL_PREFIX = "pod-security.kubernetes.io/";
const VERSION = /^v1\.(0|[1-9][0-9]*)$/;

export const levelVersionString = (lv: LevelVersion): string => `${lv.level}:${lv.version}`;
export const sameLevelVersion = (a: LevelVersion, b: LevelVersion): boolean => a.level === b.level && a.version === b.version;

/**
 * The policy a namespace's labels ask for (upstream's api.PolicyToEvaluate): each mode's
 * `pod-security.kubernetes.io/<mode>` level and `<mode>-version`, the defaults where a label is
 * absent. An invalid level counts as restricted and an invalid version as latest (failing
 * closed), and each is reported as a field error.
 */
export function policyOf(labels: Readonly<Record<string, string>> | undefined, defaults: NamespacePolicy): { policy: NamespacePolicy; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const policy = {} as Record<PodSecurityMode, LevelVersion>;
  for (const mode of MODES) {
    const levelKey = `${LABEL_PREFIX}${mode}`;
    const versionKey = `${levelKey}-version`;
    let level = defaults[mode].level;
    let version = defaults[mode].version;
    const l = labels?.[levelKey];
    if (l !== undefined) {
      if ((LEVELS as readonly string[]).includes(l)) level = l as PodSecurityLevel;
      else {
        level = "restricted";
        errors.push(fieldError.notSupported(`metadata.labels[${levelKey}]`, l, LEVELS));
      }
    }
    const v = labels?.[versionKey];
    if (v !== undefined) {
      if (v === "latest" || VERSION.test(v)) version = v;
      else {
        version = "latest";
        errors.push(fieldError.invalid(`metadata.labels[${versionKey}]`, v, "must be 'latest' or 'v1.x'"));
      }
    }
    policy[mode] = { level, version };
  }
  return { policy, errors };
}

/** Whether `a` is less strict than or as strict as `b`. */
export function levelAtMost(a: PodSecurityLevel, b: PodSecurityLevel): boolean {
  return LEVELS.indexOf(a) <= LEVELS.indexOf(b);
}
