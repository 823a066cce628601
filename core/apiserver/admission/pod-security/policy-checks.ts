import type { Container, PodSpec } from "kubernetes-types/core/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

/** One check's verdict on a pod: undefined when allowed, else why (pod-security-admission's CheckResult). */
export interface CheckViolation {
  /** Succinct, always shown (`host namespaces`). */
  reason: string;
  /** The offending values, shown for a single pod (`hostNetwork=true`); may be empty. */
  detail: string;
}

/** One check's logic as of a policy version (upstream's VersionedCheck). */
export interface VersionedCheck {
  /** The policy minor version (1.x) this logic applies from, until the check's next version. */
  readonly minimumVersion: number;
  /** Baseline checks that this restricted check replaces at the restricted level (upstream's OverrideCheckIDs). */
  readonly overrides?: readonly string[];
  check(meta: ObjectMeta | undefined, spec: PodSpec): CheckViolation | undefined;
}

/** A policy check: its level and its versions, oldest first (k8s.io/pod-security-admission's Check). */
export interface PolicyCheck {
  readonly id: string;
  readonly level: "baseline" | "restricted";
  readonly versions: readonly VersionedCheck[];
}

type CheckFn = VersionedCheck["check"];
/** A check with one logic for every version from v1.0. */
const since0 = (check: CheckFn): VersionedCheck[] => [{ minimumVersion: 0, check }];

const plural = (one: string, many: string, n: number): string => (n === 1 ? one : many);
const quote = (items: readonly string[]): string => items.map((i) => JSON.stringify(i)).join(", ");
const containersOf = (names: readonly string[]): string => `${plural("container", "containers", names.length)} ${quote(names)}`;
const sorted = (s: Set<string>): string[] => [...s].sort();

/** Every container of the pod: init containers, containers, then ephemeral containers (upstream's visitContainers). */
function containers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...((spec.ephemeralContainers ?? []) as Container[])];
}

const isWindows = (spec: PodSpec): boolean => spec.os?.name === "windows";

/** `pod and containers "a", "b"`: who set a forbidden value. */
function setters(pod: boolean, names: readonly string[]): string {
  return [...(pod ? ["pod"] : []), ...(names.length ? [containersOf(names)] : [])].join(" and ");
}

