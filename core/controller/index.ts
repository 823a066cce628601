/** Controller runtime: reconcilers, the builder, controllers, the manager and leader election (after controller-runtime). */
export { TerminalError, reconcilerFunc, requestKey, requestFromKey, type Reconciler, type Request, type ReconcileContext, type ReconcileResult } from "./reconciler.js";
export { Controller, type ControllerOptions, type WatchSource } from "./controller.js";
export { ControllerBuilder, controllerFor, type BuilderOptions, type WatchOptions, type OwnsOptions } from "./builder.js";
export { Manager, type ManagerOptions, type ManagerLeaderElectionOptions } from "./manager.js";
export type { Runnable } from "./runnable.js";
export { generationChanged, labelChanged, annotationChanged, resourceVersionChanged, and, or, not, predicateFor, type Predicate } from "./predicates.js";
export { enqueueRequestForObject, enqueueRequestForOwner, enqueueRequestsFromMapFunc, type EnqueueHandler, type GroupKind } from "./enqueue-handlers.js";
export { Controllers, type ControllerRegistration } from "./extension-point.js";
export {
  LeaderElector,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  LEADER_ELECTION_JITTER_FACTOR,
  type LeaderElectionConfig,
  type LeaderCallbacks,
} from "./leader-election/leader-elector.js";
export { LeaseLock, type LeaderElectionRecord } from "./leader-election/lease-lock.js";
