/**
 * The gRPC status codes the CSI spec assigns meanings to (spec.md "Error Scheme"), upper-case as
 * csi.proto's documentation writes them.
 */
export type CsiCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "OUT_OF_RANGE"
  | "UNIMPLEMENTED"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "DEADLINE_EXCEEDED";

/** How grpc-go prints each code (`rpc error: code = NotFound desc = ...`). */
const GRPC_NAMES: Record<CsiCode, string> = {
  INVALID_ARGUMENT: "InvalidArgument",
  NOT_FOUND: "NotFound",
  ALREADY_EXISTS: "AlreadyExists",
  PERMISSION_DENIED: "PermissionDenied",
  RESOURCE_EXHAUSTED: "ResourceExhausted",
  FAILED_PRECONDITION: "FailedPrecondition",
  ABORTED: "Aborted",
  OUT_OF_RANGE: "OutOfRange",
  UNIMPLEMENTED: "Unimplemented",
  INTERNAL: "Internal",
  UNAVAILABLE: "Unavailable",
  DEADLINE_EXCEEDED: "DeadlineExceeded",
};

/**
 * A failed CSI call. Its message is what the gRPC client (the kubelet, a sidecar) prints, so it
 * reads as upstream's events do: `rpc error: code = NotFound desc = volume id 42 does not exist`.
 * Drivers throw it; callers branch on `code` (the spec says which codes are retried, which are
 * final, and which mean "already done").
 */
export class CsiError extends Error {
  override readonly name = "CsiError";
  constructor(
    readonly code: CsiCode,
    readonly desc: string,
  ) {
    super(`rpc error: code = ${GRPC_NAMES[code]} desc = ${desc}`);
  }
}

/** True when `err` is a {@link CsiError} (of `code`, when given). */
export function isCsiError(err: unknown, code?: CsiCode): err is CsiError {
  return err instanceof CsiError && (code === undefined || err.code === code);
}
