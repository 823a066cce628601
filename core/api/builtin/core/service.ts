import type { Service, ServicePort, ServiceSpec } from "kubernetes-types/core/v1.js";
import ipaddr from "ipaddr.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateLabels } from "../../validation/labels.js";
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, validateServiceName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { allocateServiceResources, goStringSlice, needsClusterIP, needsHealthCheckNodePort, needsNodePorts, releaseServiceResources } from "./service-allocation.js";
import { writable } from "./writable.js";

export const SERVICE_DESCRIPTOR = coreDescriptor({
  kind: "Service",
  plural: "services",
  namespaced: true,
  shortNames: ["svc"],
  categories: ["all"],
  subresources: ["status", "proxy"],
});

const SUPPORTED_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"] as const;
const SUPPORTED_SESSION_AFFINITY = ["ClientIP", "None"] as const;
const SUPPORTED_TRAFFIC_POLICIES = ["Cluster", "Local"] as const;
const SUPPORTED_IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"] as const;
const SUPPORTED_PROTOCOLS = ["SCTP", "TCP", "UDP"] as const;
const INVALID_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

/** SetDefaults_Service plus the IP family fields the REST layer fills (single-stack IPv4 cluster). */
export function defaultService(svc: Service): void {
  const spec = (svc.spec ??= {});
  spec.type ||= "ClusterIP";
  spec.sessionAffinity ||= "None";
  if (spec.sessionAffinity === "ClientIP") {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  if (spec.ports) {
    for (const p of spec.ports) {
      p.protocol ||= "TCP";
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
    }
  }
  if ((spec.type === "NodePort" || spec.type === "LoadBalancer") && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = "Cluster";
  if (spec.type !== "ExternalName") {
    spec.internalTrafficPolicy ||= "Cluster";
    if (!spec.ipFamilies?.length) spec.ipFamilies = ["IPv4"];
    spec.ipFamilyPolicy ||= "SingleStack";
  }
  if (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
}

/** ValidateService: name, type, ports, cluster IPs, policies. */
export function validateService(svc: Service): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, nameValidator: validateServiceName });
  const spec = svc.spec;
  if (!spec) return [...errs, fieldError.required("spec")];
  const type = spec.type ?? "";
  if (!(SUPPORTED_SERVICE_TYPES as readonly string[]).includes(type)) errs.push(fieldError.notSupported("spec.type", type, SUPPORTED_SERVICE_TYPES));
  const headless = spec.clusterIP === "None";
  if (type === "ExternalName") {
    if (!spec.externalName) errs.push(fieldError.required("spec.externalName"));
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ""))) errs.push(fieldError.invalid("spec.externalName", spec.externalName, m));
    if (spec.clusterIPs?.length || spec.clusterIP) errs.push(fieldError.forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
  } else if (!spec.ports?.length && !headless) {
    errs.push(fieldError.required("spec.ports"));
  }
  errs.push(...validateServicePorts(spec));
  if (spec.selector) errs.push(...validateLabels(spec.selector, "spec.selector"));
  if (spec.sessionAffinity && !(SUPPORTED_SESSION_AFFINITY as readonly string[]).includes(spec.sessionAffinity)) {
    errs.push(fieldError.notSupported("spec.sessionAffinity", spec.sessionAffinity, SUPPORTED_SESSION_AFFINITY));
  }
  if (type !== "ExternalName") errs.push(...validateClusterIPs(spec));
  if (spec.externalTrafficPolicy) {
    if (type !== "NodePort" && type !== "LoadBalancer") {
      errs.push(fieldError.invalid("spec.externalTrafficPolicy", spec.externalTrafficPolicy, "may only be set for externally-accessible services"));
    } else if (!(SUPPORTED_TRAFFIC_POLICIES as readonly string[]).includes(spec.externalTrafficPolicy)) {
      errs.push(fieldError.notSupported("spec.externalTrafficPolicy", spec.externalTrafficPolicy, SUPPORTED_TRAFFIC_POLICIES));
    }
  }
  if (spec.internalTrafficPolicy && !(SUPPORTED_TRAFFIC_POLICIES as readonly string[]).includes(spec.internalTrafficPolicy)) {
    errs.push(fieldError.notSupported("spec.internalTrafficPolicy", spec.internalTrafficPolicy, SUPPORTED_TRAFFIC_POLICIES));
  }
  if (spec.ipFamilyPolicy && !(SUPPORTED_IP_FAMILY_POLICIES as readonly string[]).includes(spec.ipFamilyPolicy)) {
    errs.push(fieldError.notSupported("spec.ipFamilyPolicy", spec.ipFamilyPolicy, SUPPORTED_IP_FAMILY_POLICIES));
  }
  if (spec.healthCheckNodePort && !needsHealthCheckNodePort(spec)) {
    errs.push(fieldError.invalid("spec.healthCheckNodePort", spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  for (const [i, ip] of (spec.externalIPs ?? []).entries()) {
    if (!ipaddr.isValid(ip)) errs.push(fieldError.invalid(`spec.externalIPs[${i}]`, ip, INVALID_IP));
  }
  return errs;
}

function validateServicePorts(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const ports = spec.ports ?? [];
  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePortKeys = new Set<string>();
  for (let i = 0; i < ports.length; i++) {
    const p: ServicePort = ports[i]!;
    const pp = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(fieldError.required(`${pp}.name`));
    if (p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(fieldError.invalid(`${pp}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fieldError.duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    for (const m of isValidPortNum(p.port)) errs.push(fieldError.invalid(`${pp}.port`, p.port, m));
    const protocol = p.protocol ?? "";
    if (!protocol) errs.push(fieldError.required(`${pp}.protocol`));
    else if (!(SUPPORTED_PROTOCOLS as readonly string[]).includes(protocol)) errs.push(fieldError.notSupported(`${pp}.protocol`, protocol, SUPPORTED_PROTOCOLS));
    if (typeof p.targetPort === "number") for (const m of isValidPortNum(p.targetPort)) errs.push(fieldError.invalid(`${pp}.targetPort`, p.targetPort, m));
    else if (typeof p.targetPort === "string") for (const m of isValidPortName(p.targetPort)) errs.push(fieldError.invalid(`${pp}.targetPort`, p.targetPort, m));
    const key = `${protocol}/${p.port}`;
    if (portKeys.has(key)) errs.push(fieldError.duplicate(pp, `{"port":${p.port},"protocol":${JSON.stringify(protocol)}}`));
    portKeys.add(key);
    if (p.nodePort) {
      if (spec.type === "ClusterIP") errs.push(fieldError.forbidden(`${pp}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else for (const m of isValidPortNum(p.nodePort)) errs.push(fieldError.invalid(`${pp}.nodePort`, p.nodePort, m));
      const nodeKey = `${protocol}/${p.nodePort}`;
      if (nodePortKeys.has(nodeKey)) errs.push(fieldError.duplicate(`${pp}.nodePort`, p.nodePort));
      nodePortKeys.add(nodeKey);
    }
  }
  return errs;
}

function validateClusterIPs(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP && ips.length && ips[0] !== spec.clusterIP) {
    errs.push({ type: "FieldValueInvalid", field: "spec.clusterIPs", detail: `Invalid value: ${goStringSlice(ips)}: first value must match \`clusterIP\`` });
  }
  for (let i = 0; i < ips.length; i++) {
    const ip = ips[i]!;
    if (ip === "None") {
      if (ips.length > 1) errs.push(fieldError.invalid(`spec.clusterIPs[${i}]`, ip, "'None' must be the first and only value"));
    } else if (ip && !ipaddr.isValid(ip)) {
      errs.push(fieldError.invalid(`spec.clusterIPs[${i}]`, ip, INVALID_IP));
    }
  }
  if (ips.length > 2) errs.push({ type: "FieldValueInvalid", field: "spec.clusterIPs", detail: `Invalid value: ${goStringSlice(ips)}: may only hold up to 2 values` });
  return errs;
}

/** ValidateServiceUpdate: the primary cluster IP and the IP families may not change (ExternalName aside). */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  errs.push(...validateService(svc).filter((e) => !e.field.startsWith("metadata.")));
  const spec = svc.spec ?? {};
  const oldSpec = old.spec ?? {};
  if (spec.type !== "ExternalName" && oldSpec.type !== "ExternalName") {
    const oldIPs = oldSpec.clusterIPs ?? [];
    const newIPs = spec.clusterIPs ?? [];
    if (oldIPs.length > 0 && oldIPs[0] !== newIPs[0]) {
      errs.push({ type: "FieldValueInvalid", field: "spec.clusterIPs[0]", detail: `Invalid value: ${goStringSlice(newIPs)}: may not change once set` });
    }
    const oldFamilies = oldSpec.ipFamilies ?? [];
    const newFamilies = spec.ipFamilies ?? [];
    if (oldFamilies.length > 0 && newFamilies.length > 0 && oldFamilies[0] !== newFamilies[0]) {
      errs.push(fieldError.invalid("spec.ipFamilies[0]", newFamilies[0], "may not change once set"));
    }
  }
  return errs;
}

/**
 * patchAllocatedValues: an update that omits what the server allocated (cluster IP, node ports,
 * health check port) keeps the old values, so `kubectl apply` of a manifest without them works.
 */
function keepAllocatedValues(spec: ServiceSpec, old: ServiceSpec): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (!spec.clusterIP) spec.clusterIP = old.clusterIP;
    if (!spec.clusterIPs?.length) spec.clusterIPs = old.clusterIPs;
    else if (spec.clusterIPs[0] === "" && old.clusterIPs?.[0]) spec.clusterIPs = [old.clusterIPs[0], ...spec.clusterIPs.slice(1)];
  }
  if (needsNodePorts(old) && needsNodePorts(spec)) {
    const oldPorts = old.ports ?? [];
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const match = oldPorts.find((o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP") && (!o.name || o.name === p.name)) ??
        oldPorts.find((o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP"));
      if (match?.nodePort) p.nodePort = match.nodePort;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(spec) && !spec.healthCheckNodePort) spec.healthCheckNodePort = old.healthCheckNodePort;
}

function nodePortsOf(spec: ServiceSpec): Set<number> {
  const ports = new Set<number>();
  for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  if (spec.healthCheckNodePort) ports.add(spec.healthCheckNodePort);
  return ports;
}

/** Services: SetDefaults_Service, the service REST allocator and serviceStrategy of pkg/registry/core/service. */
export const SERVICE_TYPE = typeRegistration<Service>(SERVICE_DESCRIPTOR, {
  returnDeletedObject: true,
  defaults: defaultService,
  prepareForCreate(svc, ctx) {
    writable(svc).status = { loadBalancer: {} };
    if (svc.spec) allocateServiceResources(svc, ctx.services);
  },
  prepareForUpdate(svc, old, ctx) {
    writable(svc).status = old.status;
    const spec = svc.spec;
    const oldSpec = old.spec;
    if (!spec || !oldSpec) return;
    keepAllocatedValues(spec, oldSpec);
    const oldPorts = nodePortsOf(oldSpec);
    allocateServiceResources(svc, ctx.services, { clusterIP: !needsClusterIP(oldSpec), keepPorts: oldPorts });
    // What the Service held and no longer uses goes back to the pools.
    const newPorts = nodePortsOf(spec);
    for (const p of oldPorts) if (!newPorts.has(p)) ctx.services.releaseNodePort?.(p);
    if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
      for (const ip of oldSpec.clusterIPs ?? []) ctx.services.releaseClusterIP?.(ip);
      if (spec.type === "ExternalName") {
        delete spec.clusterIP;
        delete spec.clusterIPs;
        delete spec.ipFamilies;
        delete spec.ipFamilyPolicy;
        delete spec.internalTrafficPolicy;
      }
    }
  },
  prepareForStatusUpdate(svc, old) {
    writable(svc).spec = old.spec;
  },
  validate: validateService,
  validateUpdate: validateServiceUpdate,
  validateStatusUpdate(svc, old) {
    const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
    for (const [i, ing] of (svc.status?.loadBalancer?.ingress ?? []).entries()) {
      if (ing.ip && !ipaddr.isValid(ing.ip)) errs.push(fieldError.invalid(`status.loadBalancer.ingress[${i}].ip`, ing.ip, INVALID_IP));
    }
    return errs;
  },
  release(svc, ctx) {
    releaseServiceResources(svc, ctx.services);
  },
  fieldSelectors: {
    "spec.clusterIP": (s) => s.spec?.clusterIP ?? "",
    "spec.type": (s) => s.spec?.type ?? "",
  },
});
