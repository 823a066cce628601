/** Why an allocator refused: the reasons and texts of Kubernetes' ipallocator/portallocator errors. */
export type AllocationFailure = "NotInRange" | "AlreadyAllocated" | "RangeFull";

/**
 * Thrown by the cluster IP and node port allocators. `message` is the Go error's text
 * (`provided IP is already allocated`, ...); the Service strategy turns it into a FieldError on
 * the right path (`spec.clusterIPs`, `spec.ports[i].nodePort`) or an internal error when full.
 */
export class AllocationError extends Error {
  override readonly name = "AllocationError";
  constructor(readonly failure: AllocationFailure, message: string) {
    super(message);
  }
}

export function isAllocationError(err: unknown): err is AllocationError {
  return err instanceof AllocationError;
}
