import { fieldError, invalidOptions, type FieldError } from "../../api/status.js";

/**
 * kube-apiserver's check of a list or watch request's options (metainternalversion's
 * `SetListOptionsDefaults` then `ValidateListOptions`, with the WatchList feature on as in 1.32):
 * a legacy watch (resourceVersion "" or "0", neither sendInitialEvents nor resourceVersionMatch)
 * counts as `sendInitialEvents=true&resourceVersionMatch=NotOlderThan`; the combinations upstream
 * forbids answer `422 ListOptions.meta.k8s.io "" is invalid: ...` with one cause each.
 */
export function validateListQuery(query: URLSearchParams, watch: boolean, sendInitialEvents: boolean | undefined): void {
  const rv = query.get("resourceVersion") ?? "";
  const cont = query.get("continue") ?? "";
  let match = query.get("resourceVersionMatch") ?? "";
  let initial = sendInitialEvents;
  if (watch && initial === undefined && !match && (rv === "" || rv === "0")) {
    initial = true;
    match = "NotOlderThan";
  }
  const errors: FieldError[] = [];
  const forbidden = (detail: string): number => errors.push(fieldError.forbidden("resourceVersionMatch", detail));
  if (watch) {
    if (initial !== undefined && match !== "NotOlderThan") forbidden("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
    if (match) {
      if (initial === undefined) forbidden("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
      if (match !== "NotOlderThan") errors.push(fieldError.notSupported("resourceVersionMatch", match, ["NotOlderThan"]));
      if (cont) forbidden("resourceVersionMatch is forbidden when continue is provided");
    }
  } else {
    if (match) {
      if (!rv) forbidden("resourceVersionMatch is forbidden unless resourceVersion is provided");
      if (cont) forbidden("resourceVersionMatch is forbidden when continue is provided");
      if (match !== "Exact" && match !== "NotOlderThan") errors.push(fieldError.notSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]));
      if (match === "Exact" && rv === "0") forbidden('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
    if (initial !== undefined) errors.push(fieldError.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  }
  if (errors.length) throw invalidOptions("ListOptions", errors);
}
