import type { CSINode } from "kubernetes-types/storage/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { isQualifiedName, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { validateNonnegative } from "../field-checks.js";
import { STORAGE_V1, validateCSIDriverName } from "./storage-common.js";

type CSINodeObject = CSINode & KubeObject;

const MAX_NODE_ID_LENGTH = 192;

function validateSpec(node: CSINode): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (node.spec?.drivers ?? []).forEach((d, i) => {
    const path = `spec.drivers[${i}]`;
    errs.push(...validateCSIDriverName(d.name, `${path}.name`));
    if (d.name && seen.has(d.name)) errs.push(fieldError.duplicate(`${path}.name`, d.name));
    seen.add(d.name);
    if (!d.nodeID) errs.push(fieldError.required(`${path}.nodeID`));
    else if (d.nodeID.length > MAX_NODE_ID_LENGTH) errs.push(fieldError.tooLong(`${path}.nodeID`, MAX_NODE_ID_LENGTH));
    (d.topologyKeys ?? []).forEach((k, j) => {
      if (!k) errs.push(fieldError.required(`${path}.topologyKeys[${j}]`));
      else for (const m of isQualifiedName(k)) errs.push(fieldError.invalid(`${path}.topologyKeys[${j}]`, k, m));
    });
    errs.push(...validateNonnegative(d.allocatable?.count, `${path}.allocatable.count`));
  });
  return errs;
}

/** Drivers already registered keep their nodeID and topology keys. */
function validateSpecUpdate(node: CSINode, old: CSINode): FieldError[] {
  const errs: FieldError[] = [];
  (node.spec?.drivers ?? []).forEach((d, i) => {
    const before = old.spec?.drivers?.find((o) => o.name === d.name);
    if (!before) return;
    if (d.nodeID !== before.nodeID) errs.push(fieldError.invalid(`spec.drivers[${i}].nodeID`, d.nodeID, "field is immutable"));
    if (!semanticEqual(d.topologyKeys, before.topologyKeys)) errs.push(fieldError.invalid(`spec.drivers[${i}].topologyKeys`, d.topologyKeys ?? [], "field is immutable"));
  });
  return errs;
}

/** storage.k8s.io/v1 CSINode (cluster-scoped, named after its Node). */
export const CSI_NODE: ApiTypeRegistration<CSINodeObject> = {
  descriptor: { ...STORAGE_V1, kind: "CSINode", plural: "csinodes", singular: "csinode", listKind: "CSINodeList", namespaced: false, shortNames: [], categories: [], subresources: [] },
  strategy: {
    validate: (n) => [...validateObjectMeta(n.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateSpec(n)],
    validateUpdate: (n, old) => [...validateObjectMetaUpdate(n.metadata, old.metadata), ...validateSpec(n), ...validateSpecUpdate(n, old)],
  },
};
