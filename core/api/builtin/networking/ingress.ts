import ipaddr from "ipaddr.js";
import type { HTTPIngressPath, Ingress, IngressBackend, IngressSpec } from "kubernetes-types/networking/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { isDNS1035Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { specStatusHooks } from "../spec-status-strategy.js";
import { NETWORKING_V1 } from "./networking-common.js";

type IngressObject = Ingress & KubeObject;

const PATH_TYPES = ["Exact", "Prefix", "ImplementationSpecific"] as const;
/** Sequences an Exact or Prefix path may not contain (`invalidPathSequences`) nor end with (`invalidPathSuffixes`). */
const INVALID_PATH_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
const INVALID_PATH_SUFFIXES = ["/..", "/."];

function validateBackend(b: IngressBackend, path: string): FieldError[] {
  const hasResource = b.resource !== undefined;
  const hasService = b.service !== undefined;
  if (hasResource && hasService) return [fieldError.invalid(path, "", "cannot set both resource and service backends")];
  if (hasResource) {
    const r = b.resource!;
    const errs: FieldError[] = [];
    if (!r.kind) errs.push(fieldError.required(`${path}.resource.kind`));
    if (!r.name) errs.push(fieldError.required(`${path}.resource.name`));
    return errs;
  }
  if (!hasService) return [fieldError.invalid(path, "", "resource or service backend is required")];
  const svc = b.service!;
  const errs: FieldError[] = [];
  if (!svc.name) errs.push(fieldError.required(`${path}.service.name`));
  else for (const m of isDNS1035Label(svc.name)) errs.push(fieldError.invalid(`${path}.service.name`, svc.name, m));
  const portName = svc.port?.name;
  const portNumber = svc.port?.number;
  if (portName && portNumber) errs.push(fieldError.invalid(path, "", "cannot set both port name & port number"));
  else if (portName) for (const m of isValidPortName(portName)) errs.push(fieldError.invalid(`${path}.service.port.name`, portName, m));
  else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(fieldError.invalid(`${path}.service.port.number`, portNumber, m));
  else errs.push(fieldError.required(`${path}.service.port`, "port name or number is required"));
  return errs;
}

function validatePath(p: HTTPIngressPath, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!p.pathType) errs.push(fieldError.required(`${path}.pathType`, "pathType must be specified"));
  else if (!PATH_TYPES.includes(p.pathType as (typeof PATH_TYPES)[number])) errs.push(fieldError.notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  else if (p.pathType === "Exact" || p.pathType === "Prefix") {
    const value = p.path ?? "";
    if (!value.startsWith("/")) errs.push(fieldError.invalid(`${path}.path`, value, "must be an absolute path"));
    else {
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(fieldError.invalid(`${path}.path`, value, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(fieldError.invalid(`${path}.path`, value, `cannot end with '${suf}'`));
    }
  } else if (p.path !== undefined && p.path !== "" && !p.path.startsWith("/")) {
    errs.push(fieldError.invalid(`${path}.path`, p.path, "must be an absolute path"));
  }
  errs.push(...validateBackend(p.backend ?? {}, `${path}.backend`));
  return errs;
}

/** A rule's host: a DNS name (a leading `*.` wildcard allowed), never an IP address. */
function validateHost(host: string, path: string): FieldError[] {
  if (ipaddr.isValid(host)) return [fieldError.invalid(path, host, "must be a DNS name, not an IP address")];
  if (host.includes("*")) {
    if (!host.startsWith("*.") || host.slice(2).includes("*")) {
      return [fieldError.invalid(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")];
    }
    return isDNS1123Subdomain(host.slice(2)).map((m) => fieldError.invalid(path, host, m));
  }
  return isDNS1123Subdomain(host).map((m) => fieldError.invalid(path, host, m));
}

function validateSpec(spec: IngressSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  if (!s.defaultBackend && !s.rules?.length) errs.push(fieldError.invalid("spec", s.rules ?? null, "either `defaultBackend` or `rules` must be specified"));
  if (s.defaultBackend) errs.push(...validateBackend(s.defaultBackend, "spec.defaultBackend"));
  (s.rules ?? []).forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    if (rule.host) errs.push(...validateHost(rule.host, `${path}.host`));
    if (rule.http) {
      if (!rule.http.paths?.length) errs.push(fieldError.required(`${path}.http.paths`));
      (rule.http.paths ?? []).forEach((p, j) => errs.push(...validatePath(p, `${path}.http.paths[${j}]`)));
    }
  });
  (s.tls ?? []).forEach((tls, i) => (tls.hosts ?? []).forEach((h, j) => errs.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`))));
  if (s.ingressClassName !== undefined) for (const m of isDNS1123Subdomain(s.ingressClassName)) errs.push(fieldError.invalid("spec.ingressClassName", s.ingressClassName, m));
  return errs;
}

/** networking.k8s.io/v1 Ingress (no v1 defaults: pathType must be given). */
export const INGRESS: ApiTypeRegistration<IngressObject> = {
  descriptor: { ...NETWORKING_V1, kind: "Ingress", plural: "ingresses", singular: "ingress", listKind: "IngressList", namespaced: true, shortNames: ["ing"], categories: [], subresources: ["status"] },
  strategy: {
    ...specStatusHooks<IngressObject>({ initialStatus: () => ({ loadBalancer: {} }) }),
    validate: (ing) => [...validateObjectMeta(ing.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(ing.spec)],
    validateUpdate: (ing, old) => [...validateObjectMetaUpdate(ing.metadata, old.metadata), ...validateSpec(ing.spec)],
    validateStatusUpdate: (ing, old) => validateObjectMetaUpdate(ing.metadata, old.metadata),
  },
};
