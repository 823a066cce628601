import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration } from "../../strategy.js";
import { isDNS1035Label, nameIsPathSegment } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { specStatusHooks } from "../spec-status-strategy.js";

/** apiregistration.k8s.io/v1 APIService (kubernetes-types has no module for it). */
export interface ApiService extends KubeObject {
  spec?: {
    service?: { namespace?: string; name?: string; port?: number } | null;
    group?: string;
    version?: string;
    insecureSkipTLSVerify?: boolean;
    caBundle?: string;
    groupPriorityMinimum?: number;
    versionPriority?: number;
  };
  status?: { conditions?: { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }[] };
}

/** kube-aggregator's ValidateAPIService: the name is `<version>.<group>`, priorities in range, TLS settings only with a service. */
function validateSpec(api: ApiService): FieldError[] {
  const errs: FieldError[] = [];
  const spec = api.spec ?? {};
  const version = spec.version ?? "";
  const group = spec.group ?? "";
  const expected = `${version}.${group}`;
  if (api.metadata?.name !== expected) errs.push(fieldError.invalid("metadata.name", api.metadata?.name ?? "", `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(expected)}`));
  if (!version) errs.push(fieldError.required("spec.version"));
  else for (const msg of isDNS1035Label(version)) errs.push(fieldError.invalid("spec.version", version, msg));
  if (!(Number(spec.groupPriorityMinimum) > 0 && Number(spec.groupPriorityMinimum) <= 20000)) errs.push(fieldError.invalid("spec.groupPriorityMinimum", spec.groupPriorityMinimum ?? 0, "must be positive and less than 20000"));
  if (!(Number(spec.versionPriority) > 0)) errs.push(fieldError.invalid("spec.versionPriority", spec.versionPriority ?? 0, "must be positive"));
  if (!spec.service) {
    if (spec.caBundle) errs.push(fieldError.invalid("spec.caBundle", `${spec.caBundle.length} bytes`, "local APIServices may not have a caBundle"));
    if (spec.insecureSkipTLSVerify) errs.push(fieldError.invalid("spec.insecureSkipTLSVerify", true, "local APIServices may not have insecureSkipTLSVerify"));
  } else {
    if (!spec.service.namespace) errs.push(fieldError.required("spec.service.namespace"));
    if (!spec.service.name) errs.push(fieldError.required("spec.service.name"));
  }
  return errs;
}

/**
 * apiregistration.k8s.io/v1 APIService: the aggregation layer's registry of group versions. The
 * control plane registers a local one for every group version it serves (as kube-aggregator's
 * autoregister controller does); one naming a Service sends its group version's requests there.
 */
export const API_SERVICE: ApiTypeRegistration<ApiService> = {
  descriptor: { group: "apiregistration.k8s.io", version: "v1", kind: "APIService", plural: "apiservices", singular: "apiservice", listKind: "APIServiceList", namespaced: false, shortNames: [], categories: ["api-extensions"], subresources: ["status"] },
  strategy: {
    // SetDefaults_ServiceReference: a Service reference without a port means 443.
    defaults: (a) => {
      if (a.spec?.service && a.spec.service.port === undefined) a.spec.service.port = 443;
    },
    ...specStatusHooks<ApiService>(),
    validate: (a) => [...validateObjectMeta(a.metadata, { namespaced: false, nameValidator: nameIsPathSegment }), ...validateSpec(a)],
    validateUpdate: (a, old) => [...validateObjectMetaUpdate(a.metadata, old.metadata), ...validateSpec(a)],
  },
};
