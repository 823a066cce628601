import type { CertificateRequest } from "../../../../core/api/builtin/certificates/certificate-request.js";
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER, KUBE_APISERVER_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from "../../../../core/api/builtin/certificates/certificate-signing-request.js";

const sameSet = (a: ReadonlySet<string>, b: readonly string[]): boolean => a.size === b.length && b.every((x) => a.has(x));

/** upstream's ValidateKubeletServingCSR: O=system:nodes, CN=system:node:<name>, DNS or IP SANs only, serving usages. */
export function validateKubeletServing(req: CertificateRequest, usages: ReadonlySet<string>): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== "system:nodes") return "subject organization is not system:nodes";
  if (!req.dnsNames.length && !req.ipAddresses.length) return "DNS or IP subjectAltName is required";
  if (req.emailAddresses.length) return "Email subjectAltNames are not allowed";
  if (req.uris.length) return "URI subjectAltNames are not allowed";
  if (!sameSet(usages, ["digital signature", "key encipherment", "server auth"]) && !sameSet(usages, ["digital signature", "server auth"])) return "usages did not match [digital signature key encipherment server auth]";
  if (!req.commonName.startsWith("system:node:")) return "subject common name does not begin with system:node:";
  return undefined;
}

/** upstream's ValidateKubeletClientCSR: O=system:nodes, CN=system:node:<name>, no SANs, client usages. */
export function validateKubeletClient(req: CertificateRequest, usages: ReadonlySet<string>): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== "system:nodes") return "subject organization is not system:nodes";
  if (req.dnsNames.length) return "DNS subjectAltNames are not allowed";
  if (req.emailAddresses.length) return "Email subjectAltNames are not allowed";
  if (req.ipAddresses.length) return "IP subjectAltNames are not allowed";
  if (req.uris.length) return "URI subjectAltNames are not allowed";
  if (!req.commonName.startsWith("system:node:")) return "subject common name does not begin with system:node:";
  if (!sameSet(usages, ["digital signature", "key encipherment", "client auth"]) && !sameSet(usages, ["digital signature", "client auth"])) return "usages did not match [client auth digital signature key encipherment]";
  return undefined;
}

/** upstream's validAPIServerClientUsages: client auth required; digital signature and key encipherment allowed. */
export function validateApiServerClient(_req: CertificateRequest, usages: readonly string[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === "client auth") clientAuth = true;
    else if (u !== "digital signature" && u !== "key encipherment") return `invalid usage for client certificate: ${u}`;
  }
  return clientAuth ? undefined : "missing required usage for client certificate: client auth";
}

/**
 * The signers kube-controller-manager signs for, each with its request check (upstream's
 * getCSRVerificationFuncForSignerName): an error message fails the request.
 */
export const KUBERNETES_SIGNERS: ReadonlyMap<string, (req: CertificateRequest, usages: readonly string[]) => string | undefined> = new Map([
  [KUBELET_SERVING_SIGNER, (req: CertificateRequest, usages: readonly string[]) => validateKubeletServing(req, new Set(usages))],
  [KUBE_APISERVER_CLIENT_KUBELET_SIGNER, (req: CertificateRequest, usages: readonly string[]) => validateKubeletClient(req, new Set(usages))],
  [KUBE_APISERVER_CLIENT_SIGNER, validateApiServerClient],
]);
