import { StatusError } from "../status.js";

/**
 * A patch that cannot be applied to the object: 422 "the server rejected our request due to an
 * error in our request" with the patch library's message as the cause, exactly as
 * `apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, ...)` builds it.
 */
export function unprocessablePatch(message: string): StatusError {
  return new StatusError({
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: 422, reason: "Invalid",
    message: "the server rejected our request due to an error in our request",
    details: { causes: [{ reason: "UnexpectedServerResponse", message }] },
  });
}
