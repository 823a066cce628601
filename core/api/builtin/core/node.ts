import type { Node, Taint } from "kubernetes-types/core/v1.js";
import ipaddr from "ipaddr.js";
import { fieldError, type FieldError } from "../../status.js";
import { isQualifiedName, isValidLabelValue, validateNodeName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { writable } from "./writable.js";

export const NODE_DESCRIPTOR = coreDescriptor({ kind: "Node", plural: "nodes", namespaced: false, shortNames: ["no"], subresources: ["status", "proxy"] });

const SUPPORTED_TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"] as const;

function validateTaints(taints: readonly Taint[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < taints.length; i++) {
    const t = taints[i]!;
    const tp = `${path}[${i}]`;
    for (const m of isQualifiedName(t.key)) errs.push(fieldError.invalid(`${tp}.key`, t.key, m));
    if (t.value) for (const m of isValidLabelValue(t.value)) errs.push(fieldError.invalid(`${tp}.value`, t.value, m));
    if (!t.effect) errs.push(fieldError.required(`${tp}.effect`));
    else if (!(SUPPORTED_TAINT_EFFECTS as readonly string[]).includes(t.effect)) errs.push(fieldError.notSupported(`${tp}.effect`, t.effect, SUPPORTED_TAINT_EFFECTS));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) errs.push(fieldError.duplicate(tp, `taints must be unique by key and effect pair`));
    seen.add(key);
  }
  return errs;
}

function validateNodeSpec(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const spec = node.spec ?? {};
  for (const [i, cidr] of (spec.podCIDRs ?? []).entries()) {
    if (!ipaddr.isValidCIDR(cidr)) errs.push(fieldError.invalid(`spec.podCIDRs[${i}]`, cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
  }
  if (spec.podCIDR && spec.podCIDRs?.length && spec.podCIDRs[0] !== spec.podCIDR) {
    errs.push(fieldError.invalid("spec.podCIDRs", spec.podCIDRs, "first value must match `podCIDR`"));
  }
  if (spec.taints) errs.push(...validateTaints(spec.taints, "spec.taints"));
  return errs;
}

/** Nodes: SetDefaults_NodeStatus and nodeStrategy of pkg/registry/core/node. */
export const NODE_TYPE = typeRegistration<Node>(NODE_DESCRIPTOR, {
  defaults(node) {
    const status = node.status;
    if (status?.capacity && !status.allocatable) writable(status).allocatable = { ...status.capacity };
    const spec = node.spec;
    if (spec?.podCIDR && !spec.podCIDRs?.length) spec.podCIDRs = [spec.podCIDR];
  },
  prepareForUpdate(node, old) {
    writable(node).status = old.status;
  },
  prepareForStatusUpdate(node, old) {
    node.spec = old.spec;
  },
  validate(node) {
    const errs = validateObjectMeta(node.metadata, { namespaced: false, nameValidator: validateNodeName });
    errs.push(...validateNodeSpec(node));
    return errs;
  },
  validateUpdate(node, old) {
    const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
    errs.push(...validateNodeSpec(node));
    const spec = node.spec ?? {};
    const oldSpec = old.spec ?? {};
    if (oldSpec.podCIDRs?.length && JSON.stringify(oldSpec.podCIDRs) !== JSON.stringify(spec.podCIDRs ?? [])) {
      errs.push(fieldError.forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'));
    }
    if (oldSpec.providerID && oldSpec.providerID !== spec.providerID) {
      errs.push(fieldError.forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'));
    }
    return errs;
  },
  validateStatusUpdate(node, old) {
    return validateObjectMetaUpdate(node.metadata, old.metadata);
  },
  fieldSelectors: {
    "spec.unschedulable": (n) => String(n.spec?.unschedulable === true),
  },
});