const BASELINE_CAPABILITIES = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);
const SYSCTLS_1_0 = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SELINUX_TYPES_1_0 = ["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, "container_engine_t"];
const RESTRICTED_VOLUME_SOURCES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/";

/** allowPrivilegeEscalation: v1.8 for every pod; from v1.25 Windows pods are exempt. */
function allowPrivilegeEscalation(windowsExempt: boolean): CheckFn {
  return (_meta, spec) => {
    if (windowsExempt && isWindows(spec)) return undefined;
    const bad = containers(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
    return bad.length ? { reason: "allowPrivilegeEscalation != false", detail: `${containersOf(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
  };
}

/** capabilities_restricted: v1.22 for every pod; from v1.25 Windows pods are exempt. */
function capabilitiesRestricted(windowsExempt: boolean): CheckFn {
  return (_meta, spec) => {
    if (windowsExempt && isWindows(spec)) return undefined;
    const missingDrop: string[] = [];
    const adding: string[] = [];
    const caps = new Set<string>();
    for (const c of containers(spec)) {
      const capabilities = c.securityContext?.capabilities;
      if (!capabilities?.drop?.includes("ALL")) missingDrop.push(c.name);
      const added = (capabilities?.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE");
      if (added.length) {
        adding.push(c.name);
        for (const cap of added) caps.add(cap);
      }
    }
    const details = [
      ...(missingDrop.length ? [`${containersOf(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`] : []),
      ...(adding.length ? [`${containersOf(adding)} must not include ${quote(sorted(caps))} in securityContext.capabilities.add`] : []),
    ];
    return details.length ? { reason: "unrestricted capabilities", detail: details.join("; ") } : undefined;
  };
}

/** seLinuxOptions with the SELinux types allowed at a version (v1.31 adds container_engine_t). */
function seLinuxOptions(allowedTypes: readonly string[]): CheckFn {
  const allowed = new Set(allowedTypes);
  return (_meta, spec) => {
    const types = new Set<string>();
    const users = new Set<string>();
    const roles = new Set<string>();
    const bad = (o: { type?: string; user?: string; role?: string } | undefined): boolean => {
      if (!o) return false;
      let b = false;
      if (o.type !== undefined && !allowed.has(o.type)) (types.add(o.type), (b = true));
      if (o.user) (users.add(o.user), (b = true));
      if (o.role) (roles.add(o.role), (b = true));
      return b;
    };
    const pod = bad(spec.securityContext?.seLinuxOptions);
    const names = containers(spec).filter((c) => bad(c.securityContext?.seLinuxOptions)).map((c) => c.name);
    if (!pod && !names.length) return undefined;
    const parts = [
      ...(types.size ? [`${plural("type", "types", types.size)} ${quote(sorted(types))}`] : []),
      ...(users.size ? [`${plural("user", "users", users.size)} ${quote(sorted(users))}`] : []),
      ...(roles.size ? [`${plural("role", "roles", roles.size)} ${quote(sorted(roles))}`] : []),
    ];
    return { reason: "seLinuxOptions", detail: `${setters(pod, names)} set forbidden securityContext.seLinuxOptions: ${parts.join("; ")}` };
  };
}

/** seccompProfile_baseline before v1.19: the alpha seccomp annotations (runtime/default, docker/default, localhost/*). */
const seccompAnnotations: CheckFn = (meta, spec) => {
  const annotations = meta?.annotations ?? {};
  const valid = (v: string): boolean => v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");
  const forbidden = new Set<string>();
  const pod = annotations[SECCOMP_POD_ANNOTATION];
  if (pod !== undefined && !valid(pod)) forbidden.add(`${SECCOMP_POD_ANNOTATION}=${JSON.stringify(pod)}`);
  for (const c of containers(spec)) {
    const key = SECCOMP_CONTAINER_ANNOTATION + c.name;
    const v = annotations[key];
    if (v !== undefined && !valid(v)) forbidden.add(`${key}=${JSON.stringify(v)}`);
  }
  return forbidden.size ? { reason: "seccompProfile", detail: `forbidden ${plural("annotation", "annotations", forbidden.size)} ${sorted(forbidden).join(", ")}` } : undefined;
};

/** seccompProfile_baseline from v1.19: the securityContext fields may not be Unconfined. */
const seccompFieldsBaseline: CheckFn = (_meta, spec) => {
  const valid = (t: string): boolean => t === "RuntimeDefault" || t === "Localhost";
  const values = new Set<string>();
  const podType = spec.securityContext?.seccompProfile?.type;
  const pod = podType !== undefined && !valid(podType);
  if (pod) values.add(podType!);
  const names: string[] = [];
  for (const c of containers(spec)) {
    const t = c.securityContext?.seccompProfile?.type;
    if (t !== undefined && !valid(t)) (names.push(c.name), values.add(t));
  }
  return pod || names.length ? { reason: "seccompProfile", detail: `${setters(pod, names)} must not set securityContext.seccompProfile.type to ${quote(sorted(values))}` } : undefined;
};

/** seccompProfile_restricted: v1.19 for every pod; from v1.25 Windows pods are exempt. */
function seccompRestricted(windowsExempt: boolean): CheckFn {
  return (_meta, spec) => {
    if (windowsExempt && isWindows(spec)) return undefined;
    const valid = (t: string): boolean => t === "RuntimeDefault" || t === "Localhost";
    const values = new Set<string>();
    const podProfile = spec.securityContext?.seccompProfile;
    const podBad = podProfile !== undefined && !valid(podProfile.type);
    if (podBad) values.add(podProfile!.type);
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containers(spec)) {
      const p = c.securityContext?.seccompProfile;
      if (p) {
        if (!valid(p.type)) (explicit.push(c.name), values.add(p.type));
      } else if (!podProfile || podBad) implicit.push(c.name);
    }
    if (podBad || explicit.length) return { reason: "seccompProfile", detail: `${setters(podBad, explicit)} must not set securityContext.seccompProfile.type to ${quote(sorted(values))}` };
    return implicit.length ? { reason: "seccompProfile", detail: `pod or ${containersOf(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` } : undefined;
  };
}

/** sysctls with the safe set of a version (v1.27, v1.29 and v1.32 each add some). */
function sysctls(safe: readonly string[]): CheckFn {
  const allowed = new Set(safe);
  return (_meta, spec) => {
    const bad = (spec.securityContext?.sysctls ?? []).filter((s) => !allowed.has(s.name)).map((s) => s.name);
    return bad.length ? { reason: "forbidden sysctls", detail: bad.join(", ") } : undefined;
  };
}

/**
 * The Pod Security Standards' checks of Kubernetes 1.32 (k8s.io/pod-security-admission/policy),
 * each with the policy versions its logic changed at; reasons and details worded as upstream.
 */
export const POLICY_CHECKS: readonly PolicyCheck[] = [
  { id: "allowPrivilegeEscalation", level: "restricted", versions: [{ minimumVersion: 8, check: allowPrivilegeEscalation(false) }, { minimumVersion: 25, check: allowPrivilegeEscalation(true) }] },
  {
    id: "appArmorProfile",
    level: "baseline",
    versions: since0((meta, spec) => {
      const bad: string[] = [];
      const values = new Set<string>();
      const badProfile = (t: string | undefined): boolean => t !== undefined && t !== "RuntimeDefault" && t !== "Localhost";
      if (badProfile(spec.securityContext?.appArmorProfile?.type)) {
        bad.push("pod");
        values.add(spec.securityContext!.appArmorProfile!.type);
      }
      const names = containers(spec).filter((c) => badProfile(c.securityContext?.appArmorProfile?.type)).map((c) => c.name);
      for (const c of containers(spec)) if (badProfile(c.securityContext?.appArmorProfile?.type)) values.add(c.securityContext!.appArmorProfile!.type);
      if (names.length) bad.push(containersOf(names));
      const annotations: string[] = [];
      for (const [k, v] of Object.entries(meta?.annotations ?? {})) {
        if (k.startsWith(APPARMOR_ANNOTATION) && v !== "runtime/default" && !v.startsWith("localhost/")) annotations.push(`${k}="${v}"`);
      }
      annotations.sort();
      const details = [...(bad.length ? [`${bad.join(" and ")} must not set securityContext.appArmorProfile.type to ${quote(sorted(values))}`] : []), ...(annotations.length ? [`${plural("annotation", "annotations", annotations.length)} ${annotations.join(", ")}`] : [])];
      return details.length ? { reason: plural("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.length + annotations.length), detail: details.join(", ") } : undefined;
    }),
  },
  {
    id: "capabilities_baseline",
    level: "baseline",
    versions: since0((_meta, spec) => {
      const names: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(spec)) {
        const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
        if (!added.length) continue;
        names.push(c.name);
        for (const cap of added) caps.add(cap);
      }
      return names.length ? { reason: "non-default capabilities", detail: `${containersOf(names)} must not include ${quote(sorted(caps))} in securityContext.capabilities.add` } : undefined;
    }),
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    versions: [
      { minimumVersion: 22, check: capabilitiesRestricted(false), overrides: ["capabilities_baseline"] },
      { minimumVersion: 25, check: capabilitiesRestricted(true), overrides: ["capabilities_baseline"] },
    ],
  },
  {
    id: "hostNamespaces",
    level: "baseline",
    versions: since0((_meta, spec) => {
      const set = [...(spec.hostNetwork ? ["hostNetwork=true"] : []), ...(spec.hostPID ? ["hostPID=true"] : []), ...(spec.hostIPC ? ["hostIPC=true"] : [])];
      return set.length ? { reason: "host namespaces", detail: set.join(", ") } : undefined;
    }),
  },
  {
    id: "hostPathVolumes",
    level: "baseline",
    versions: since0((_meta, spec) => {
      const names = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
      return names.length ? { reason: "hostPath volumes", detail: `${plural("volume", "volumes", names.length)} ${quote(names)}` } : undefined;
    }),
  },
  {
    id: "hostPorts",
    level: "baseline",
    versions: since0((_meta, spec) => {
      const names: string[] = [];
      const ports: string[] = [];
      for (const c of containers(spec)) {
        const hostPorts = (c.ports ?? []).filter((p) => p.hostPort).map((p) => String(p.hostPort));
        if (!hostPorts.length) continue;
        names.push(c.name);
        for (const p of hostPorts) if (!ports.includes(p)) ports.push(p);
      }
      return names.length ? { reason: "hostPort", detail: `${containersOf(names)} ${plural("uses", "use", names.length)} ${plural("hostPort", "hostPorts", ports.length)} ${ports.join(", ")}` } : undefined;
    }),
  },
  {
    id: "privileged",
    level: "baseline",
    versions: since0((_meta, spec) => {
      const names = containers(spec).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
      return names.length ? { reason: "privileged", detail: `${containersOf(names)} must not set securityContext.privileged=true` } : undefined;
    }),
  },
  {
    id: "procMount",
    level: "baseline",
    versions: since0((_meta, spec) => {
      const names: string[] = [];
      const values = new Set<string>();
      for (const c of containers(spec)) {
        const m = c.securityContext?.procMount;
        if (m && m !== "Default") {
          names.push(c.name);
          values.add(m);
        }
      }
      return names.length ? { reason: "procMount", detail: `${containersOf(names)} must not set securityContext.procMount to ${quote(sorted(values))}` } : undefined;
    }),
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
    versions: [
      {
        minimumVersion: 0,
        overrides: ["hostPathVolumes"],
        check(_meta, spec) {
          const names: string[] = [];
          const types = new Set<string>();
          for (const v of spec.volumes ?? []) {
            const source = Object.keys(v).find((k) => k !== "name");
            if (source === undefined || RESTRICTED_VOLUME_SOURCES.has(source)) continue;
            names.push(v.name);
            types.add(source);
          }
          const t = sorted(types);
          return names.length ? { reason: "restricted volume types", detail: `${plural("volume", "volumes", names.length)} ${quote(names)} ${plural("uses", "use", names.length)} ${plural("restricted volume type", "restricted volume types", t.length)} ${quote(t)}` } : undefined;
        },
      },
    ],
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    versions: since0((_meta, spec) => {
      const podValue = spec.securityContext?.runAsNonRoot;
      const explicit = containers(spec).filter((c) => c.securityContext?.runAsNonRoot === false).map((c) => c.name);
      if (podValue === false || explicit.length) return { reason: "runAsNonRoot != true", detail: `${setters(podValue === false, explicit)} must not set securityContext.runAsNonRoot=false` };
      const implicit = podValue === true ? [] : containers(spec).filter((c) => c.securityContext?.runAsNonRoot === undefined).map((c) => c.name);
      return implicit.length ? { reason: "runAsNonRoot != true", detail: `pod or ${containersOf(implicit)} must set securityContext.runAsNonRoot=true` } : undefined;
    }),
  },
  {
    id: "runAsUser",
    level: "restricted",
    versions: [
      {
        minimumVersion: 23,
        check(_meta, spec) {
          const pod = spec.securityContext?.runAsUser === 0;
          const names = containers(spec).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
          return pod || names.length ? { reason: "runAsUser=0", detail: `${setters(pod, names)} must not set runAsUser=0` } : undefined;
        },
      },
    ],
  },
  { id: "seLinuxOptions", level: "baseline", versions: [{ minimumVersion: 0, check: seLinuxOptions(SELINUX_TYPES_1_0) }, { minimumVersion: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) }] },
  { id: "seccompProfile_baseline", level: "baseline", versions: [{ minimumVersion: 0, check: seccompAnnotations }, { minimumVersion: 19, check: seccompFieldsBaseline }] },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    versions: [
      { minimumVersion: 19, check: seccompRestricted(false), overrides: ["seccompProfile_baseline"] },
      { minimumVersion: 25, check: seccompRestricted(true), overrides: ["seccompProfile_baseline"] },
    ],
  },
  {
    id: "sysctls",
    level: "baseline",
    versions: [
      { minimumVersion: 0, check: sysctls(SYSCTLS_1_0) },
      { minimumVersion: 27, check: sysctls(SYSCTLS_1_27) },
      { minimumVersion: 29, check: sysctls(SYSCTLS_1_29) },
      { minimumVersion: 32, check: sysctls(SYSCTLS_1_32) },
    ],
  },
  {
    id: "windowsHostProcess",
    level: "baseline",
    versions: since0((_meta, spec) => {
      const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
      const names = containers(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
      return pod || names.length ? { reason: "hostProcess", detail: `${setters(pod, names)} must not set securityContext.windowsOptions.hostProcess=true` } : undefined;
    }),
  },
];

/** The newest policy version any check knows (v1.32): `latest` and newer versions evaluate as it. */
export const MAX_POLICY_MINOR = Math.max(...POLICY_CHECKS.flatMap((c) => c.versions.map((v) => v.minimumVersion)));

/** The minor of a policy version label (`v1.25` → 25), `latest` and versions past {@link MAX_POLICY_MINOR} clamped to it. */
export function policyMinor(version: string): number {
  const m = /^v1\.(\d+)$/.exec(version);
  return m ? Math.min(Number(m[1]), MAX_POLICY_MINOR) : MAX_POLICY_MINOR;
}

/** The logic of `check` at policy minor `minor`, if the check exists yet. */
function versionAt(check: PolicyCheck, minor: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const v of check.versions) if (v.minimumVersion <= minor) found = v;
  return found;
}

const byId = (a: PolicyCheck, b: PolicyCheck): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const BASELINE_CHECKS = POLICY_CHECKS.filter((c) => c.level === "baseline").sort(byId);
const RESTRICTED_CHECKS = POLICY_CHECKS.filter((c) => c.level === "restricted").sort(byId);
const checkSets = new Map<string, readonly CheckFn[]>();

/**
 * The checks a level runs at a policy minor, as upstream's registry inflates them: baseline's
 * checks that exist at that version, by ID; restricted adds its own, by ID, after the baseline
 * checks its versions do not override.
 */
function checksAt(level: "baseline" | "restricted", minor: number): readonly CheckFn[] {
  const key = `${level}:${minor}`;
  let fns = checkSets.get(key);
  if (fns) return fns;
  const restricted = level === "restricted" ? RESTRICTED_CHECKS.map((c) => versionAt(c, minor)).filter((v): v is VersionedCheck => v !== undefined) : [];
  const overridden = new Set(restricted.flatMap((v) => v.overrides ?? []));
  const baseline = BASELINE_CHECKS.filter((c) => !overridden.has(c.id)).map((c) => versionAt(c, minor)).filter((v): v is VersionedCheck => v !== undefined);
  fns = [...baseline, ...restricted].map((v) => v.check);
  checkSets.set(key, fns);
  return fns;
}

/** The violations of a pod at `level` and policy `version` (`latest` or `v1.x`), in upstream's order. */
export function evaluatePod(level: "privileged" | "baseline" | "restricted", meta: ObjectMeta | undefined, spec: PodSpec, version = "latest"): CheckViolation[] {
  if (level === "privileged") return [];
  const out: CheckViolation[] = [];
  for (const check of checksAt(level, policyMinor(version))) {
    const v = check(meta, spec);
    if (v) out.push(v);
  }
  return out;
}

/** `reason (detail), reason, ...` (AggregateCheckResult.ForbiddenDetail). */
export function forbiddenDetail(violations: readonly CheckViolation[]): string {
  return violations.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(", ");
}

/** `reason, reason, ...` (AggregateCheckResult.ForbiddenReason). */
export function forbiddenReason(violations: readonly CheckViolation[]): string {
  return violations.map((v) => v.reason).join(", ");
}
