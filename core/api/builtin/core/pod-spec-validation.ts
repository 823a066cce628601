import type { Container, PodSpec, Toleration, Volume } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateLabels } from "../../validation/labels.js";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, validateNodeName, validateServiceAccountName } from "../../validation/names.js";
import { validateContainer, type ContainerContext } from "./container-validation.js";
import { VOLUME_SOURCE_FIELDS } from "./pod-spec-defaults.js";

export const SUPPORTED_RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;
export const SUPPORTED_DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"] as const;
const SUPPORTED_TOLERATION_OPERATORS = ["Equal", "Exists"] as const;
const SUPPORTED_TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"] as const;
const MAX_INT32 = 2147483647;

/**
 * Specs that validated clean. Validity is a function of the spec alone, and the API server
 * validates only its own copies of what callers send or the stored (immutable) objects' subtrees
 * it re-shares with a draft, so a write that keeps a stored spec itself (a pod's labels changed, a
 * ReplicaSet scaled: its template is the stored one) does not validate it again. Weak: it holds nothing alive.
 */
const cleanSpecs = new WeakSet<PodSpec>();

/**
 * ValidatePodSpec (pkg/apis/core/validation/validation.go) for a defaulted spec, errors under
 * `path`. A spec found valid is remembered by identity: it must not change afterwards (the API
 * server validates last, after every hook that writes its draft, and stores what it validated).
 */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  if (!spec) return [fieldError.required(path)];
  if (cleanSpecs.has(spec)) return [];
  const errs = validateSpecFields(spec, path);
  if (errs.length === 0) cleanSpecs.add(spec);
  return errs;
}

function validateSpecFields(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const volumes = validateVolumes(spec.volumes, `${path}.volumes`, errs);
  const names = new Set<string>();
  if (!spec.containers?.length) {
    errs.push(fieldError.required(`${path}.containers`));
  }
  if (spec.initContainers) {
    const ctx: ContainerContext = { volumes, names, init: true };
    for (let i = 0; i < spec.initContainers.length; i++) errs.push(...validateContainer(spec.initContainers[i]!, `${path}.initContainers[${i}]`, ctx));
  }
  if (spec.containers) {
    const ctx: ContainerContext = { volumes, names, init: false };
    for (let i = 0; i < spec.containers.length; i++) errs.push(...validateContainer(spec.containers[i]!, `${path}.containers[${i}]`, ctx));
  }
  errs.push(...validateHostPortConflicts(spec, path));
  if (!spec.restartPolicy) errs.push(fieldError.required(`${path}.restartPolicy`));
  else if (!(SUPPORTED_RESTART_POLICIES as readonly string[]).includes(spec.restartPolicy)) {
    errs.push(fieldError.notSupported(`${path}.restartPolicy`, spec.restartPolicy, SUPPORTED_RESTART_POLICIES));
  }
  if (!spec.dnsPolicy) errs.push(fieldError.required(`${path}.dnsPolicy`));
  else if (!(SUPPORTED_DNS_POLICIES as readonly string[]).includes(spec.dnsPolicy)) errs.push(fieldError.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, SUPPORTED_DNS_POLICIES));
  else if (spec.dnsPolicy === "None" && !spec.dnsConfig) errs.push(fieldError.required(`${path}.dnsConfig`, "must provide `dnsConfig` when `dnsPolicy` is None"));
  if (spec.dnsConfig?.nameservers && spec.dnsConfig.nameservers.length > 3) {
    errs.push(fieldError.invalid(`${path}.dnsConfig.nameservers`, spec.dnsConfig.nameservers, "must not have more than 3 nameservers"));
  }
  if (spec.nodeSelector) errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  if (spec.serviceAccountName) {
    for (const m of validateServiceAccountName(spec.serviceAccountName, false)) errs.push(fieldError.invalid(`${path}.serviceAccountName`, spec.serviceAccountName, m));
  }
  if (spec.nodeName) for (const m of validateNodeName(spec.nodeName, false)) errs.push(fieldError.invalid(`${path}.nodeName`, spec.nodeName, m));
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > MAX_INT32)) {
    errs.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, `must be between 1 and ${MAX_INT32}, inclusive`));
  }
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0) {
    errs.push(fieldError.invalid(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, "must be greater than or equal to 0"));
  }
  if (spec.hostname) for (const m of isDNS1123Label(spec.hostname)) errs.push(fieldError.invalid(`${path}.hostname`, spec.hostname, m));
  if (spec.subdomain) for (const m of isDNS1123Label(spec.subdomain)) errs.push(fieldError.invalid(`${path}.subdomain`, spec.subdomain, m));
  if (spec.priorityClassName) for (const m of isDNS1123Subdomain(spec.priorityClassName)) errs.push(fieldError.invalid(`${path}.priorityClassName`, spec.priorityClassName, m));
  if (spec.tolerations) errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  if (spec.hostNetwork) errs.push(...validateHostNetworkPorts(spec, path));
  return errs;
}

