import type { CertificateSigningRequest, CertificateSigningRequestCondition } from "kubernetes-types/certificates/v1.js";
import type { KubeObject } from "../../object.js";
import { fieldError, type FieldError } from "../../status.js";
import type { ApiTypeRegistration, StrategyContext } from "../../strategy.js";
import { rfc3339 } from "../../time.js";
import { isDNS1123Subdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { parseCertificateRequest } from "./certificate-request.js";

export type CsrObject = CertificateSigningRequest & KubeObject;

/** The signers Kubernetes defines (`kubernetes.io/...`), which kube-controller-manager's csrsigning controller signs for. */
export const KUBE_APISERVER_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client";
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
export const KUBELET_SERVING_SIGNER = "kubernetes.io/kubelet-serving";
const LEGACY_UNKNOWN_SIGNER = "kubernetes.io/legacy-unknown";

/** Every key usage `spec.usages` accepts (upstream's allValidUsages, sorted as its error lists them). */
export const KEY_USAGES = [
  "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature",
  "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc",
  "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping",
] as const;

const TRUE_ONLY = new Set(["Approved", "Denied", "Failed"]);
const decode = (b64: string | undefined): string => (b64 ? Buffer.from(b64, "base64").toString("utf8") : "");

/** upstream's ValidateSignerName: `<fully qualified domain>/<path>`. */
function validateSignerName(path: string, signerName: string | undefined): FieldError[] {
  if (!signerName) return [fieldError.required(path)];
  const segments = signerName.split("/");
  if (segments.length !== 2) return [fieldError.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain, name] = segments as [string, string];
  const errs: FieldError[] = [];
  if (domain.length > 253) errs.push(fieldError.tooLong(path, 253));
  for (const msg of isDNS1123Subdomain(domain)) errs.push(fieldError.invalid(path, domain, msg));
  if (!domain.includes(".")) errs.push(fieldError.invalid(path, signerName, "should be a domain with at least two segments separated by dots"));
  if (!name) errs.push(fieldError.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
  else if (name.length > 317) errs.push(fieldError.tooLong(path, 317));
  return errs;
}

/** upstream's validateCertificate: PEM CERTIFICATE blocks only, at least one. */
function certificateError(pem: string): string | undefined {
  if (!pem) return undefined;
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
  if (!blocks.length) return "must contain at least one CERTIFICATE PEM block";
  for (const b of blocks) {
    if (b[1] !== "CERTIFICATE") return `only CERTIFICATE PEM blocks are allowed, found "${b[1]}"`;
    if (/^[\w-]+:/m.test(b[2]!)) return "no PEM block headers are permitted";
  }
  return undefined;
}

interface ValidationOptions {
  allowSettingApprovalConditions?: boolean;
  allowSettingCertificate?: boolean;
}

function conditionsOf(csr: CsrObject, type: string): CertificateSigningRequestCondition[] {
  return (csr.status?.conditions ?? []).filter((c) => c.type === type);
}

/** upstream's validateCertificateSigningRequest (v1 rules; compatibility allowances only for data an old object already had). */
function validateCsr(csr: CsrObject, old: CsrObject | undefined): FieldError[] {
  const errs = validateObjectMeta(csr.metadata, { namespaced: false, nameValidator: () => [] });
  const spec = csr.spec ?? ({} as CsrObject["spec"]);
  try {
    parseCertificateRequest(decode(spec.request));
  } catch (err) {
    errs.push(fieldError.invalid("spec.request", spec.request ?? "", (err as Error).message));
  }
  const usages = spec.usages ?? [];
  if (!usages.length) errs.push(fieldError.required("spec.usages"));
  const oldUsages = old?.spec?.usages ?? [];
  const known = new Set<string>(KEY_USAGES);
  if (!oldUsages.some((u) => !known.has(u))) usages.forEach((u, i) => { if (!known.has(u)) errs.push(fieldError.notSupported(`spec.usages[${i}]`, u, KEY_USAGES)); });
  if (new Set(oldUsages).size === oldUsages.length) {
    const seen = new Set<string>();
    usages.forEach((u, i) => {
      if (seen.has(u)) errs.push(fieldError.duplicate(`spec.usages[${i}]`, u));
      seen.add(u);
    });
  }
  if (spec.signerName === LEGACY_UNKNOWN_SIGNER && old?.spec?.signerName !== LEGACY_UNKNOWN_SIGNER) errs.push(fieldError.invalid("spec.signerName", spec.signerName, "the legacy signerName is not allowed via this API version"));
  else errs.push(...validateSignerName("spec.signerName", spec.signerName));
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds < 600) errs.push(fieldError.invalid("spec.expirationSeconds", spec.expirationSeconds, "may not specify a duration less than 600 seconds (10 minutes)"));
  const conditions = csr.status?.conditions ?? [];
  const oldConditions = old?.status?.conditions ?? [];
  const oldTypes = oldConditions.map((c) => c.type);
  const allowBoth = oldTypes.includes("Approved") && oldTypes.includes("Denied");
  const allowDuplicates = new Set(oldTypes).size !== oldTypes.length;
  const allowEmptyType = oldTypes.includes("");
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditions.forEach((c, i) => {
    const path = `status.conditions[${i}]`;
    if (!c.type && !allowEmptyType) errs.push(fieldError.required(`${path}.type`));
    const allowed = TRUE_ONLY.has(c.type) ? ["True"] : ["False", "True", "Unknown"];
    if (!c.status) errs.push(fieldError.required(`${path}.status`));
    else if (!allowed.includes(c.status)) errs.push(fieldError.notSupported(`${path}.status`, c.status, allowed));
    if (!allowBoth) {
      if (c.type === "Approved") {
        approved = true;
        if (denied) errs.push(fieldError.invalid(`${path}.type`, c.type, "Approved and Denied conditions are mutually exclusive"));
      } else if (c.type === "Denied") {
        denied = true;
        if (approved) errs.push(fieldError.invalid(`${path}.type`, c.type, "Approved and Denied conditions are mutually exclusive"));
      }
    }
    if (!allowDuplicates && seen.has(c.type)) errs.push(fieldError.duplicate(`${path}.type`, c.type));
    seen.add(c.type);
  });
  const cert = decode(csr.status?.certificate);
  const certUnchanged = old !== undefined && (csr.status?.certificate ?? "") === (old.status?.certificate ?? "");
  if (!certUnchanged && !(old && certificateError(decode(old.status?.certificate)))) {
    const problem = certificateError(cert);
    if (problem) errs.push(fieldError.invalid("status.certificate", "<certificate data>", problem));
  }
  return errs;
}

/** upstream's validateCertificateSigningRequestUpdate: what each update path may change of the conditions and certificate. */
function validateCsrUpdate(csr: CsrObject, old: CsrObject, opts: ValidationOptions): FieldError[] {
  const errs = validateCsr(csr, old);
  for (const t of ["Approved", "Denied", "Failed"]) {
    if (conditionsOf(csr, t).length < conditionsOf(old, t).length) errs.push(fieldError.forbidden("status.conditions", `updates may not remove a condition of type "${t}"`));
  }
  if (!opts.allowSettingApprovalConditions) {
    for (const t of ["Approved", "Denied"]) {
      const o = conditionsOf(old, t);
      const n = conditionsOf(csr, t);
      if (n.length > o.length) errs.push(fieldError.forbidden("status.conditions", `updates may not add a condition of type "${t}"`));
      else if (n.length === o.length && !semanticEqual(o, n)) errs.push(fieldError.forbidden("status.conditions", `updates may not modify a condition of type "${t}"`));
    }
  }
  if ((csr.status?.certificate ?? "") !== (old.status?.certificate ?? "")) {
    if (!opts.allowSettingCertificate) errs.push(fieldError.forbidden("status.certificate", "updates may not set certificate content"));
    else if (old.status?.certificate) errs.push(fieldError.forbidden("status.certificate", "updates may not modify existing certificate content"));
  }
  return [...errs, ...validateObjectMetaUpdate(csr.metadata, old.metadata)];
}

/** upstream's populateConditionTimestamps: lastUpdateTime now when unset; lastTransitionTime kept from an old condition of the same type and status. */
function populateConditionTimestamps(csr: CsrObject, old: CsrObject, ctx: StrategyContext): void {
  const conditions = csr.status?.conditions;
  if (!conditions?.length) return;
  const now = rfc3339(ctx.clock.now());
  csr.status!.conditions = conditions.map((c) => {
    const lastTransitionTime = c.lastTransitionTime ?? old.status?.conditions?.find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime)?.lastTransitionTime ?? now;
    return { ...c, lastUpdateTime: c.lastUpdateTime ?? now, lastTransitionTime };
  });
}

