import ipaddr from "ipaddr.js";
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec } from "kubernetes-types/networking/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateLabelSelector } from "../../validation/label-selector.js";
import { isValidPortName, isValidPortNum, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateEnum } from "../field-checks.js";
import { generationHooks } from "../spec-status-strategy.js";
import { NETWORKING_V1 } from "./networking-common.js";

type NetworkPolicyObject = NetworkPolicy & KubeObject;

/** SetDefaults_NetworkPolicy: policyTypes [Ingress] (+ Egress when egress rules exist); every port's protocol TCP. */
export function defaultNetworkPolicy(np: NetworkPolicy): void {
  const spec = ((np as { spec?: NetworkPolicySpec }).spec ??= { podSelector: {} });
  for (const rule of spec.ingress ?? []) for (const p of rule.ports ?? []) p.protocol ||= "TCP";
  for (const rule of spec.egress ?? []) for (const p of rule.ports ?? []) p.protocol ||= "TCP";
  if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ["Ingress", "Egress"] : ["Ingress"];
}

function validatePort(p: NetworkPolicyPort, path: string): FieldError[] {
  const errs = validateEnum(p.protocol, ["TCP", "UDP", "SCTP"], `${path}.protocol`);
  if (p.port === undefined) {
    if (p.endPort !== undefined) errs.push(fieldError.required(`${path}.port`, "may not be omitted when endPort is specified"));
    return errs;
  }
  if (typeof p.port === "number") {
    for (const m of isValidPortNum(p.port)) errs.push(fieldError.invalid(`${path}.port`, p.port, m));
    if (p.endPort !== undefined) {
      if (p.port > p.endPort) errs.push(fieldError.invalid(`${path}.endPort`, p.endPort, "must be greater than or equal to `port`"));
      for (const m of isValidPortNum(p.endPort)) errs.push(fieldError.invalid(`${path}.endPort`, p.endPort, m));
    }
  } else {
    if (p.endPort !== undefined) errs.push(fieldError.invalid(`${path}.endPort`, p.endPort, "may not be specified when `port` is non-numeric"));
    for (const m of isValidPortName(p.port)) errs.push(fieldError.invalid(`${path}.port`, p.port, m));
  }
  return errs;
}

function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    return ipaddr.parseCIDR(text);
  } catch {
    return undefined;
  }
}

function validatePeer(peer: NetworkPolicyPeer, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  if (peer.podSelector) {
    count++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (peer.namespaceSelector) {
    count++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (peer.ipBlock) {
    count++;
    const cidr = peer.ipBlock.cidr;
    const parsed = cidr ? parseCidr(cidr) : undefined;
    if (!cidr) errs.push(fieldError.required(`${path}.ipBlock.cidr`));
    else if (!parsed) errs.push(fieldError.invalid(`${path}.ipBlock.cidr`, cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
    (peer.ipBlock.except ?? []).forEach((ex, i) => {
      const e = parseCidr(ex);
      const p = `${path}.ipBlock.except[${i}]`;
      if (!e) errs.push(fieldError.invalid(p, ex, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
      else if (parsed && (e[0].kind() !== parsed[0].kind() || e[1] <= parsed[1] || !e[0].match(parsed))) errs.push(fieldError.invalid(p, ex, "must be a strict subset of `cidr`"));
    });
  }
  if (count === 0) errs.push(fieldError.required(path, "must specify a peer"));
  else if (count > 1 && peer.ipBlock) errs.push(fieldError.forbidden(path, "may not specify both ipBlock and another peer"));
  return errs;
}

function validateSpec(spec: NetworkPolicySpec | undefined): FieldError[] {
  const s: Partial<NetworkPolicySpec> = spec ?? {};
  const errs = validateLabelSelector(s.podSelector, "spec.podSelector");
  (s.ingress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, `spec.ingress[${i}].ports[${j}]`)));
    (rule.from ?? []).forEach((peer, j) => errs.push(...validatePeer(peer, `spec.ingress[${i}].from[${j}]`)));
  });
  (s.egress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, `spec.egress[${i}].ports[${j}]`)));
    (rule.to ?? []).forEach((peer, j) => errs.push(...validatePeer(peer, `spec.egress[${i}].to[${j}]`)));
  });
  const types = s.policyTypes ?? [];
  types.forEach((t, i) => errs.push(...validateEnum(t, ["Ingress", "Egress"], `spec.policyTypes[${i}]`)));
  if (types.length > 2) errs.push(fieldError.invalid("spec.policyTypes", types, "may not specify more than two policyTypes"));
  return errs;
}

/** networking.k8s.io/v1 NetworkPolicy. */
export const NETWORK_POLICY: ApiTypeRegistration<NetworkPolicyObject> = {
  descriptor: { ...NETWORKING_V1, kind: "NetworkPolicy", plural: "networkpolicies", singular: "networkpolicy", listKind: "NetworkPolicyList", namespaced: true, shortNames: ["netpol"], categories: [], subresources: [] },
  strategy: {
    defaults: (np) => defaultNetworkPolicy(np),
    ...generationHooks<NetworkPolicyObject>(),
    validate: (np) => [...validateObjectMeta(np.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(np.spec)],
    validateUpdate: (np, old) => [...validateObjectMetaUpdate(np.metadata, old.metadata), ...validateSpec(np.spec)],
  },
};
