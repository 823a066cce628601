import type { Namespace, Pod, PodSpec, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import { invalid } from "../../../api/status.js";
import type { KubeObject } from "../../../api/object.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../../admission.js";
import { admissionForbidden } from "../admission-forbidden.js";
import { evaluatePod, forbiddenDetail, forbiddenReason } from "./policy-checks.js";
import { levelAtMost, levelVersionString, policyOf, sameLevelVersion, type LevelVersion, type NamespacePolicy, type PodSecurityLevel } from "./namespace-policy.js";

/** The plugin's configuration (a PodSecurityConfiguration of pod-security.admission.config.k8s.io/v1). */
export interface PodSecurityConfiguration {
  /** Levels for namespaces without labels (default privileged:latest for all three modes). */
  defaults?: Partial<Record<"enforce" | "audit" | "warn", PodSecurityLevel>> & Partial<Record<"enforce-version" | "audit-version" | "warn-version", string>>;
  exemptions?: { usernames?: readonly string[]; namespaces?: readonly string[]; runtimeClasses?: readonly string[] };
}

/** An audit finding: `would violate PodSecurity "...": ...`, with the request it was about (kube-apiserver puts it in the audit event's annotations). */
export interface PodSecurityAuditEvent {
  namespace: string;
  resource: string;
  name: string;
  annotation: string;
}

/** Resources whose pod template is checked (warn and audit only), and where the template lives. */
const TEMPLATES: Readonly<Record<string, (obj: KubeObject) => PodTemplateSpec | undefined>> = {
  "/podtemplates": (o) => (o as { template?: PodTemplateSpec }).template,
  "/replicationcontrollers": (o) => (o as { spec?: { template?: PodTemplateSpec } }).spec?.template,
  "apps/replicasets": (o) => (o as { spec?: { template?: PodTemplateSpec } }).spec?.template,
  "apps/deployments": (o) => (o as { spec?: { template?: PodTemplateSpec } }).spec?.template,
  "apps/statefulsets": (o) => (o as { spec?: { template?: PodTemplateSpec } }).spec?.template,
  "apps/daemonsets": (o) => (o as { spec?: { template?: PodTemplateSpec } }).spec?.template,
  "batch/jobs": (o) => (o as { spec?: { template?: PodTemplateSpec } }).spec?.template,
  "batch/cronjobs": (o) => (o as { spec?: { jobTemplate?: { spec?: { template?: PodTemplateSpec } } } }).spec?.jobTemplate?.spec?.template,
};
/** `group/plural` as the admission chain names resources: `plural.group`, or `plural` for the core group. */
const qualifiedResource = (key: string): string => {
  const [group, plural] = key.split("/") as [string, string];
  return group ? `${plural}.${group}` : plural;
};
/** Pod subresources that cannot change what the policy looks at (upstream's ignoredPodSubresources). */
const IGNORED_POD_SUBRESOURCES = new Set(["exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"]);
/** How many existing pods a namespace label change checks (upstream's namespaceMaxPodsToCheck). */
const MAX_PODS_TO_CHECK = 3000;

/** Whether a pod update changes anything the checks read that may change on a live pod (images, ephemeral containers, the seccomp annotation). */
function significantPodUpdate(pod: Pod, old: Pod): boolean {
  const seccomp = "seccomp.security.alpha.kubernetes.io/pod";
  if (pod.metadata?.annotations?.[seccomp] !== old.metadata?.annotations?.[seccomp]) return true;
  const a = pod.spec!;
  const b = old.spec!;
  if ((a.containers?.length ?? 0) !== (b.containers?.length ?? 0) || (a.initContainers?.length ?? 0) !== (b.initContainers?.length ?? 0)) return true;
  if (a.containers.some((c, i) => c.image !== b.containers[i]?.image || JSON.stringify(c.securityContext) !== JSON.stringify(b.containers[i]?.securityContext))) return true;
  if ((a.initContainers ?? []).some((c, i) => c.image !== b.initContainers?.[i]?.image)) return true;
  return (a.ephemeralContainers ?? []).some((c) => !(b.ephemeralContainers ?? []).some((o) => o.name === c.name));
}

/**
 * The PodSecurity admission plugin (k8s.io/pod-security-admission): pods are refused when they
 * break their namespace's `enforce` level, and warned about (HTTP Warning) for its `warn` level;
 * pod controllers' templates are warned about only; `audit` findings go to `onAudit`. Namespaces
 * with invalid labels are refused; a namespace whose enforce level tightens warns about its
 * existing pods that break it. Exempt users, namespaces and runtime classes are not checked.
 */
export function podSecurityAdmission(config: PodSecurityConfiguration = {}, onAudit?: (event: PodSecurityAuditEvent) => void): AdmissionPlugin {
  const d = config.defaults ?? {};
  const defaults: NamespacePolicy = {
    enforce: { level: d.enforce ?? "privileged", version: d["enforce-version"] ?? "latest" },
    audit: { level: d.audit ?? "privileged", version: d["audit-version"] ?? "latest" },
    warn: { level: d.warn ?? "privileged", version: d["warn-version"] ?? "latest" },
  };
  const exemptUsers = new Set(config.exemptions?.usernames ?? []);
  const exemptNamespaces = new Set(config.exemptions?.namespaces ?? []);
  const exemptRuntimeClasses = new Set(config.exemptions?.runtimeClasses ?? []);

  /** The policy of each cached Namespace object (immutable: a relabelled namespace is a new object), read once rather than per request. */
  const policies = new WeakMap<Namespace, NamespacePolicy>();
  /** The namespace's policy, from the server's cache when it holds the namespace, otherwise read live. */
  const namespacePolicy = (request: AdmissionRequest, ctx: AdmissionContext): NamespacePolicy | undefined | Promise<NamespacePolicy | undefined> => {
    const cached = ctx.listers?.get?.<Namespace>("namespaces", request.namespace!);
    if (cached) {
      let policy = policies.get(cached);
      if (!policy) policies.set(cached, (policy = policyOf(cached.metadata?.labels, defaults).policy));
      return policy;
    }
    return ctx.client.resource("namespaces").get(request.namespace!).catch(() => undefined).then((ns) => policyOf((ns as Namespace | undefined)?.metadata?.labels, defaults).policy);
  };

  const evaluate = (request: AdmissionRequest, policy: NamespacePolicy, meta: ObjectMeta | undefined, spec: PodSpec, enforce: boolean): void => {
    if (spec.runtimeClassName && exemptRuntimeClasses.has(spec.runtimeClassName)) return;
    const cache = new Map<string, ReturnType<typeof evaluatePod>>();
    const run = (lv: LevelVersion): ReturnType<typeof evaluatePod> => {
      const key = levelVersionString(lv);
      let v = cache.get(key);
      if (!v) cache.set(key, (v = evaluatePod(lv.level, meta, spec, lv.version)));
      return v;
    };
    if (enforce) {
      const violations = run(policy.enforce);
      if (violations.length) throw admissionForbidden(request, `violates PodSecurity "${levelVersionString(policy.enforce)}": ${forbiddenDetail(violations)}`);
    }
    const audit = run(policy.audit);
    if (audit.length && onAudit) onAudit({ namespace: request.namespace ?? "", resource: request.resource.plural, name: request.name ?? meta?.name ?? "", annotation: `would violate PodSecurity "${levelVersionString(policy.audit)}": ${forbiddenDetail(audit)}` });
    const warn = run(policy.warn);
    if (warn.length) (request.warnings ??= []).push(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${forbiddenDetail(warn)}`);
  };

  const validateNamespace = async (request: AdmissionRequest, ctx: AdmissionContext): Promise<void> => {
    const ns = request.object as Namespace;
    const { policy, errors } = policyOf(ns.metadata?.labels, defaults);
    if (request.operation === "CREATE") {
      if (errors.length) throw invalid("Namespace", "", ns.metadata?.name ?? "", errors);
      return;
    }
    const old = policyOf((request.oldObject as Namespace | undefined)?.metadata?.labels, defaults);
    const changedErrors = errors.filter((e) => !old.errors.some((o) => o.field === e.field && o.detail === e.detail));
    if (changedErrors.length) throw invalid("Namespace", "", ns.metadata?.name ?? "", errors);
    const next = policy.enforce;
    const prev = old.policy.enforce;
    if (sameLevelVersion(next, prev) || next.level === "privileged" || (next.version === prev.version && levelAtMost(next.level, prev.level))) return;
    const name = ns.metadata?.name ?? "";
    if (exemptNamespaces.has(name)) return;
    const pods = ((await ctx.client.resource("pods").list({ namespace: name })).items as Pod[]).slice().sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
    const warnings: string[] = [];
    const counts = new Map<string, { first: string; count: number }>();
    const checked = pods.slice(0, MAX_PODS_TO_CHECK);
    for (const pod of checked) {
      if (pod.spec?.runtimeClassName && exemptRuntimeClasses.has(pod.spec.runtimeClassName)) continue;
      const violations = evaluatePod(next.level, pod.metadata, pod.spec!, next.version);
      if (!violations.length) continue;
      const reason = forbiddenReason(violations);
      const c = counts.get(reason);
      if (!c) counts.set(reason, { first: pod.metadata!.name!, count: 1 });
      else c.count++;
    }
    if (checked.length < pods.length) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${pods.length} existing pods`);
    if (counts.size) warnings.push(`existing pods in namespace "${name}" violate the new PodSecurity enforce level "${levelVersionString(next)}"`);
    const perPod = [...counts].map(([reason, c]) => (c.count === 1 ? `${c.first}: ${reason}` : c.count === 2 ? `${c.first} (and 1 other pod): ${reason}` : `${c.first} (and ${c.count - 1} other pods): ${reason}`));
    (request.warnings ??= []).push(...warnings, ...perPod.sort());
  };

  return {
    name: "PodSecurity",
    operations: ["CREATE", "UPDATE"],
    resources: ["pods", "namespaces", ...Object.keys(TEMPLATES).map(qualifiedResource)],
    validate(request, ctx) {
      const d = request.resource;
      if (d.group === "" && d.plural === "namespaces") {
        if (!request.subresource) return validateNamespace(request, ctx);
        return;
      }
      const isPod = d.group === "" && d.plural === "pods";
      // Subresource writes first: a controller's status update builds no template key.
      if (isPod ? IGNORED_POD_SUBRESOURCES.has(request.subresource ?? "") : request.subresource) return;
      const template = isPod ? undefined : TEMPLATES[`${d.group}/${d.plural}`];
      if (!isPod && !template) return;
      if (!request.namespace || exemptNamespaces.has(request.namespace) || (request.user && exemptUsers.has(request.user.username))) return;
      if (isPod && request.operation === "UPDATE" && request.oldObject && !significantPodUpdate(request.object as Pod, request.oldObject as Pod)) return;
      const policy = namespacePolicy(request, ctx);
      if (policy instanceof Promise) return policy.then((p) => check(request, p, isPod, template));
      return check(request, policy, isPod, template);
    },
  };

  /** Evaluates the pod, or the resource's pod template, against the namespace's policy. */
  function check(request: AdmissionRequest, policy: NamespacePolicy | undefined, isPod: boolean, template: ((obj: KubeObject) => PodTemplateSpec | undefined) | undefined): void {
    if (!policy) return;
    if (isPod) {
      if (policy.enforce.level === "privileged" && policy.warn.level === "privileged" && policy.audit.level === "privileged") return;
      const pod = request.object as Pod;
      evaluate(request, policy, pod.metadata, pod.spec ?? ({} as PodSpec), true);
      return;
    }
    if (policy.warn.level === "privileged" && policy.audit.level === "privileged") return;
    const t = template!(request.object!);
    if (!t) return;
    evaluate(request, policy, t.metadata, t.spec ?? ({} as PodSpec), false);
  }
}
