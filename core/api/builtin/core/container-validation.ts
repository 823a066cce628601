import type { Container, ContainerPort, EnvVar, Probe, ResourceRequirements, VolumeMount } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { isConfigMapKey, isDNS1123Label, isQualifiedName, isRelaxedEnvVarName, isValidPortName, isValidPortNum } from "../../validation/names.js";
import { parseQuantity, quantityText } from "./quantity.js";

export const SUPPORTED_PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
export const SUPPORTED_TERMINATION_MESSAGE_POLICIES = ["FallbackToLogsOnError", "File"] as const;
export const SUPPORTED_PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"] as const;
const SUPPORTED_FIELD_REF_PATHS = [
  "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
  "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
];
const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

/** What checking one container needs to know about its pod. */
export interface ContainerContext {
  /** Volume names declared by the pod (mounts must name one). */
  volumes: ReadonlySet<string>;
  /** Container names seen so far in the pod (duplicates across init and regular containers). */
  names: Set<string>;
  /** Liveness/startup probes and lifecycle are refused on init containers. */
  init: boolean;
}

/** validateContainers' per-container checks (pkg/apis/core/validation), errors under `path`. */
export function validateContainer(c: Container, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) {
    errs.push(fieldError.required(`${path}.name`));
  } else {
    for (const m of isDNS1123Label(c.name)) errs.push(fieldError.invalid(`${path}.name`, c.name, m));
    if (ctx.names.has(c.name)) errs.push(fieldError.duplicate(`${path}.name`, c.name));
    else ctx.names.add(c.name);
  }
  if (!c.image) errs.push(fieldError.required(`${path}.image`));
  else if (c.image.trim() !== c.image) errs.push(fieldError.invalid(`${path}.image`, c.image, "must not have leading or trailing whitespace"));
  if (!c.imagePullPolicy) errs.push(fieldError.required(`${path}.imagePullPolicy`));
  else if (!(SUPPORTED_PULL_POLICIES as readonly string[]).includes(c.imagePullPolicy)) {
    errs.push(fieldError.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, SUPPORTED_PULL_POLICIES));
  }
  if (!c.terminationMessagePolicy) errs.push(fieldError.required(`${path}.terminationMessagePolicy`));
  else if (!(SUPPORTED_TERMINATION_MESSAGE_POLICIES as readonly string[]).includes(c.terminationMessagePolicy)) {
    errs.push(fieldError.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, SUPPORTED_TERMINATION_MESSAGE_POLICIES));
  }
  if (c.ports) errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  if (c.env) errs.push(...validateEnv(c.env, `${path}.env`));
  if (c.volumeMounts) errs.push(...validateVolumeMounts(c.volumeMounts, ctx.volumes, `${path}.volumeMounts`));
  if (c.resources) errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  if (ctx.init && c.restartPolicy !== "Always") {
    if (c.lifecycle) errs.push(fieldError.forbidden(`${path}.lifecycle`, "may not be set for init containers without restartPolicy=Always"));
    if (c.livenessProbe) errs.push(fieldError.forbidden(`${path}.livenessProbe`, "may not be set for init containers without restartPolicy=Always"));
    if (c.readinessProbe) errs.push(fieldError.forbidden(`${path}.readinessProbe`, "may not be set for init containers"));
    if (c.startupProbe) errs.push(fieldError.forbidden(`${path}.startupProbe`, "may not be set for init containers without restartPolicy=Always"));
  } else {
    if (c.livenessProbe) errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
    if (c.readinessProbe) errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
    if (c.startupProbe) errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
  }
  if (!ctx.init && c.restartPolicy !== undefined) errs.push(fieldError.forbidden(`${path}.restartPolicy`, "may not be set for non-init containers"));
  return errs;
}

