/** gRPC status codes a CRI call fails with (the subset runtimes use). */
export type CriCode = "NotFound" | "AlreadyExists" | "InvalidArgument" | "FailedPrecondition" | "DeadlineExceeded" | "Unavailable" | "Unimplemented" | "ResourceExhausted" | "Unknown";

/**
 * A failed CRI call, printed as gRPC prints it (`rpc error: code = NotFound desc = ...`), which is
 * what the kubelet puts in container status messages and events.
 */
export class CriError extends Error {
  override readonly name = "CriError";
  constructor(
    readonly code: CriCode,
    readonly desc: string,
  ) {
    super(`rpc error: code = ${code} desc = ${desc}`);
  }
}

export function isCriError(err: unknown, code?: CriCode): err is CriError {
  return err instanceof CriError && (code === undefined || err.code === code);
}
