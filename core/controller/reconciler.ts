import type { Logger } from "../log/logger.js";

/**
 * What to reconcile: only a name (and namespace for namespaced objects). Reconcilers are
 * level-based: they re-read the world from caches and the client, never trust an event's payload.
 */
export interface Request {
  readonly namespace?: string;
  readonly name: string;
}

/** Context of one reconcile call. */
export interface ReconcileContext {
  /** Aborts when the controller stops; pass it to sleeps and long waits. */
  readonly signal: AbortSignal;
  /** Logger scoped to the controller, carrying the request. */
  readonly log: Logger;
}

/**
 * What a reconcile asks for next (controller-runtime's `reconcile.Result`). Nothing (or `{}`)
 * means done: the key's backoff is forgotten. `requeueAfter` (ms) reconciles the key again after
 * that long (and forgets its backoff); `requeue: true` adds it again rate-limited.
 */
export interface ReconcileResult {
  requeueAfter?: number;
  requeue?: boolean;
}

/**
 * Makes the world match the object named by `request`, as controller-runtime's
 * `reconcile.Reconciler`. Throwing retries the key with rate-limited exponential backoff; throwing
 * a {@link TerminalError} does not retry. A key is never reconciled by two workers at once.
 */
export interface Reconciler {
  reconcile(request: Request, ctx: ReconcileContext): Promise<void | ReconcileResult> | void | ReconcileResult;
}

/** A reconciler from a function. */
export function reconcilerFunc(fn: Reconciler["reconcile"]): Reconciler {
  return { reconcile: fn };
}

/**
 * An error retrying will not fix (invalid spec, unsupported configuration): the controller logs it
 * and forgets the key instead of requeueing it (controller-runtime's `reconcile.TerminalError`).
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalError";
  }
}

/** `namespace/name`, or `name`: how a request is keyed in the work queue. */
export function requestKey(request: Request): string {
  return request.namespace ? `${request.namespace}/${request.name}` : request.name;
}

/** The request a `namespace/name` queue key stands for. */
export function requestFromKey(key: string): Request {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
