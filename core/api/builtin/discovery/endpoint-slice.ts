import ipaddr from "ipaddr.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateEnum } from "../field-checks.js";

type EndpointSliceObject = EndpointSlice & KubeObject;

const ADDRESS_TYPES = ["IPv4", "IPv6", "FQDN"] as const;
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;

/** SetDefaults_EndpointPort: name "" and protocol TCP. */
export function defaultEndpointSlice(slice: EndpointSlice): void {
  for (const p of slice.ports ?? []) {
    p.name ??= "";
    p.protocol ||= "TCP";
  }
}

function validateAddress(address: string, type: string, path: string): FieldError[] {
  if (type === "IPv4") return ipaddr.IPv4.isValidFourPartDecimal(address) ? [] : [fieldError.invalid(path, address, "must be a valid IPv4 address")];
  if (type === "IPv6") return ipaddr.IPv6.isValid(address) && !address.includes("%") ? [] : [fieldError.invalid(path, address, "must be a valid IPv6 address")];
  const name = address.endsWith(".") ? address.slice(0, -1) : address;
  const msgs = isDNS1123Subdomain(name.toLowerCase());
  if (!name.includes(".")) msgs.push("should be a domain with at least two segments separated by dots");
  return msgs.map((m) => fieldError.invalid(path, address, m));
}

function validateSlice(slice: EndpointSlice): FieldError[] {
  const errs = validateObjectMeta(slice.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const type = slice.addressType;
  if (!type) errs.push(fieldError.required("addressType"));
  else errs.push(...validateEnum(type, ADDRESS_TYPES, "addressType"));
  const endpoints = slice.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(fieldError.tooMany("endpoints", endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    const addresses = ep.addresses ?? [];
    if (!addresses.length) errs.push(fieldError.required(`${path}.addresses`, "must contain at least 1 address"));
    else if (addresses.length > MAX_ADDRESSES) errs.push(fieldError.tooMany(`${path}.addresses`, addresses.length, MAX_ADDRESSES));
    if (type && ADDRESS_TYPES.includes(type as (typeof ADDRESS_TYPES)[number])) addresses.forEach((a, j) => errs.push(...validateAddress(a, type, `${path}.addresses[${j}]`)));
    if (ep.hostname) for (const m of isDNS1123Label(ep.hostname)) errs.push(fieldError.invalid(`${path}.hostname`, ep.hostname, m));
    if (ep.nodeName) for (const m of nameIsDNSSubdomain(ep.nodeName, false)) errs.push(fieldError.invalid(`${path}.nodeName`, ep.nodeName, m));
  });
  const ports = slice.ports ?? [];
  if (ports.length > MAX_PORTS) errs.push(fieldError.tooMany("ports", ports.length, MAX_PORTS));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    if (p.name) {
      for (const m of isValidPortName(p.name)) errs.push(fieldError.invalid(`${path}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fieldError.duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    if (!p.protocol) errs.push(fieldError.required(`${path}.protocol`));
    else errs.push(...validateEnum(p.protocol, PROTOCOLS, `${path}.protocol`));
    if (p.port !== undefined && (p.port < 0 || p.port > 65535)) errs.push(fieldError.invalid(`${path}.port`, p.port, "must be between 0 and 65535, inclusive"));
  });
  return errs;
}

/** discovery.k8s.io/v1 EndpointSlice. */
export const ENDPOINT_SLICE: ApiTypeRegistration<EndpointSliceObject> = {
  descriptor: {
    group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices", singular: "endpointslice",
    listKind: "EndpointSliceList", namespaced: true, shortNames: [], categories: [], subresources: [],
  },
  strategy: {
    defaults: (s) => defaultEndpointSlice(s),
    validate: (s) => validateSlice(s),
    validateUpdate: (s, old) => [
      ...validateObjectMetaUpdate(s.metadata, old.metadata),
      ...validateSlice(s).filter((e) => !e.field.startsWith("metadata.")),
      ...validateImmutableField(s.addressType, old.addressType, "addressType"),
    ],
  },
};
