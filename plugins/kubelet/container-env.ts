import type { ConfigMap, Container, EnvVar, ObjectFieldSelector, Pod, ResourceFieldSelector, Secret } from "kubernetes-types/core/v1.js";
import { parseQuantity, milliValue } from "../../core/api/quantity.js";
import type { WatchedObjects } from "./watched-objects.js";

/** A container's configuration could not be made (CreateContainerConfigError): the message says why. */
export class ContainerConfigError extends Error {}

/**
 * ConfigMaps and Secrets for env and volumes, from the kubelet's watches ({@link WatchedObjects});
 * undefined when absent. Reading an object no registered pod references is an error, as upstream's.
 */
export class ObjectSource {
  constructor(private readonly watched: { configMaps: WatchedObjects<ConfigMap>; secrets: WatchedObjects<Secret> }) {}

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.watched.configMaps.get(namespace, name);
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.watched.secrets.get(namespace, name);
  }
}

/** A pod field as the downward API gives it (`metadata.name`, `metadata.labels['app']`, `status.podIP`, ...). */
export function podField(pod: Pod, ref: ObjectFieldSelector, podIP: string, hostIP: string): string {
  const path = ref.fieldPath;
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? "";
  switch (path) {
    case "metadata.name": return pod.metadata?.name ?? "";
    case "metadata.namespace": return pod.metadata?.namespace ?? "";
    case "metadata.uid": return pod.metadata?.uid ?? "";
    case "metadata.labels": return Object.entries(pod.metadata?.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join("\n");
    case "metadata.annotations": return Object.entries(pod.metadata?.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join("\n");
    case "spec.nodeName": return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP": case "status.hostIPs": return hostIP;
    case "status.podIP": case "status.podIPs": return podIP;
  }
  return "";
}

/** A container resource as the downward API gives it (limits default to the node's allocatable). */
export function resourceField(pod: Pod, ref: ResourceFieldSelector, allocatable: Record<string, string>, defaultContainer?: string): string {
  const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === (ref.containerName || defaultContainer));
  const [kind, res = ""] = ref.resource.split(".") as ["limits" | "requests", string];
  const value = (kind === "limits" ? c?.resources?.limits?.[res] : c?.resources?.requests?.[res]) ?? (kind === "limits" ? allocatable[res] : "0");
  const divisor = ref.divisor !== undefined ? String(ref.divisor) : "1";
  const v = Number(milliValue(parseQuantity(value ?? "0")));
  const d = Number(milliValue(parseQuantity(divisor))) || 1000;
  return String(Math.ceil(v / d));
}

/** `$(VAR)` references expanded from `vars`, then `fallback` (the service variables); `$$(VAR)` escapes; unknown ones stay as written. */
export function expandReferences(text: string, vars: Readonly<Record<string, string>>, fallback?: Readonly<Record<string, string>>): string {
  if (!text.includes("$")) return text;
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === "$$" ? "$" : name === undefined ? m : name in vars ? vars[name]! : fallback && name in fallback ? fallback[name]! : m));
}

/** What a container's environment is made with besides the pod: its addresses, the node's allocatable, the service variables (for `$(VAR)`). */
export interface EnvContext {
  podIP: string;
  hostIP: string;
  allocatable: Record<string, string>;
  services?: Readonly<Record<string, string>>;
}

/**
 * A container's environment as the kubelet builds it: envFrom sources in order, then env entries
 * (later wins), with `$(VAR)` expansion and valueFrom lookups. Throws {@link ContainerConfigError}
 * with the kubelet's message when a required source or key is missing.
 */
export async function containerEnv(pod: Pod, container: Container, source: ObjectSource, ctx: EnvContext): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? "default";
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const cm = await source.configMap(ns, from.configMapRef.name ?? "");
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) env[prefix + k] = v;
    }
    if (from.secretRef) {
      const s = await source.secret(ns, from.secretRef.name ?? "");
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) env[prefix + k] = Buffer.from(v, "base64").toString("utf8");
      for (const [k, v] of Object.entries(s.stringData ?? {})) env[prefix + k] = v;
    }
  }
  for (const e of container.env ?? []) {
    const value = await envValue(pod, container, e, source, ns, env, ctx);
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

async function envValue(pod: Pod, container: Container, e: EnvVar, source: ObjectSource, ns: string, env: Record<string, string>, ctx: EnvContext): Promise<string | undefined> {
  if (!e.valueFrom) return expandReferences(e.value ?? "", env, ctx.services);
  const f = e.valueFrom;
  if (f.fieldRef) return podField(pod, f.fieldRef, ctx.podIP, ctx.hostIP);
  if (f.resourceFieldRef) return resourceField(pod, f.resourceFieldRef, ctx.allocatable, container.name);
  if (f.configMapKeyRef) {
    const ref = f.configMapKeyRef;
    const cm = await source.configMap(ns, ref.name ?? "");
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name}" not found`);
    }
    const v = cm.data?.[ref.key];
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
    }
    return v;
  }
  if (f.secretKeyRef) {
    const ref = f.secretKeyRef;
    const s = await source.secret(ns, ref.name ?? "");
    if (!s) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name}" not found`);
    }
    const v = s.data?.[ref.key];
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
    }
    return Buffer.from(v, "base64").toString("utf8");
  }
  return "";
}
