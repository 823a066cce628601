import type { KubeObject } from "../../api/object.js";
import type { AdmissionRequest } from "../admission.js";

/** `admission.k8s.io/v1` AdmissionRequest (the body of an AdmissionReview's `request`). */
export interface AdmissionReviewRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  requestKind: { group: string; version: string; kind: string };
  requestResource: { group: string; version: string; resource: string };
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  userInfo: { username: string; uid?: string; groups?: readonly string[]; extra?: Readonly<Record<string, readonly string[]>> };
  object: KubeObject | null;
  oldObject: KubeObject | null;
  dryRun: boolean;
  options: Record<string, unknown> | null;
}

const OPTIONS_KIND: Record<string, string> = { CREATE: "CreateOptions", UPDATE: "UpdateOptions", DELETE: "DeleteOptions" };

/** What a webhook (and a policy's `request` variable) is told about one admission request. */
export function admissionReviewRequest(req: AdmissionRequest, uid: string): AdmissionReviewRequest {
  const d = req.resource;
  const kind = { group: d.group, version: d.version, kind: d.kind };
  const resource = { group: d.group, version: d.version, resource: d.plural };
  const optionsKind = OPTIONS_KIND[req.operation];
  return {
    uid,
    kind,
    resource,
    ...(req.subresource ? { subResource: req.subresource, requestSubResource: req.subresource } : {}),
    requestKind: kind,
    requestResource: resource,
    ...(req.name ? { name: req.name } : {}),
    ...(req.namespace ? { namespace: req.namespace } : {}),
    operation: req.operation,
    userInfo: req.user ? { username: req.user.username, ...(req.user.uid ? { uid: req.user.uid } : {}), groups: req.user.groups, ...(req.user.extra ? { extra: req.user.extra } : {}) } : { username: "" },
    object: req.operation === "DELETE" ? null : req.object ?? null,
    oldObject: req.oldObject ?? null,
    dryRun: req.dryRun,
    options: optionsKind ? { apiVersion: "meta.k8s.io/v1", kind: optionsKind, ...(req.dryRun ? { dryRun: ["All"] } : {}) } : null,
  };
}
