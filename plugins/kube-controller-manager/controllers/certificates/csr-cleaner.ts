import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js";
import { isStatusError, type Manager } from "../../../../core/index.js";
import { X509Certificate } from "node:crypto";
import { CSR_RESOURCE, hasTrueCondition } from "./csr-conditions.js";

const HOUR = 3_600_000;

/**
 * Whether a request is past its keeping (upstream's csrcleaner): approved or denied or failed
 * ones an hour after their condition, pending ones after 24 hours, issued ones once the
 * certificate expired (wall time, as the certificate is checked).
 */
export function isGarbage(csr: CertificateSigningRequest, now: number, wallNow: number): boolean {
  const since = (type: string): number | undefined => {
    const c = csr.status?.conditions?.find((x) => x.type === type && x.status === "True");
    const t = c?.lastUpdateTime ?? c?.lastTransitionTime;
    return t ? Date.parse(t) : c ? Date.parse(csr.metadata?.creationTimestamp ?? "") : undefined;
  };
  const pem = csr.status?.certificate ? Buffer.from(csr.status.certificate, "base64").toString("utf8") : "";
  if (pem) {
    try {
      if (Date.parse(new X509Certificate(pem).validTo) < wallNow) return true;
    } catch {
      // an unparsable certificate is kept until the other rules apply
    }
  }
  for (const t of ["Approved", "Denied", "Failed"]) {
    const at = since(t);
    if (at !== undefined && now - at > HOUR) return true;
  }
  if (!hasTrueCondition(csr, "Approved") && !hasTrueCondition(csr, "Denied") && !hasTrueCondition(csr, "Failed")) {
    return now - Date.parse(csr.metadata?.creationTimestamp ?? "") > 24 * HOUR;
  }
  return false;
}

/** The CSR cleaner (`csrcleaner`): every hour deletes the requests {@link isGarbage} finds. */
export function csrCleaner(mgr: Manager, wallClock: () => number = Date.now): void {
  const informer = mgr.informers.forResource<CertificateSigningRequest>(CSR_RESOURCE);
  const csrs = mgr.client.resource<CertificateSigningRequest>(CSR_RESOURCE);
  mgr.add({
    name: "certificatesigningrequest-cleaner-controller",
    needLeaderElection: true,
    async start(signal) {
      const sweep = async (): Promise<void> => {
        for (const csr of informer.lister().list()) {
          if (!isGarbage(csr, mgr.clock.now(), wallClock())) continue;
          await csrs.delete(csr.metadata!.name!).catch((err: unknown) => {
            if (!isStatusError(err, "NotFound")) throw err;
          });
        }
      };
      const timer = mgr.clock.setInterval(() => void sweep().catch(() => undefined), HOUR);
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      mgr.clock.clearInterval(timer);
    },
  });
}
