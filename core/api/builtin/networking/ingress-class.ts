import type { IngressClass } from "kubernetes-types/networking/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { isDNS1123Subdomain, nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateEnum } from "../field-checks.js";
import { NETWORKING_V1 } from "./networking-common.js";

type IngressClassObject = IngressClass & KubeObject;

const MAX_CONTROLLER_LENGTH = 250;
const PATH_SEGMENT = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** `IsDomainPrefixedPath`: `acme.io/foo`. */
function validateController(controller: string | undefined): FieldError[] {
  const path = "spec.controller";
  if (!controller) return [fieldError.required(path)];
  const errs: FieldError[] = [];
  if (controller.length > MAX_CONTROLLER_LENGTH) errs.push(fieldError.tooLong(path, MAX_CONTROLLER_LENGTH));
  const slash = controller.indexOf("/");
  if (slash <= 0) return [...errs, fieldError.invalid(path, controller, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  for (const m of isDNS1123Subdomain(controller.slice(0, slash))) errs.push(fieldError.invalid(path, controller.slice(0, slash), m));
  const rest = controller.slice(slash + 1);
  if (rest && !PATH_SEGMENT.test(rest)) errs.push(fieldError.invalid(path, rest, "Invalid path"));
  return errs;
}

function validateSpec(ic: IngressClass): FieldError[] {
  const errs = validateController(ic.spec?.controller);
  const params = ic.spec?.parameters;
  if (params) {
    if (!params.kind) errs.push(fieldError.required("spec.parameters.kind"));
    if (!params.name) errs.push(fieldError.required("spec.parameters.name"));
    errs.push(...validateEnum(params.scope, ["Cluster", "Namespace"], "spec.parameters.scope"));
    if (params.scope === "Namespace" && !params.namespace) errs.push(fieldError.required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"));
    if (params.scope !== "Namespace" && params.namespace) errs.push(fieldError.forbidden("spec.parameters.namespace", "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

/** networking.k8s.io/v1 IngressClass (cluster-scoped); the controller is fixed at creation. */
export const INGRESS_CLASS: ApiTypeRegistration<IngressClassObject> = {
  descriptor: { ...NETWORKING_V1, kind: "IngressClass", plural: "ingressclasses", singular: "ingressclass", listKind: "IngressClassList", namespaced: false, shortNames: [], categories: [], subresources: [] },
  strategy: {
    defaults: (ic) => {
      const params = ic.spec?.parameters;
      if (params && !params.scope) params.scope = "Cluster";
    },
    validate: (ic) => [...validateObjectMeta(ic.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateSpec(ic)],
    validateUpdate: (ic, old) => [
      ...validateObjectMetaUpdate(ic.metadata, old.metadata),
      ...validateSpec(ic),
      ...validateImmutableField(ic.spec?.controller, old.spec?.controller, "spec.controller"),
    ],
  },
};
