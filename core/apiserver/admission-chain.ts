import type { Clock } from "../clock/clock.js";
import type { KubeObject } from "../api/object.js";
import type { RegisteredType } from "../api/resource-registry.js";
import { internalError } from "../api/status.js";
import type { Client, DeleteOptions, WriteOptions } from "../client/client.js";
import type { AdmissionContext, AdmissionListers, AdmissionOperation, AdmissionPlugin, AdmissionRequest } from "./admission.js";
import type { RequestContext } from "./api-server-contract.js";

/**
 * Runs admission for the API server: every plugin's `admit` (mutating) in order, then, in a
 * separate call, every `validate`. Plugins are read on each request, so plugins loaded later
 * take part. The request object is built only if some plugin looks at the operation.
 */
export class AdmissionChain {
  private client: Client | undefined;
  private listers: AdmissionListers | undefined;
  /** The context every hook receives (rebuilt when the client or listers are set). */
  private context: AdmissionContext | undefined;

  constructor(private readonly plugins: () => readonly AdmissionPlugin[], private readonly clock: Clock) {}

  /** The client plugins read through (the in-process client, set once it exists). */
  setClient(client: Client): void {
    this.client = client;
    this.context = undefined;
  }

  /** The API server's informer caches plugins read instead of listing (see AdmissionListers). */
  setListers(listers: AdmissionListers): void {
    this.listers = listers;
    this.context = undefined;
  }

  /** The mutating phase: every plugin's `admit`, in order. */
  admit(op: AdmissionOperation, type: RegisteredType, subresource: string | undefined, obj: KubeObject | undefined, old: KubeObject | undefined, options: WriteOptions | DeleteOptions, ctx: RequestContext): Promise<void> {
    return this.run("admit", op, type, subresource, obj, old, options, ctx);
  }

  /** The validating phase: every plugin's `validate`, in order. */
  validate(op: AdmissionOperation, type: RegisteredType, subresource: string | undefined, obj: KubeObject | undefined, old: KubeObject | undefined, options: WriteOptions | DeleteOptions, ctx: RequestContext): Promise<void> {
    return this.run("validate", op, type, subresource, obj, old, options, ctx);
  }

  private async run(phase: "admit" | "validate", op: AdmissionOperation, type: RegisteredType, subresource: string | undefined, obj: KubeObject | undefined, old: KubeObject | undefined, options: WriteOptions | DeleteOptions, ctx: RequestContext): Promise<void> {
    let req: AdmissionRequest | undefined;
    for (const p of this.plugins()) {
      const hook = p[phase];
      if (!hook || (p.operations && !p.operations.includes(op))) continue;
      req ??= admissionRequest(op, type, subresource, obj, old, options, ctx);
      this.context ??= { client: this.clientOrThrow(), clock: this.clock, ...(this.listers ? { listers: this.listers } : {}) };
      await hook.call(p, req, this.context);
    }
  }

  private clientOrThrow(): Client {
    if (!this.client) throw internalError("admission client not configured");
    return this.client;
  }
}

/** The attributes of one request as admission sees them. */
function admissionRequest(op: AdmissionOperation, type: RegisteredType, subresource: string | undefined, obj: KubeObject | undefined, old: KubeObject | undefined, options: WriteOptions | DeleteOptions, ctx: RequestContext): AdmissionRequest {
  const subject = obj ?? old;
  const req: AdmissionRequest = { operation: op, resource: type.descriptor, dryRun: !!options.dryRun?.includes("All") };
  if (subresource) req.subresource = subresource;
  if (subject?.metadata?.namespace) req.namespace = subject.metadata.namespace;
  if (subject?.metadata?.name) req.name = subject.metadata.name;
  if (obj) req.object = obj;
  if (old) req.oldObject = old;
  if (ctx.user) req.user = ctx.user;
  req.warnings = ctx.warnings ??= [];
  return req;
}