/** Volume names (DNS labels, unique) and exactly one source each; returns the declared names. */
function validateVolumes(volumes: readonly Volume[] | undefined, path: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  if (!volumes) return names;
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i]!;
    const vp = `${path}[${i}]`;
    if (!v.name) errs.push(fieldError.required(`${vp}.name`));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(fieldError.invalid(`${vp}.name`, v.name, m));
      if (names.has(v.name)) errs.push(fieldError.duplicate(`${vp}.name`, v.name));
      else names.add(v.name);
    }
    const record = v as unknown as Record<string, unknown>;
    let sources = 0;
    for (const f of VOLUME_SOURCE_FIELDS) {
      if (record[f] === undefined || record[f] === null) continue;
      sources++;
      if (sources > 1) errs.push(fieldError.forbidden(`${vp}.${f}`, "may not specify more than 1 volume type"));
    }
    if (sources === 0) errs.push(fieldError.required(vp, "must specify a volume type"));
    if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.push(fieldError.required(`${vp}.persistentVolumeClaim.claimName`));
    if (v.configMap && !v.configMap.name) errs.push(fieldError.required(`${vp}.configMap.name`));
    if (v.secret && !v.secret.secretName) errs.push(fieldError.required(`${vp}.secret.secretName`));
    if (v.hostPath && !v.hostPath.path) errs.push(fieldError.required(`${vp}.hostPath.path`));
  }
  return names;
}

/** Two containers of one pod may not claim the same hostIP/protocol/hostPort. */
function validateHostPortConflicts(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let seen: Set<string> | undefined;
  const check = (containers: readonly Container[] | undefined, field: string): void => {
    if (!containers) return;
    for (let ci = 0; ci < containers.length; ci++) {
      const ports = containers[ci]!.ports;
      if (!ports) continue;
      for (let pi = 0; pi < ports.length; pi++) {
        const p = ports[pi]!;
        if (!p.hostPort) continue;
        const key = `${p.hostIP ?? ""}/${p.protocol ?? ""}/${p.hostPort}`;
        seen ??= new Set();
        if (seen.has(key)) errs.push(fieldError.duplicate(`${path}.${field}[${ci}].ports[${pi}].hostPort`, key));
        else seen.add(key);
      }
    }
  };
  check(spec.containers, "containers");
  check(spec.initContainers, "initContainers");
  return errs;
}

/** With hostNetwork, hostPort must equal containerPort. */
function validateHostNetworkPorts(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const containers = spec.containers ?? [];
  for (let ci = 0; ci < containers.length; ci++) {
    const ports = containers[ci]!.ports ?? [];
    for (let pi = 0; pi < ports.length; pi++) {
      const p = ports[pi]!;
      if (p.hostPort && p.hostPort !== p.containerPort) {
        errs.push(fieldError.invalid(`${path}.containers[${ci}].ports[${pi}].containerPort`, p.containerPort, "must match `hostPort` when `hostNetwork` is true"));
      }
    }
  }
  return errs;
}

/** validateTolerations: key syntax, operator/value pairing, effect, tolerationSeconds only with NoExecute. */
export function validateTolerations(tolerations: readonly Toleration[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (let i = 0; i < tolerations.length; i++) {
    const t = tolerations[i]!;
    const tp = `${path}[${i}]`;
    if (t.key) for (const m of isQualifiedName(t.key)) errs.push(fieldError.invalid(`${tp}.key`, t.key, m));
    if (!t.key && t.operator !== "Exists") {
      errs.push(fieldError.invalid(`${tp}.operator`, t.operator ?? "", 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      errs.push(fieldError.invalid(`${tp}.effect`, t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator) {
      case undefined:
      case "":
      case "Equal":
        if (t.value) {
          const msgs = isValidLabelValue(t.value);
          if (msgs.length) errs.push(fieldError.invalid(`${tp}.operator`, t.value, msgs.join(";")));
        }
        break;
      case "Exists":
        if (t.value) errs.push(fieldError.invalid(`${tp}.operator`, t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldError.notSupported(`${tp}.operator`, t.operator, SUPPORTED_TOLERATION_OPERATORS));
    }
    if (t.effect && !(SUPPORTED_TAINT_EFFECTS as readonly string[]).includes(t.effect)) {
      errs.push(fieldError.notSupported(`${tp}.effect`, t.effect, SUPPORTED_TAINT_EFFECTS));
    }
  }
  return errs;
}
