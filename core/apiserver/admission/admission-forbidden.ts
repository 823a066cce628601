import type { StatusCause } from "kubernetes-types/meta/v1.js";
import { forbidden, type StatusError } from "../../api/status.js";
import type { AdmissionRequest } from "../admission.js";

/**
 * `admission.NewForbidden`: `<resource> "<name>" is forbidden: <why>` (403). The name is the
 * request's, else the object's name, else its generateName, else "Unknown" — the name an object
 * has before name generation runs.
 */
export function admissionForbidden(request: AdmissionRequest, why: string, causes?: StatusCause[]): StatusError {
  const meta = request.object?.metadata;
  const name = request.name || meta?.name || meta?.generateName || "Unknown";
  const err = forbidden(request.resource, name, why);
  if (causes && err.status.details) err.status.details.causes = causes;
  return err;
}

/** Joins several errors as `utilerrors.NewAggregate` prints them: one alone, several as `[a, b]`. */
export function aggregateMessage(messages: readonly string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(", ")}]`;
}
