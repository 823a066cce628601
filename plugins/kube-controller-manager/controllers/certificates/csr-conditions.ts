import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js";

/** How the certificate controllers name the CSR resource to the client and informers. */
export const CSR_RESOURCE = { apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest" } as const;

/** Whether the request has a condition of `type` with status True (upstream's HasTrueCondition). */
export function hasTrueCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");
}
