import type { Clock } from "../clock/clock.js";
import type { KubeObject } from "../api/object.js";
import type { RegisteredType } from "../api/resource-registry.js";
import { internalError } from "../api/status.js";
import type { Client, DeleteOptions, WriteOptions } from "../client/client.js";
import type { AdmissionContext, AdmissionListers, AdmissionOperation, AdmissionPlugin, AdmissionRequest } from "./admission.js";
import type { RequestContext } from "./api-server-contract.js";

type Phase = "admit" | "validate";
type Hook = (request: AdmissionRequest, ctx: AdmissionContext) => void | Promise<void>;

/**
 * Runs admission for the API server: every plugin's `admit` (mutating) in order, then, in a
 * separate call, every `validate`. Plugins are read on each request, so plugins loaded later
 * take part. Only plugins that declare they look at the request's operation, resource and
 * subresource run (the selection is cached per request kind); the request object is built only
 * if one does, and a hook that answers synchronously is not awaited.
 */
export class AdmissionChain {
  private client: Client | undefined;
  private listers: AdmissionListers | undefined;
  /** The context every hook receives (rebuilt when the client or listers are set). */
  private context: AdmissionContext | undefined;
  /** The plugin list the cached selections were made from. */
  private selectedFrom: readonly AdmissionPlugin[] = [];
  /** The hooks that look at each phase, type, operation and subresource (no key string is built per request). */
  private selections = newSelections();
  /** Each phase's last selection: writes come in runs of one kind (a component's Events, a kubelet's status patches), which then need no lookup. */
  private readonly last: Record<Phase, LastSelection> = { admit: newLastSelection(), validate: newLastSelection() };
  /**
   * The last request built and what it was built from: a write's validating phase is asked with
   * the very arguments of its mutating phase (the same draft, stored object, options and request
   * context), so both phases share one request, as upstream's admission attributes are built once
   * per request. Plugins never replace a request's members (they edit the draft and append warnings).
   */
  private lastRequest: { req: AdmissionRequest; op: AdmissionOperation; type: RegisteredType; subresource: string | undefined; obj: KubeObject | undefined; old: KubeObject | undefined; options: WriteOptions | DeleteOptions; ctx: RequestContext } | undefined;

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

  /** The mutating phase: every plugin's `admit`, in order. Nothing to await when no hook needed to. */
  admit(op: AdmissionOperation, type: RegisteredType, subresource: string | undefined, obj: KubeObject | undefined, old: KubeObject | undefined, options: WriteOptions | DeleteOptions, ctx: RequestContext): Promise<void> | undefined {
    return this.run("admit", op, type, subresource, obj, old, options, ctx);
  }

  /** The validating phase: every plugin's `validate`, in order. Nothing to await when no hook needed to. */
  validate(op: AdmissionOperation, type: RegisteredType, subresource: string | undefined, obj: KubeObject | undefined, old: KubeObject | undefined, options: WriteOptions | DeleteOptions, ctx: RequestContext): Promise<void> | undefined {
    return this.run("validate", op, type, subresource, obj, old, options, ctx);
  }

  private run(phase: Phase, op: AdmissionOperation, type: RegisteredType, subresource: string | undefined, obj: KubeObject | undefined, old: KubeObject | undefined, options: WriteOptions | DeleteOptions, ctx: RequestContext): Promise<void> | undefined {
    const hooks = this.hooks(phase, op, type, subresource ?? "");
    if (hooks.length === 0) return undefined;
    const last = this.lastRequest;
    let req: AdmissionRequest;
    if (last !== undefined && last.ctx === ctx && last.obj === obj && last.old === old && last.type === type && last.op === op && last.subresource === subresource && last.options === options) {
      req = last.req;
    } else {
      req = admissionRequest(op, type, subresource, obj, old, options, ctx);
      this.lastRequest = { req, op, type, subresource, obj, old, options, ctx };
    }
    const context = (this.context ??= { client: this.clientOrThrow(), clock: this.clock, ...(this.listers ? { listers: this.listers } : {}) });
    for (let i = 0; i < hooks.length; i++) {
      const pending = hooks[i]!(req, context);
      if (pending) return this.finish(pending, hooks, i + 1, req, context);
    }
    return undefined;
  }

  /** The rest of the chain once a hook went asynchronous. */
  private async finish(pending: Promise<void>, hooks: readonly Hook[], from: number, req: AdmissionRequest, context: AdmissionContext): Promise<void> {
    await pending;
    for (let i = from; i < hooks.length; i++) {
      const next = hooks[i]!(req, context);
      if (next) await next;
    }
  }

  /** The hooks of `phase` that look at this operation, resource and subresource, in chain order. */
  private hooks(phase: Phase, op: AdmissionOperation, type: RegisteredType, subresource: string): readonly Hook[] {
    const plugins = this.plugins();
    if (plugins !== this.selectedFrom && !samePlugins(plugins, this.selectedFrom)) {
      this.selectedFrom = plugins;
      this.selections = newSelections();
      this.last.admit.type = this.last.validate.type = undefined;
    }
    const last = this.last[phase];
    if (last.type === type && last.op === op && last.subresource === subresource) return last.hooks;
    const byType = this.selections[phase];
    let byOperation = byType.get(type);
    if (!byOperation) byType.set(type, (byOperation = new Map()));
    let bySubresource = byOperation.get(op);
    if (!bySubresource) byOperation.set(op, (bySubresource = new Map()));
    let hooks = bySubresource.get(subresource);
    if (!hooks) {
      const { group, plural } = type.descriptor;
      const resource = group ? `${plural}.${group}` : plural;
      const selected: Hook[] = [];
      for (const p of plugins) {
        const hook = p[phase];
        if (!hook || (p.operations && !p.operations.includes(op))) continue;
        if (p.resources && !p.resources.includes(resource)) continue;
        if (p.subresources && !p.subresources.includes(subresource)) continue;
        selected.push(hook.bind(p));
      }
      bySubresource.set(subresource, (hooks = selected));
    }
    last.type = type;
    last.op = op;
    last.subresource = subresource;
    last.hooks = hooks;
    return hooks;
  }

  private clientOrThrow(): Client {
    if (!this.client) throw internalError("admission client not configured");
    return this.client;
  }
}

/** Hook selections of each phase: by type, then operation, then subresource. */
type Selections = Record<Phase, WeakMap<RegisteredType, Map<AdmissionOperation, Map<string, readonly Hook[]>>>>;

function newSelections(): Selections {
  return { admit: new WeakMap(), validate: new WeakMap() };
}

/** One phase's last selection (`type` undefined: none). */
interface LastSelection {
  type: RegisteredType | undefined;
  op: AdmissionOperation;
  subresource: string;
  hooks: readonly Hook[];
}

function newLastSelection(): LastSelection {
  return { type: undefined, op: "CREATE", subresource: "", hooks: [] };
}

/** Whether two plugin lists hold the same plugins in the same order (a plugin source may hand out a fresh array each time). */
function samePlugins(a: readonly AdmissionPlugin[], b: readonly AdmissionPlugin[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
