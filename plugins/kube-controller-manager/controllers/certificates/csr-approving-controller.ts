import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js";
import { controllerFor, isStatusError, type KubeObject, type Manager, type ResourceRegistry } from "../../../../core/index.js";
import { rfc3339 } from "../../../../core/api/time.js";
import { parseCertificateRequest } from "../../../../core/api/builtin/certificates/certificate-request.js";
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER } from "../../../../core/api/builtin/certificates/certificate-signing-request.js";
import { validateKubeletClient } from "./signer-validation.js";
import { CSR_RESOURCE, hasTrueCondition } from "./csr-conditions.js";

/** upstream's recognizers: a node renewing its own client certificate, then any kubelet client certificate (bootstrap). */
const RECOGNIZERS = [
  { subresource: "selfnodeclient", self: true, message: "Auto approving self kubelet client certificate after SubjectAccessReview." },
  { subresource: "nodeclient", self: false, message: "Auto approving kubelet client certificate after SubjectAccessReview." },
] as const;

interface SubjectAccessReview extends KubeObject {
  spec: Record<string, unknown>;
  status?: { allowed?: boolean };
}

/**
 * The CSR approving controller (pkg/controller/certificates/approver, `csrapproving`): approves
 * kubelet client certificate requests (`kubernetes.io/kube-apiserver-client-kubelet`, valid per
 * that signer's rules) whose requester may `create` `certificatesigningrequests/selfnodeclient`
 * (its own node name as CN) or `certificatesigningrequests/nodeclient`, asked with a
 * SubjectAccessReview. Where the API serves no SubjectAccessReview (no authorizer: every
 * authenticated request is allowed) the requester is allowed. It never denies.
 */
export function csrApprovingController(mgr: Manager, registry: ResourceRegistry, workers = 5): void {
  const lister = mgr.informers.forResource<CertificateSigningRequest>(CSR_RESOURCE).lister();
  const csrs = mgr.client.resource<CertificateSigningRequest>(CSR_RESOURCE);
  const allowed = async (csr: CertificateSigningRequest, subresource: string): Promise<boolean> => {
    if (!registry.byGroupVersionResource("authorization.k8s.io", "v1", "subjectaccessreviews")) return true;
    const s = csr.spec;
    const review = await mgr.client.resource<SubjectAccessReview>({ apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview" }).create({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      metadata: {},
      spec: {
        user: s.username, groups: s.groups, uid: s.uid, extra: s.extra,
        resourceAttributes: { group: "certificates.k8s.io", resource: "certificatesigningrequests", verb: "create", subresource, version: "*" },
      },
    });
    return review.status?.allowed === true;
  };
  controllerFor(mgr)
    .named("certificatesigningrequest-approving-controller")
    .for<CertificateSigningRequest>(CSR_RESOURCE)
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const csr = lister.get(req.name);
        if (!csr || csr.status?.certificate || hasTrueCondition(csr, "Approved") || hasTrueCondition(csr, "Denied")) return undefined;
        if (csr.spec.signerName !== KUBE_APISERVER_CLIENT_KUBELET_SIGNER) return undefined;
        const request = parseCertificateRequest(Buffer.from(csr.spec.request, "base64").toString("utf8"));
        if (validateKubeletClient(request, new Set(csr.spec.usages ?? []))) return undefined;
        for (const r of RECOGNIZERS) {
          if (r.self && csr.spec.username !== request.commonName) continue;
          if (!(await allowed(csr, r.subresource))) continue;
          const now = rfc3339(mgr.clock.now());
          const approved = { ...csr, status: { ...csr.status, conditions: [...(csr.status?.conditions ?? []), { type: "Approved", status: "True", reason: "AutoApproved", message: r.message, lastUpdateTime: now }] } };
          try {
            await csrs.updateSubresource(req.name, "approval", approved);
          } catch (err) {
            if (!isStatusError(err, "NotFound")) throw err;
          }
          return undefined;
        }
        return undefined;
      },
    });
}
