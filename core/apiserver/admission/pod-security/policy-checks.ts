import type { Container, PodSpec } from "kubernetes-types/core/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

/** One check's verdict on a pod: undefined when allowed, else why (pod-security-admission's CheckResult). */
export interface CheckViolation {
  /** Succinct, always shown (`host namespaces`). */
  reason: string;
  /** The offending values, shown for a single pod (`hostNetwork=true`); may be empty. */
  detail: string;
}

/** A policy check: the level it belongs to and whether the next level replaces it (upstream's Overlap). */
export interface PolicyCheck {
  readonly id: string;
  readonly level: "baseline" | "restricted";
  readonly overlap?: boolean;
  check(meta: ObjectMeta | undefined, spec: PodSpec): CheckViolation | undefined;
}

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
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const RESTRICTED_VOLUME_SOURCES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/**
 * The Pod Security Standards' checks (k8s.io/pod-security-admission/policy), in upstream's order
 * (its check files' order); reasons and details worded as upstream.
 */
export const POLICY_CHECKS: readonly PolicyCheck[] = [
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    check(_meta, spec) {
      if (isWindows(spec)) return undefined;
      const bad = containers(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
      return bad.length ? { reason: "allowPrivilegeEscalation != false", detail: `${containersOf(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
    },
  },
  {
    id: "appArmorProfile",
    level: "baseline",
    check(meta, spec) {
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
    },
  },
  {
    id: "capabilities_baseline",
    level: "baseline",
    check(_meta, spec) {
      const names: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(spec)) {
        const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
        if (!added.length) continue;
        names.push(c.name);
        for (const cap of added) caps.add(cap);
      }
      return names.length ? { reason: "non-default capabilities", detail: `${containersOf(names)} must not include ${quote(sorted(caps))} in securityContext.capabilities.add` } : undefined;
    },
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    check(_meta, spec) {
      if (isWindows(spec)) return undefined;
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
    },
  },
  {
    id: "hostNamespaces",
    level: "baseline",
    check(_meta, spec) {
      const set = [...(spec.hostNetwork ? ["hostNetwork=true"] : []), ...(spec.hostPID ? ["hostPID=true"] : []), ...(spec.hostIPC ? ["hostIPC=true"] : [])];
      return set.length ? { reason: "host namespaces", detail: set.join(", ") } : undefined;
    },
  },
  {
    id: "hostPathVolumes",
    level: "baseline",
    overlap: true,
    check(_meta, spec) {
      const names = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
      return names.length ? { reason: "hostPath volumes", detail: `${plural("volume", "volumes", names.length)} ${quote(names)}` } : undefined;
    },
  },
  {
    id: "hostPorts",
    level: "baseline",
    check(_meta, spec) {
      const names: string[] = [];
      const ports: string[] = [];
      for (const c of containers(spec)) {
        const hostPorts = (c.ports ?? []).filter((p) => p.hostPort).map((p) => String(p.hostPort));
        if (!hostPorts.length) continue;
        names.push(c.name);
        for (const p of hostPorts) if (!ports.includes(p)) ports.push(p);
      }
      return names.length ? { reason: "hostPort", detail: `${containersOf(names)} ${plural("uses", "use", names.length)} ${plural("hostPort", "hostPorts", ports.length)} ${ports.join(", ")}` } : undefined;
    },
  },
  {
    id: "privileged",
    level: "baseline",
    check(_meta, spec) {
      const names = containers(spec).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
      return names.length ? { reason: "privileged", detail: `${containersOf(names)} must not set securityContext.privileged=true` } : undefined;
    },
  },
  {
    id: "procMount",
    level: "baseline",
    check(_meta, spec) {
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
    },
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
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
  {
    id: "runAsNonRoot",
    level: "restricted",
    check(_meta, spec) {
      const podValue = spec.securityContext?.runAsNonRoot;
      const explicit = containers(spec).filter((c) => c.securityContext?.runAsNonRoot === false).map((c) => c.name);
      if (podValue === false || explicit.length) return { reason: "runAsNonRoot != true", detail: `${setters(podValue === false, explicit)} must not set securityContext.runAsNonRoot=false` };
      const implicit = podValue === true ? [] : containers(spec).filter((c) => c.securityContext?.runAsNonRoot === undefined).map((c) => c.name);
      return implicit.length ? { reason: "runAsNonRoot != true", detail: `pod or ${containersOf(implicit)} must set securityContext.runAsNonRoot=true` } : undefined;
    },
  },
  {
    id: "runAsUser",
    level: "restricted",
    check(_meta, spec) {
      const pod = spec.securityContext?.runAsUser === 0;
      const names = containers(spec).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
      return pod || names.length ? { reason: "runAsUser=0", detail: `${setters(pod, names)} must not set runAsUser=0` } : undefined;
    },
  },
  {
    id: "seLinuxOptions",
    level: "baseline",
    check(_meta, spec) {
      const types = new Set<string>();
      const users = new Set<string>();
      const roles = new Set<string>();
      const bad = (o: { type?: string; user?: string; role?: string } | undefined): boolean => {
        if (!o) return false;
        let b = false;
        if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) (types.add(o.type), (b = true));
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
    },
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    overlap: true,
    check(_meta, spec) {
      const pod = spec.securityContext?.seccompProfile?.type === "Unconfined";
      const names = containers(spec).filter((c) => c.securityContext?.seccompProfile?.type === "Unconfined").map((c) => c.name);
      return pod || names.length ? { reason: "seccompProfile", detail: `${setters(pod, names)} must not set securityContext.seccompProfile.type to "Unconfined"` } : undefined;
    },
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    check(_meta, spec) {
      if (isWindows(spec)) return undefined;
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
    },
  },
  {
    id: "sysctls",
    level: "baseline",
    check(_meta, spec) {
      const bad = (spec.securityContext?.sysctls ?? []).filter((s) => !SAFE_SYSCTLS.has(s.name)).map((s) => s.name);
      return bad.length ? { reason: "forbidden sysctls", detail: bad.join(", ") } : undefined;
    },
  },
  {
    id: "windowsHostProcess",
    level: "baseline",
    check(_meta, spec) {
      const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
      const names = containers(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
      return pod || names.length ? { reason: "hostProcess", detail: `${setters(pod, names)} must not set securityContext.windowsOptions.hostProcess=true` } : undefined;
    },
  },
];

/** The violations of a pod at `level`, in upstream's order (baseline checks, then the level's own). */
export function evaluatePod(level: "privileged" | "baseline" | "restricted", meta: ObjectMeta | undefined, spec: PodSpec): CheckViolation[] {
  if (level === "privileged") return [];
  const out: CheckViolation[] = [];
  for (const c of POLICY_CHECKS) if (c.level === "baseline" && !c.overlap) push(out, c, meta, spec);
  for (const c of POLICY_CHECKS) if (level === "baseline" ? c.level === "baseline" && c.overlap : c.level === "restricted") push(out, c, meta, spec);
  return out;
}

function push(out: CheckViolation[], c: PolicyCheck, meta: ObjectMeta | undefined, spec: PodSpec): void {
  const v = c.check(meta, spec);
  if (v) out.push(v);
}

/** `reason (detail), reason, ...` (AggregateCheckResult.ForbiddenDetail). */
export function forbiddenDetail(violations: readonly CheckViolation[]): string {
  return violations.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(", ");
}

/** `reason, reason, ...` (AggregateCheckResult.ForbiddenReason). */
export function forbiddenReason(violations: readonly CheckViolation[]): string {
  return violations.map((v) => v.reason).join(", ");
}