/** Port numbers, names (IANA_SVC_NAME, unique within the container) and protocols. */
export function validateContainerPorts(ports: readonly ContainerPort[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i]!;
    const pp = `${path}[${i}]`;
    if (p.name) {
      for (const m of isValidPortName(p.name)) errs.push(fieldError.invalid(`${pp}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fieldError.duplicate(`${pp}.name`, p.name));
      else names.add(p.name);
    }
    if (!p.containerPort) errs.push(fieldError.required(`${pp}.containerPort`));
    else for (const m of isValidPortNum(p.containerPort)) errs.push(fieldError.invalid(`${pp}.containerPort`, p.containerPort, m));
    if (p.hostPort) for (const m of isValidPortNum(p.hostPort)) errs.push(fieldError.invalid(`${pp}.hostPort`, p.hostPort, m));
    if (!p.protocol) errs.push(fieldError.required(`${pp}.protocol`));
    else if (!(SUPPORTED_PORT_PROTOCOLS as readonly string[]).includes(p.protocol)) errs.push(fieldError.notSupported(`${pp}.protocol`, p.protocol, SUPPORTED_PORT_PROTOCOLS));
  }
  return errs;
}

/** Env var names, and exactly one `valueFrom` source when `value` is empty. */
export function validateEnv(env: readonly EnvVar[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (let i = 0; i < env.length; i++) {
    const e = env[i]!;
    const ep = `${path}[${i}]`;
    if (!e.name) errs.push(fieldError.required(`${ep}.name`));
    else for (const m of isRelaxedEnvVarName(e.name)) errs.push(fieldError.invalid(`${ep}.name`, e.name, m));
    if (e.valueFrom) errs.push(...validateEnvVarValueFrom(e, `${ep}.valueFrom`));
  }
  return errs;
}

function validateEnvVarValueFrom(e: EnvVar, path: string): FieldError[] {
  const from = e.valueFrom!;
  const errs: FieldError[] = [];
  let sources = 0;
  if (from.fieldRef) {
    sources++;
    const fp = from.fieldRef.fieldPath;
    if (!from.fieldRef.apiVersion) errs.push(fieldError.required(`${path}.fieldRef.apiVersion`));
    if (!fp) errs.push(fieldError.required(`${path}.fieldRef.fieldPath`));
    else if (!isSupportedFieldRef(fp)) errs.push(fieldError.notSupported(`${path}.fieldRef.fieldPath`, fp, SUPPORTED_FIELD_REF_PATHS));
  }
  if (from.resourceFieldRef) {
    sources++;
    if (!from.resourceFieldRef.resource) errs.push(fieldError.required(`${path}.resourceFieldRef.resource`));
  }
  for (const ref of ["configMapKeyRef", "secretKeyRef"] as const) {
    const r = from[ref];
    if (!r) continue;
    sources++;
    if (!r.key) errs.push(fieldError.required(`${path}.${ref}.key`));
    else for (const m of isConfigMapKey(r.key)) errs.push(fieldError.invalid(`${path}.${ref}.key`, r.key, m));
  }
  if (sources === 0) errs.push(fieldError.invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
  else if (sources > 1) errs.push(fieldError.invalid(path, "", "may not have more than one field specified at a time"));
  if (e.value) errs.push(fieldError.invalid(path, "", "may not be specified when `value` is not empty"));
  return errs;
}

function isSupportedFieldRef(fieldPath: string): boolean {
  if (SUPPORTED_FIELD_REF_PATHS.includes(fieldPath) && fieldPath !== "metadata.labels" && fieldPath !== "metadata.annotations") return true;
  return /^metadata\.(labels|annotations)\['[^']+'\]$/.test(fieldPath);
}

/** Mounts name a declared volume, have a unique mountPath. */
export function validateVolumeMounts(mounts: readonly VolumeMount[], volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  for (let i = 0; i < mounts.length; i++) {
    const m = mounts[i]!;
    const mp = `${path}[${i}]`;
    if (!m.name) errs.push(fieldError.required(`${mp}.name`));
    else if (!volumes.has(m.name)) errs.push(fieldError.notFound(`${mp}.name`, m.name));
    if (!m.mountPath) errs.push(fieldError.required(`${mp}.mountPath`));
    else if (mountPaths.has(m.mountPath)) errs.push(fieldError.invalid(`${mp}.mountPath`, m.mountPath, "must be unique"));
    else mountPaths.add(m.mountPath);
    if (m.subPath && (m.subPath.startsWith("/") || m.subPath.split("/").includes(".."))) {
      errs.push(fieldError.invalid(`${mp}.subPath`, m.subPath, m.subPath.startsWith("/") ? "must be a relative path" : "must not contain '..'"));
    }
  }
  return errs;
}

/** Resource names, non-negative quantities, requests ≤ limits. */
export function validateResourceRequirements(r: ResourceRequirements, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limits = r.limits ?? {};
  const requests = r.requests ?? {};
  for (const name in limits) {
    const lp = `${path}.limits[${name}]`;
    errs.push(...validateResourceName(name, lp));
    errs.push(...validateQuantity(limits[name]!, lp));
  }
  for (const name in requests) {
    const rp = `${path}.requests[${name}]`;
    errs.push(...validateResourceName(name, rp));
    const req = validateQuantity(requests[name]!, rp);
    errs.push(...req);
    const limit = limits[name];
    if (req.length === 0 && limit !== undefined) {
      const reqValue = parseQuantity(requests[name]);
      const limitValue = parseQuantity(limit);
      if (reqValue !== undefined && limitValue !== undefined && reqValue > limitValue) {
        errs.push(fieldError.invalid(rp, quantityText(requests[name]!), `must be less than or equal to ${name} limit of ${quantityText(limit)}`));
      }
    }
  }
  return errs;
}

function validateResourceName(name: string, path: string): FieldError[] {
  if (STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith("hugepages-")) return [];
  const msgs = isQualifiedName(name);
  if (msgs.length > 0) return msgs.map((m) => fieldError.invalid(path, name, m));
  if (!name.includes("/")) return [fieldError.invalid(path, name, "must be a standard resource type or fully qualified")];
  return [];
}

function validateQuantity(q: string | number, path: string): FieldError[] {
  const v = parseQuantity(q);
  if (v === undefined) return [fieldError.invalid(path, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")];
  if (v < 0) return [fieldError.invalid(path, quantityText(q), "must be greater than or equal to 0")];
  return [];
}

/** One handler, non-negative timings, successThreshold 1 for liveness and startup probes. */
export function validateProbe(p: Probe, path: string, successMustBeOne: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const handlers = (["exec", "httpGet", "tcpSocket", "grpc"] as const).filter((h) => p[h]);
  if (handlers.length === 0) errs.push(fieldError.required(path, "must specify a handler type"));
  else if (handlers.length > 1) errs.push(fieldError.forbidden(`${path}.${handlers[1]}`, "may not specify more than 1 handler type"));
  for (const f of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] as const) {
    const v = p[f];
    if (v !== undefined && v < 0) errs.push(fieldError.invalid(`${path}.${f}`, v, "must be greater than or equal to 0"));
  }
  if (successMustBeOne && p.successThreshold !== undefined && p.successThreshold !== 1) errs.push(fieldError.invalid(`${path}.successThreshold`, p.successThreshold, "must be 1"));
  const port = p.httpGet?.port ?? p.tcpSocket?.port;
  if (port !== undefined) {
    const pp = `${path}.${p.httpGet ? "httpGet" : "tcpSocket"}.port`;
    if (typeof port === "number") for (const m of isValidPortNum(port)) errs.push(fieldError.invalid(pp, port, m));
    else for (const m of isValidPortName(port)) errs.push(fieldError.invalid(pp, port, m));
  }
  return errs;
}
