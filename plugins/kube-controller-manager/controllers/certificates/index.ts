import type { ControllerContext } from "../../controller-descriptor.js";
import { csrApprovingController } from "./csr-approving-controller.js";
import { csrCleaner } from "./csr-cleaner.js";
import { csrSigningController } from "./csr-signing-controller.js";

export function setupCsrSigning({ mgr, signingCA, options }: ControllerContext): void {
  if (!signingCA) return; // upstream skips the signers without --cluster-signing-cert-file/--cluster-signing-key-file
  csrSigningController(mgr, { ca: signingCA, ...(options.clusterSigningDurationMs ? { durationMs: options.clusterSigningDurationMs } : {}) });
}

export function setupCsrApproving({ mgr, registry }: ControllerContext): void {
  csrApprovingController(mgr, registry);
}

export function setupCsrCleaner({ mgr }: ControllerContext): void {
  csrCleaner(mgr);
}

export { csrSigningController, type CsrSigningOptions } from "./csr-signing-controller.js";
export { csrApprovingController } from "./csr-approving-controller.js";
export { csrCleaner, isGarbage } from "./csr-cleaner.js";
export { issueCertificate, type SigningCa } from "./certificate-authority.js";