/** certificates.k8s.io/v1 CertificateSigningRequest, with the status and approval subresources' update rules. */
export const CERTIFICATE_SIGNING_REQUEST: ApiTypeRegistration<CsrObject> = {
  descriptor: {
    group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest", plural: "certificatesigningrequests", singular: "certificatesigningrequest",
    listKind: "CertificateSigningRequestList", namespaced: false, shortNames: ["csr"], categories: [], subresources: ["status", "approval"],
  },
  strategy: {
    defaults(csr) {
      // SetDefaults_CertificateSigningRequestCondition: a condition without a status is True.
      const conditions = csr.status?.conditions;
      if (conditions?.some((c) => !c.status)) csr.status!.conditions = conditions.map((c) => (c.status ? c : { ...c, status: "True" }));
    },
    prepareForCreate(csr) {
      csr.status = {};
    },
    recordRequester(csr, user) {
      // The requester is who created the object, whatever the body said.
      const spec = (csr.spec ??= {} as CsrObject["spec"]);
      delete spec.username;
      delete spec.uid;
      delete spec.groups;
      delete spec.extra;
      if (!user) return;
      spec.username = user.username;
      if (user.uid) spec.uid = user.uid;
      if (user.groups.length) spec.groups = [...user.groups];
      if (user.extra && Object.keys(user.extra).length) spec.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
    },
    prepareForUpdate(csr, old) {
      csr.spec = old.spec;
      csr.status = old.status;
    },
    prepareForStatusUpdate(csr, old, ctx) {
      csr.spec = old.spec;
      // Approved and Denied conditions are the approval subresource's: kept as they were.
      const kept = (csr.status?.conditions ?? []).filter((c) => c.type !== "Approved" && c.type !== "Denied");
      const approvals = (old.status?.conditions ?? []).filter((c) => c.type === "Approved" || c.type === "Denied");
      if (kept.length || approvals.length) (csr.status ??= {}).conditions = [...kept, ...approvals];
      populateConditionTimestamps(csr, old, ctx);
    },
    validate: (csr) => validateCsr(csr, undefined),
    validateUpdate: (csr, old) => validateCsrUpdate(csr, old, {}),
    validateStatusUpdate: (csr, old) => validateCsrUpdate(csr, old, { allowSettingCertificate: true }),
    subresourceUpdates: {
      approval: {
        prepare(csr, old, ctx) {
          const conditions = csr.status?.conditions;
          csr.status = { ...(old.status ?? {}) };
          if (conditions) csr.status.conditions = conditions;
          else delete csr.status.conditions;
          csr.spec = old.spec;
          populateConditionTimestamps(csr, old, ctx);
        },
        validate: (csr, old) => validateCsrUpdate(csr, old, { allowSettingApprovalConditions: true }),
      },
    },
    fieldSelectors: { "spec.signerName": (csr) => csr.spec?.signerName },
  },
};
