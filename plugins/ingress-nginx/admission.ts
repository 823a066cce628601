import type { Ingress, IngressClass } from "kubernetes-types/networking/v1.js";
import { badRequest } from "../../core/api/status.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../../core/apiserver/admission.js";
import { parseAnnotations } from "./annotations.js";

/** The real controller's validating webhook name, which its refusals quote. */
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

function deny(message: string): never {
  throw badRequest(`admission webhook "${WEBHOOK_NAME}" denied the request: ${message}`);
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

/**
 * The controller's validating admission (ingress-nginx's `validate.nginx.ingress.kubernetes.io`
 * webhook, run in-process): an Ingress of its class with bad annotations, invalid paths or a
 * host+path another Ingress already serves is refused with the webhook's message. Resource
 * backends pass, as they do the real webhook: the controller ignores them (see buildRoutingModel).
 */
export const ingressAdmission: AdmissionPlugin = {
  name: "IngressNginxValidation",
  operations: ["CREATE", "UPDATE"],
  async validate(request: AdmissionRequest, ctx: AdmissionContext): Promise<void> {
    if (request.resource.group !== "networking.k8s.io" || request.resource.plural !== "ingresses" || request.subresource) return;
    const ing = request.object as Ingress | undefined;
    if (!ing) return;
    const classes = (await ctx.client.resource<IngressClass>("IngressClass").list()).items;
    if (!isOurs(ing, classes)) return;
    const others = (await ctx.client.resource<Ingress>("Ingress").list()).items.filter((o) => isOurs(o, classes));
    const problems = ingressProblems(ing, others);
    if (problems.length) deny(problems[0]!);
  },
};
