import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js";
import { controllerFor, isStatusError, type Manager } from "../../../../core/index.js";
import { rfc3339 } from "../../../../core/api/time.js";
import { parseCertificateRequest } from "../../../../core/api/builtin/certificates/certificate-request.js";
import { issueCertificate, type SigningCa } from "./certificate-authority.js";
import { KUBERNETES_SIGNERS } from "./signer-validation.js";
import { hasTrueCondition, CSR_RESOURCE } from "./csr-conditions.js";

export interface CsrSigningOptions {
  /** The cluster CA, read at each signature (it may change when the cluster starts serving HTTPS). */
  ca: () => Promise<SigningCa>;
  /** `--cluster-signing-duration`: the longest validity handed out (default 8760 h, one year). */
  durationMs?: number;
  workers?: number;
  /** Certificates are checked by real TLS stacks against wall time (default Date.now). */
  wallClock?: () => number;
}

/** `spec.expirationSeconds` honoured between 10 minutes and the signer's duration (upstream's signer.duration). */
function validityMs(expirationSeconds: number | undefined, maxMs: number): number {
  if (expirationSeconds === undefined) return maxMs;
  return Math.min(maxMs, Math.max(600_000, expirationSeconds * 1000));
}

/**
 * The CSR signing controller (pkg/controller/certificates/signer): signs approved requests for the
 * kubernetes.io signers (kube-apiserver-client, kube-apiserver-client-kubelet, kubelet-serving)
 * with the cluster CA. A request that does not meet its signer's rules gets a `Failed` condition
 * (reason `SignerValidationFailure`) instead of a certificate; requests for other signers, not
 * approved, failed or already issued are left alone.
 */
export function csrSigningController(mgr: Manager, options: CsrSigningOptions): void {
  const lister = mgr.informers.forResource<CertificateSigningRequest>(CSR_RESOURCE).lister();
  const csrs = mgr.client.resource<CertificateSigningRequest>(CSR_RESOURCE);
  const maxMs = options.durationMs ?? 8760 * 3_600_000;
  const wall = options.wallClock ?? Date.now;
  controllerFor(mgr)
    .named("certificatesigningrequest-signing-controller")
    .for<CertificateSigningRequest>(CSR_RESOURCE)
    .withOptions({ maxConcurrentReconciles: options.workers ?? 5 })
    .complete({
      async reconcile(req) {
        const csr = lister.get(req.name);
        if (!csr || csr.status?.certificate || !hasTrueCondition(csr, "Approved") || hasTrueCondition(csr, "Failed")) return undefined;
        const check = KUBERNETES_SIGNERS.get(csr.spec.signerName);
        if (!check) return undefined;
        const request = parseCertificateRequest(Buffer.from(csr.spec.request, "base64").toString("utf8"));
        const usages = csr.spec.usages ?? [];
        const problem = check(request, usages);
        const now = rfc3339(mgr.clock.now());
        const status = problem
          ? { ...csr.status, conditions: [...(csr.status?.conditions ?? []), { type: "Failed", status: "True", reason: "SignerValidationFailure", message: problem, lastUpdateTime: now }] }
          : { ...csr.status, certificate: Buffer.from(issueCertificate(await options.ca(), request, { usages, ttlMs: validityMs(csr.spec.expirationSeconds, maxMs), now: wall() })).toString("base64") };
        try {
          await csrs.updateStatus({ ...csr, status });
        } catch (err) {
          if (!isStatusError(err, "NotFound")) throw err;
        }
        return undefined;
      },
    });
}
