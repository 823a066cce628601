import type { RuntimeClass } from "kubernetes-types/node/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { isDNS1123Label, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";

type RuntimeClassObject = RuntimeClass & KubeObject;

function validateHandler(rc: RuntimeClass): FieldError[] {
  if (!rc.handler) return [fieldError.required("handler")];
  return isDNS1123Label(rc.handler).map((msg) => fieldError.invalid("handler", rc.handler, msg));
}

/**
 * node.k8s.io/v1 RuntimeClass (cluster-scoped): the CRI handler a pod's sandbox runs with
 * (`runc`, `gvisor`, ...), the pod overhead it adds and where such pods may be scheduled. The
 * handler is immutable.
 */
export const RUNTIME_CLASS: ApiTypeRegistration<RuntimeClassObject> = {
  descriptor: { group: "node.k8s.io", version: "v1", kind: "RuntimeClass", plural: "runtimeclasses", singular: "runtimeclass", listKind: "RuntimeClassList", namespaced: false, shortNames: [], categories: [], subresources: [] },
  strategy: {
    validate: (rc) => [...validateObjectMeta(rc.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateHandler(rc)],
    validateUpdate: (rc, old) => [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...validateHandler(rc), ...validateImmutableField(rc.handler, old.handler, "handler")],
  },
};
