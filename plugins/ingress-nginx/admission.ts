import type { Ingress, IngressClass } from "kubernetes-types/networking/v1.js";
import { parseAnnotations } from "./annotations.js";

/** The controller's validating webhook, as its ValidatingWebhookConfiguration names it (the API server quotes it in refusals). */
export const WEBHOOK_NAME = "validate.nginx.ingress.kubernetes.io";
export const CONTROLLER_CLASS = "k8s.io/ingress-nginx";
export const CLASS_NAME = "nginx";
const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

/** Paths Exact and Prefix may use under ingress-nginx's strict path validation (regex characters are refused). */
const STRICT_PATH = /^\/[A-Za-z0-9_\-/.~]*$/;

/** Whether the controller owns `ing`: its class names ours, or it names none and ours is the default. */
export function isOurs(ing: Ingress, classes: readonly IngressClass[]): boolean {
  const legacy = ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  const name = ing.spec?.ingressClassName ?? legacy;
  const ours = classes.filter((c) => c.spec?.controller === CONTROLLER_CLASS);
  if (name !== undefined) return name === CLASS_NAME || ours.some((c) => c.metadata?.name === name);
  return ours.some((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
}

/** The checks the controller's webhook makes, as messages (empty: accepted). */
export function ingressProblems(ing: Ingress, others: readonly Ingress[]): string[] {
  const problems: string[] = [];
  let annotations;
  try {
    annotations = parseAnnotations(ing.metadata?.annotations);
  } catch (err) {
    return [(err as Error).message];
  }
  const invalid: string[] = [];
  for (const rule of ing.spec?.rules ?? []) {
    for (const p of rule.http?.paths ?? []) {
      const path = p.path ?? "/";
      if ((p.pathType === "Exact" || p.pathType === "Prefix") && !STRICT_PATH.test(path)) invalid.push(`path ${path} cannot be used with pathType ${p.pathType}`);
      if (annotations.useRegex && p.pathType !== "Exact") {
        try {
          new RegExp(`^${path}`, "i");
        } catch {
          invalid.push(`path ${path} is not a valid regular expression`);
        }
      }
    }
  }
  if (invalid.length) problems.push(`ingress contains invalid paths: ${invalid.join("; ")}`);
  if (!annotations.canary) {
    const self = `${ing.metadata?.namespace}/${ing.metadata?.name}`;
    for (const rule of ing.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        // A resource backend is skipped (no location), as the webhook's overlap check skips it.
        if (!p.backend?.service) continue;
        const host = rule.host ?? "";
        // Whatever the pathTypes: the webhook compares host and path only.
        const path = p.path || "/";
        for (const other of others) {
          const key = `${other.metadata?.namespace}/${other.metadata?.name}`;
          if (key === self || other.metadata?.annotations?.["nginx.ingress.kubernetes.io/canary"] === "true") continue;
          const clash = (other.spec?.rules ?? []).some((r) => (r.host ?? "") === host && (r.http?.paths ?? []).some((q) => q.backend?.service !== undefined && (q.path || "/") === path));
          if (clash) {
            problems.push(`host "${host || "_"}" and path "${path}" is already defined in ingress ${key}`);
            return problems;
          }
        }
      }
    }
  }
  return problems;
}

/** An AdmissionReview v1 as the API server sends it to the webhook (the parts the controller reads). */
export interface IngressReview {
  apiVersion?: string;
  kind?: string;
  request?: { uid?: string; kind?: { group?: string; version?: string; kind?: string }; name?: string; namespace?: string; object?: Ingress };
}

/**
 * The body of a webhook request as an AdmissionReview: throws when it is not JSON or not a JSON
 * object (the webhook server answers that 400, as upstream's does for a body it cannot decode).
 */
export function decodeReview(body: string): IngressReview {
  const review: unknown = JSON.parse(body);
  if (typeof review !== "object" || review === null || Array.isArray(review)) throw new Error("couldn't get version/kind; json parse error: not an object");
  return review as IngressReview;
}

/**
 * The controller's validating webhook (`validate.nginx.ingress.kubernetes.io`, served by its pods
 * on :8443): answers an AdmissionReview for an Ingress with the review carrying its response —
 * refused (code 400, reason BadRequest, the first problem as message) when the Ingress is of its
 * class and has bad annotations, invalid paths or a host+path another Ingress already serves;
 * allowed otherwise. Resource backends pass: the controller ignores them (see buildRoutingModel).
 * A review that is not about an Ingress is an error (the pod answers it with a 500).
 */
export function reviewIngress(review: IngressReview, classes: readonly IngressClass[], ingresses: readonly Ingress[]): { review: object; problem?: string } {
  const request = review.request;
  const kind = request?.kind;
  if (review.apiVersion !== "admission.k8s.io/v1" || review.kind !== "AdmissionReview" || !request) throw new Error("request is not of type AdmissionReview v1 or v1beta1");
  if (kind?.group !== "networking.k8s.io" || kind.version !== "v1" || kind.kind !== "Ingress") {
    throw new Error(`rejecting admission review because the request does not contain an Ingress resource but ${kind?.group ?? ""}/${kind?.version ?? ""}, Kind=${kind?.kind ?? ""} with name ${request.name ?? ""} in namespace ${request.namespace ?? ""}`);
  }
  const ing = request.object;
  const problem = ing && isOurs(ing, classes) ? ingressProblems(ing, ingresses.filter((o) => isOurs(o, classes)))[0] : undefined;
  const response = problem === undefined
    ? { uid: request.uid, allowed: true }
    : { uid: request.uid, allowed: false, status: { metadata: {}, status: "Failure", message: problem, reason: "BadRequest", code: 400 } };
  return { review: { ...review, response }, ...(problem === undefined ? {} : { problem }) };
}
