import type { Endpoints } from "kubernetes-types/core/v1.js";
import { isValidIP } from "../../validation/ip-address.js";
import { fieldError, type FieldError } from "../../status.js";
import { isDNS1123Label, isValidPortNum, validateEndpointsName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";

export const ENDPOINTS_DESCRIPTOR = coreDescriptor({ kind: "Endpoints", plural: "endpoints", namespaced: true, shortNames: ["ep"] });

const SUPPORTED_PROTOCOLS = ["SCTP", "TCP", "UDP"] as const;

function validateSubsets(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  for (const [si, subset] of (ep.subsets ?? []).entries()) {
    const sp = `subsets[${si}]`;
    if (!subset.addresses?.length && !subset.notReadyAddresses?.length) {
      errs.push(fieldError.required(sp, "must specify `addresses` or `notReadyAddresses`"));
    }
    for (const field of ["addresses", "notReadyAddresses"] as const) {
      for (const [ai, addr] of (subset[field] ?? []).entries()) {
        if (!isValidIP(addr.ip)) errs.push(fieldError.invalid(`${sp}.${field}[${ai}].ip`, addr.ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        if (addr.hostname) for (const m of isDNS1123Label(addr.hostname)) errs.push(fieldError.invalid(`${sp}.${field}[${ai}].hostname`, addr.hostname, m));
      }
    }
    const ports = subset.ports ?? [];
    for (const [pi, port] of ports.entries()) {
      const pp = `${sp}.ports[${pi}]`;
      if (ports.length > 1 && !port.name) errs.push(fieldError.required(`${pp}.name`));
      else if (port.name) for (const m of isDNS1123Label(port.name)) errs.push(fieldError.invalid(`${pp}.name`, port.name, m));
      for (const m of isValidPortNum(port.port)) errs.push(fieldError.invalid(`${pp}.port`, port.port, m));
      if (!port.protocol) errs.push(fieldError.required(`${pp}.protocol`));
      else if (!(SUPPORTED_PROTOCOLS as readonly string[]).includes(port.protocol)) errs.push(fieldError.notSupported(`${pp}.protocol`, port.protocol, SUPPORTED_PROTOCOLS));
    }
  }
  return errs;
}

/** Endpoints: SetDefaults_EndpointPort and endpointsStrategy of pkg/registry/core/endpoint. */
export const ENDPOINTS_TYPE = typeRegistration<Endpoints>(ENDPOINTS_DESCRIPTOR, {
  defaults(ep) {
    for (const subset of ep.subsets ?? []) for (const port of subset.ports ?? []) port.protocol ||= "TCP";
  },
  validate(ep) {
    const errs = validateObjectMeta(ep.metadata, { namespaced: true, nameValidator: validateEndpointsName });
    errs.push(...validateSubsets(ep));
    return errs;
  },
  validateUpdate(ep, old) {
    const errs = validateObjectMetaUpdate(ep.metadata, old.metadata);
    errs.push(...validateSubsets(ep));
    return errs;
  },
});
