import type { Status } from "kubernetes-types/meta/v1.js";
import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { Logger } from "../log/logger.js";
import { formatApiVersion, type KubeList, type KubeObject } from "../api/object.js";
import { cloneJson, withMember } from "../api/clone.js";
import type { RegisteredType, ResourceRegistry } from "../api/resource-registry.js";
import type { StrategyContext, StrategyServices } from "../api/strategy.js";
import {
  alreadyExists, badRequest, conflict, fieldError, internalError, invalid, invalidOptions, isStatusError, methodNotAllowed,
  notFound, resourceExpired, resourceNotServed, StatusError, type FieldError,
} from "../api/status.js";
import { applyJsonPatch } from "../api/patch/json-patch.js";
import { applyMergePatch } from "../api/patch/merge-patch.js";
import { applyStrategicMergePatch } from "../api/patch/strategic-merge-patch.js";
import { asGoJson } from "../api/patch/go-json.js";
import { zeroShapeFor } from "../api/patch/zero-shape.js";
import type { JsonObject } from "../api/patch/json-value.js";
import { listPrefix, objectStorageKey } from "../store/keys.js";
import { ContinueExpiredError } from "../store/continue-token.js";
import { isStoreError, type Store, type StoreEvent, type StoreWatch } from "../store/store.js";
import type { Client, DeleteOptions, GetOptions, ListOptions, PatchType, Watch, WatchEvent, WatchOptions, WriteOptions } from "../client/client.js";
import type { AdmissionListers, AdmissionPlugin } from "./admission.js";
import type { ApiServerApi, RequestContext } from "./api-server-contract.js";
import { desiredStateChanged, objectChanged } from "./object-diff.js";
import { rfc3339 } from "../api/time.js";
import { customResourceScaleOf, scaleOf, setCustomResourceReplicas } from "./scale.js";
import { filteredEventType } from "./watch-filter.js";
import { awaitFreshness, parseResourceVersion, tooLargeResourceVersion } from "./resource-versions.js";
import { FieldManager } from "./field-manager.js";
import { evictPod } from "./eviction.js";
import { AdmissionChain } from "./admission-chain.js";
import { checkPreconditions, deletedResult, deletionComplete, markForDeletion, validateFinalizerChange } from "./deletion.js";
import { draftOf, keepAllButStatus, keepSystemMeta, pinnedVersion, reshareWithStored, shallowDraft, statusDraftOf, inGoForm, toGoForm, type Draft } from "./draft.js";
import { requestMatcher, requestSelectors, requestTrigger } from "./request-selectors.js";
import { decodeTyped, typeMismatchError } from "./openapi/type-check.js";
import { validateNamespaceFinalizeUpdate } from "../api/builtin/core/namespace.js";
import type { Namespace } from "kubernetes-types/core/v1.js";

export interface ApiServerOptions {
  store: Store;
  registry: ResourceRegistry;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Admission plugins, read on every request (so plugins loaded later take part). */
  admission: () => readonly AdmissionPlugin[];
  /** Allocators used by strategies (cluster IPs, node ports). */
  services?: StrategyServices;
  /** Resource types whose storage key is the bare plural (the built-ins); others use `<group>/<plural>`. */
  isBuiltIn?: (type: RegisteredType) => boolean;
  /** Interval of BOOKMARK events on watches that allow them (default 60 s, as the watch cache). */
  bookmarkIntervalMs?: number;
  /** Serves `serviceaccounts/token` (TokenRequest); without it the subresource is not allowed. */
  tokenRequest?: (namespace: string, name: string, body: KubeObject, ctx: RequestContext) => Promise<KubeObject>;
}

/** Attempts of an unconditional update (no resourceVersion pinned) racing other writers. */
const MAX_UPDATE_ATTEMPTS = 8;

/** Draws of a generated name before a create gives up with AlreadyExists (kube-apiserver's RetryGenerateName). */
const MAX_GENERATE_NAME_ATTEMPTS = 8;

/**
 * The in-process API server: the request pipeline of kube-apiserver over a {@link Store}.
 * Per request: resolve scope → decode/default (strategy) → mutating admission → prepare (strategy)
 * → validate (strategy) → validating admission → store (compare-and-swap). Watches filter store
 * events by label and field selectors the way the watch cache does.
 *
 * Everything returned is the store's immutable object; nothing the caller passes in is mutated.
 */
export class ApiServer implements ApiServerApi {
  readonly registry: ResourceRegistry;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly strategyContext: StrategyContext;
  private readonly fieldManager: FieldManager;
  private readonly admission: AdmissionChain;

  constructor(private readonly options: ApiServerOptions) {
    this.registry = options.registry;
    this.store = options.store;
    this.clock = options.clock;
    this.log = options.log;
    this.strategyContext = { clock: options.clock, random: options.random, services: options.services ?? {} };
    this.fieldManager = new FieldManager(options.clock);
    this.admission = new AdmissionChain(options.admission, options.clock);
  }

  /** The client admission plugins read through (set once the in-process client exists). */
  setAdmissionClient(client: Client): void {
    this.admission.setClient(client);
  }

  /** The server's informer caches admission plugins read instead of listing per request. */
  setAdmissionListers(listers: AdmissionListers): void {
    this.admission.setListers(listers);
  }

  // ---------------------------------------------------------------- reads

  get(type: RegisteredType, namespace: string | undefined, name: string, _options?: GetOptions): Promise<KubeObject> {
    if (type.strategy.computed) return type.strategy.computed.get(name).then((obj) => obj ?? Promise.reject(notFound(type.descriptor, name)));
    let key: string;
    try {
      key = this.key(type, namespace, name);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.store.get(key).then((obj) => (obj ? this.serve(type, obj) : Promise.reject(notFound(type.descriptor, name))));
  }

  async list(type: RegisteredType, namespace: string | undefined, options: ListOptions = {}): Promise<KubeList> {
    if (type.strategy.computed) {
      const d = type.descriptor;
      return { apiVersion: formatApiVersion(d.group, d.version), kind: d.listKind, metadata: {}, items: await type.strategy.computed.list() };
    }
    const { labels, fields } = requestSelectors(type, options.labelSelector, options.fieldSelector);
    const prefix = listPrefix(this.storageResource(type), this.scopeNamespace(type, namespace));
    const limit = options.limit && options.limit > 0 ? options.limit : undefined;
    if (options.continue && options.resourceVersion && options.resourceVersion !== "0") throw badRequest("specifying resource version is not allowed when using continue");
    const minimum = parseResourceVersion(options.resourceVersion);
    if (minimum > this.store.currentRevision()) {
      // Exact asks the store for a revision it has not written; otherwise wait as the watch cache does.
      if (options.resourceVersionMatch === "Exact") throw tooLargeResourceVersion(minimum, this.store.currentRevision(), 0);
      await awaitFreshness(this.store, this.clock, minimum);
    }
    // Exact, or the legacy paged form (limit with a resourceVersion), lists that revision from history (as etcd serves it).
    const exact = minimum > 0 && !options.continue && (options.resourceVersionMatch === "Exact" || (!options.resourceVersionMatch && limit !== undefined));
    let result;
    try {
      result = await this.store.list(prefix, {
        ...(exact ? { revision: minimum } : {}),
        ...(limit ? { limit } : {}),
        ...(options.continue ? { continue: options.continue } : {}),
        ...(labels ? { labelFilter: (l: Readonly<Record<string, string>> | undefined) => labels.matches(l) } : {}),
        ...(fields ? { filter: fields } : {}),
      });
    } catch (err) {
      if (isStoreError(err, "InvalidContinue")) throw badRequest(`invalid continue token: ${err.message}`);
      if (isStoreError(err, "Gone")) {
        const expired = resourceExpired(err.message);
        // The Status's ListMeta carries the token that continues at the latest state (as the etcd3 storage does).
        if (err instanceof ContinueExpiredError) expired.status.metadata = { continue: err.continueToken };
        throw expired;
      }
      throw err;
    }
    const d = type.descriptor;
    const metadata: KubeList["metadata"] = { resourceVersion: String(result.revision) };
    if (result.continue) metadata.continue = result.continue;
    if (result.remainingItemCount !== undefined && result.continue) metadata.remainingItemCount = result.remainingItemCount;
    const apiVersion = formatApiVersion(d.group, d.version);
    const convert = type.strategy.convertAsync;
    // A webhook converts the whole list in one ConversionReview.
    const items = !d.storageVersion ? result.items : convert ? [...(await convert(result.items, apiVersion))] : result.items.map((o) => this.served(type, o));
    return { apiVersion, kind: d.listKind, metadata, items };
  }

  async watch(type: RegisteredType, namespace: string | undefined, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<Watch> {
    const matches = requestMatcher(type, options.labelSelector, options.fieldSelector);
    const prefix = listPrefix(this.storageResource(type), this.scopeNamespace(type, namespace));
    const d = type.descriptor;
    const apiVersion = formatApiVersion(d.group, d.version);
    let storeWatch: StoreWatch | undefined;
    let timeout: ReturnType<Clock["setTimeout"]> | undefined;
    let bookmarks: ReturnType<Clock["setInterval"]> | undefined;
    let finished = false;
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    let lastRevision = 0;
    /** Events waiting for their conversion (webhook-converted types only), delivered in order. */
    let converting: Promise<void> | undefined;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      storeWatch?.stop();
      this.clock.clearTimeout(timeout);
      this.clock.clearInterval(bookmarks);
      resolveDone();
    };
    /** A BOOKMARK at `revision` (default: the latest revision; store events reach the watch synchronously, so none is pending when a timer fires). */
    const bookmark = (annotations?: Record<string, string>, revision = Math.max(lastRevision, this.store.currentRevision())): void => {
      const metadata: Record<string, unknown> = { resourceVersion: String(revision) };
      if (annotations) metadata["annotations"] = annotations;
      onEvent({ type: "BOOKMARK", object: { apiVersion, kind: d.kind, metadata } });
    };

    // sendInitialEvents unset with resourceVersion "" or "0" is the legacy watch, which the server
    // defaults to sendInitialEvents=true (SetListOptionsDefaults); with another resourceVersion it
    // replays what came after it. sendInitialEvents=false starts at that revision, "now" for ""/"0".
    const requested = parseResourceVersion(options.resourceVersion);
    const initialEvents = options.sendInitialEvents ?? requested === 0;
    let from: number;
    if (initialEvents) {
      // The state at a revision not older than the one asked for (waiting for the store to reach it), as ADDED events.
      await awaitFreshness(this.store, this.clock, requested);
      const initial = await this.list(type, namespace, { ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}), ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}) });
      from = Number(initial.metadata.resourceVersion);
      for (const item of initial.items) onEvent({ type: "ADDED", object: item });
      lastRevision = from;
      // At the state's revision: changes written since arrive after it.
      if (options.allowWatchBookmarks) bookmark({ "k8s.io/initial-events-end": "true" }, from);
    } else {
      // A revision the store has not reached yet is simply waited for: only later events are sent.
      from = requested === 0 ? this.store.currentRevision() : requested;
    }
    try {
      const trigger = requestTrigger(type, options.fieldSelector);
      storeWatch = this.store.watch(prefix, { revision: from, ...(trigger ? { trigger } : {}) }, (event: StoreEvent) => {
        if (finished) return;
        lastRevision = event.revision;
        const kind = matches ? filteredEventType(event, matches) : event.type;
        if (!kind) return;
        const object = this.serve(type, event.object);
        if (!(object instanceof Promise) && !converting) {
          onEvent({ type: kind, object });
          return;
        }
        converting = (converting ?? Promise.resolve()).then(() => object).then(
          (converted) => {
            if (!finished) onEvent({ type: kind, object: converted });
          },
          (err: unknown) => {
            // As the watch cache does with an object it cannot decode: an ERROR event ends the watch.
            if (finished) return;
            const status = err instanceof StatusError ? err : internalError(err instanceof Error ? err.message : String(err));
            onEvent({ type: "ERROR", object: status.status as unknown as KubeObject });
            finish();
          },
        );
      });
    } catch (err) {
      if (!isStoreError(err, "Gone")) throw err;
      onEvent({ type: "ERROR", object: resourceExpired(err.message).status as unknown as KubeObject });
      finish();
      return { stop: finish, done };
    }
    if (options.timeoutSeconds && options.timeoutSeconds > 0) timeout = this.clock.setTimeout(finish, options.timeoutSeconds * 1000);
    if (options.allowWatchBookmarks) bookmarks = this.clock.setInterval(() => bookmark(), this.options.bookmarkIntervalMs ?? 60_000);
    return { stop: finish, done };
  }

  // ---------------------------------------------------------------- create

  // The entry points that only hand on to an async method are not async themselves: an async
  // wrapper would add its own promise, frame and two microtask hops to every request. They never
  // throw: what their own checks refuse comes back as a rejected promise, as from an async method.

  create(type: RegisteredType, namespace: string | undefined, body: KubeObject, options: WriteOptions = {}, ctx: RequestContext = {}): Promise<KubeObject> {
    return this.createObject(type, namespace, body, options, ctx, false);
  }

  /** The create pipeline; `managedByApply` when server-side apply already recorded field ownership. */
  private async createObject(type: RegisteredType, namespace: string | undefined, body: KubeObject, options: WriteOptions, ctx: RequestContext, managedByApply: boolean): Promise<KubeObject> {
    // Put in its Go form once, before it is stored (field tracking reads it as its Go value already).
    body = this.checkBody(type, body, undefined, false);
    let draft = draftOf(body);
    this.applyScope(type, namespace, draft);
    const strategy = type.strategy;
    strategy.defaults?.(draft, this.strategyContext);
    if (strategy.review) {
      const errors = strategy.validate?.(draft, this.strategyContext) ?? [];
      if (errors.length) throw invalid(type.descriptor.kind, type.descriptor.group, draft.metadata.name ?? "", errors);
      return strategy.review(draft, { ...(ctx.user ? { user: ctx.user } : {}), ...(namespace ? { namespace } : {}) });
    }
    this.prepareMetaForCreate(type, draft);
    // As apiserver's create handler: the writer's fields are taken from the decoded, defaulted
    // object before mutating admission and the strategy's PrepareForCreate, so what they add (a
    // pod's service-account volume, tolerations, priority; a Job's selector) is nobody's. Set
    // after them, where metadata has always had them.
    const created = managedByApply ? undefined : this.fieldManager.updateEntries(undefined, draft, options.fieldManager, undefined, type.descriptor);
    const admitting = this.admission.admit("CREATE", type, undefined, draft, undefined, options, ctx);
    if (admitting) await admitting;
    strategy.prepareForCreate?.(draft, this.strategyContext);
    strategy.recordRequester?.(draft, ctx.user);
    if (draft.metadata.generation === undefined && "spec" in draft) draft.metadata.generation = 1;
    if (created) this.fieldManager.setEntries(draft, created);
    let allocated = false;
    try {
      const errors = strategy.validate?.(draft, this.strategyContext) ?? [];
      allocated = true;
      if (errors.length) throw invalid(type.descriptor.kind, type.descriptor.group, draft.metadata.name ?? "", errors);
      const validating = this.admission.validate("CREATE", type, undefined, draft, undefined, options, ctx);
      if (validating) await validating;
      draft = inGoForm(draft, type.descriptor);
      if (options.dryRun?.includes("All")) {
        strategy.release?.(draft, this.strategyContext);
        return draft;
      }
      // RetryGenerateName (GA in 1.32): a generated name that collides is drawn again.
      const generated = !body.metadata?.name && !!draft.metadata.generateName;
      for (let attempt = 1; ; attempt++) {
        try {
          const storable = this.toStorage(type, draft);
          return this.serve(type, await this.store.create(this.key(type, draft.metadata.namespace, draft.metadata.name!), storable instanceof Promise ? await storable : storable));
        } catch (err) {
          if (!generated || attempt >= MAX_GENERATE_NAME_ATTEMPTS || !isStoreError(err, "AlreadyExists")) throw err;
          draft.metadata.name = draft.metadata.generateName + this.options.random.suffix(5);
        }
      }
    } catch (err) {
      if (allocated && strategy.release) strategy.release(draft, this.strategyContext);
      if (isStoreError(err, "AlreadyExists")) throw alreadyExists(type.descriptor, draft.metadata.name!);
      throw this.asStatus(err);
    }
  }

  // ---------------------------------------------------------------- update / status / patch

  async update(type: RegisteredType, namespace: string | undefined, name: string, body: KubeObject, options: WriteOptions = {}, ctx: RequestContext = {}): Promise<KubeObject> {
    body = this.checkBody(type, body, await this.storedHint(type, namespace, name));
    this.checkName(body, name);
    return this.guaranteedUpdate(type, namespace, name, "", options, ctx, pinnedVersion(body), (current) => this.replacement(type, current, body));
  }

  patch(type: RegisteredType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, options: WriteOptions & { force?: boolean } = {}, ctx: RequestContext = {}): Promise<KubeObject> {
    return this.patchResource(type, namespace, name, "", patchType, patch, options, ctx);
  }

  // ---------------------------------------------------------------- subresources

  async getSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string): Promise<KubeObject> {
    this.checkSubresource(type, subresource, statusLike(type, subresource));
    const obj = await this.get(type, namespace, name);
    return subresource === "scale" ? this.scaleView(type, obj) : obj;
  }

  async updateSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, body: KubeObject, options: WriteOptions = {}, ctx: RequestContext = {}): Promise<KubeObject> {
    this.checkSubresource(type, subresource, subresource === "finalize" || statusLike(type, subresource));
    if (subresource === "finalize") return this.finalizeNamespace(type, name, body, options, ctx);
    if (subresource === "status" || type.strategy.subresourceUpdates?.[subresource]) {
      body = this.checkBody(type, body, await this.storedHint(type, namespace, name));
      this.checkName(body, name);
      return this.guaranteedUpdate(type, namespace, name, subresource, options, ctx, pinnedVersion(body), (current) => this.replacement(type, current, body, subresource === "status"));
    }
    return this.updateScale(type, namespace, name, body, options, ctx);
  }

  patchSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, patchType: PatchType, patch: unknown, options: WriteOptions & { force?: boolean } = {}, ctx: RequestContext = {}): Promise<KubeObject> {
    try {
      this.checkSubresource(type, subresource, statusLike(type, subresource));
      if (subresource === "status" || type.strategy.subresourceUpdates?.[subresource]) return this.patchResource(type, namespace, name, subresource, patchType, patch, options, ctx);
      return this.patchScale(type, namespace, name, patchType, patch, options, ctx);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A patch of the scale subresource: applied to the Scale view, then written as a scale update. */
  private async patchScale(type: RegisteredType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, options: WriteOptions, ctx: RequestContext): Promise<KubeObject> {
    const current = await this.get(type, namespace, name);
    const scale = this.scaleView(type, current);
    const patched = this.applyPatch(scale, patchType, patch, "Scale", true) as KubeObject;
    return this.updateScale(type, namespace, name, patched, options, ctx);
  }

  createSubresource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, body: KubeObject, options: WriteOptions = {}, ctx: RequestContext = {}): Promise<KubeObject> {
    try {
      this.checkSubresource(type, subresource, subresource === "binding" || subresource === "eviction" || (subresource === "token" && !!this.options.tokenRequest));
      if (subresource === "token") return this.options.tokenRequest!(namespace ?? "", name, body, ctx);
      if (subresource === "binding") return this.bind(type, namespace, name, body, options, ctx);
      return this.evict(type, namespace, name, body, ctx);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // ---------------------------------------------------------------- delete

  async delete(type: RegisteredType, namespace: string | undefined, name: string, options: DeleteOptions = {}, ctx: RequestContext = {}): Promise<KubeObject | Status> {
    const key = this.key(type, namespace, name);
    let admitted = false;
    for (let attempt = 0; ; attempt++) {
      const stored = await this.store.get(key);
      if (!stored) throw notFound(type.descriptor, name);
      const serving = this.serve(type, stored);
      const current = serving instanceof Promise ? await serving : serving;
      checkPreconditions(type, current, options.preconditions);
      if (!admitted) {
        await this.admission.admit("DELETE", type, undefined, undefined, current, options, ctx);
        await this.admission.validate("DELETE", type, undefined, undefined, current, options, ctx);
        admitted = true;
      }
      let base = current;
      if (!current.metadata?.deletionTimestamp && type.strategy.prepareForDelete) {
        const draft = draftOf(current);
        type.strategy.prepareForDelete(draft, this.strategyContext);
        base = draft;
      }
      const marked = markForDeletion(type, base, options, this.clock.now());
      try {
        if (marked) ctx.deletionPending = true;
        if (marked === current) return current; // already being deleted, nothing shortened
        if (options.dryRun?.includes("All")) return marked ?? deletedResult(type, current);
        if (marked) {
          const storable = this.toStorage(type, marked as Draft);
          return this.serve(type, await this.store.update(key, storable instanceof Promise ? await storable : storable, { revision: Number(current.metadata!.resourceVersion) }));
        }
        const deleted = this.serve(type, await this.store.delete(key, { revision: Number(current.metadata!.resourceVersion) }));
        const removed = deleted instanceof Promise ? await deleted : deleted;
        type.strategy.release?.(removed, this.strategyContext);
        return deletedResult(type, removed);
      } catch (err) {
        if (isStoreError(err, "Conflict") && attempt < MAX_UPDATE_ATTEMPTS) continue;
        if (isStoreError(err, "NotFound")) throw notFound(type.descriptor, name);
        throw this.asStatus(err);
      }
    }
  }

  async deleteCollection(type: RegisteredType, namespace: string | undefined, options: ListOptions & Omit<DeleteOptions, "preconditions"> = {}, ctx: RequestContext = {}): Promise<KubeList> {
    const listed = await this.list(type, namespace, { ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}), ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}) });
    const items: KubeObject[] = [];
    const { labelSelector: _l, fieldSelector: _f, limit: _li, continue: _c, resourceVersion: _r, resourceVersionMatch: _m, ...deleteOptions } = options;
    for (const item of listed.items) {
      try {
        const result = await this.delete(type, item.metadata?.namespace, item.metadata!.name!, { ...deleteOptions, preconditions: { uid: item.metadata!.uid! } }, ctx);
        items.push((result as Status).kind === "Status" ? item : (result as KubeObject));
      } catch (err) {
        if (isStatusError(err, "NotFound") || isStatusError(err, "Conflict")) continue; // gone or replaced meanwhile
        throw err;
      }
    }
    return { ...listed, items };
  }

  // ---------------------------------------------------------------- pipeline pieces

  /** Never throws (both paths are async methods). */
  private patchResource(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, patchType: PatchType, patch: unknown, options: WriteOptions & { force?: boolean }, ctx: RequestContext): Promise<KubeObject> {
    if (patchType === "apply") return this.serverSideApply(type, namespace, name, subresource, patch, options, ctx);
    let pinned: string | undefined;
    return this.guaranteedUpdate(type, namespace, name, subresource, options, ctx, undefined, (current) => {
      if (!current) throw notFound(type.descriptor, name);
      const patched = this.applyPatch(current, patchType, patch, type.descriptor.kind, this.options.isBuiltIn?.(type) ?? true) as KubeObject;
      // A resourceVersion written by the patch itself is a precondition (as kube-apiserver checks).
      const patchedRv = patched.metadata?.resourceVersion;
      if (patchedRv && patchedRv !== current.metadata?.resourceVersion) pinned = patchedRv;
      if (pinned) throw conflict(type.descriptor, name);
      // Only what the patch changed is decoded again; a status patch copies only metadata and status.
      const checked = this.checkBody(type, patched, current);
      const draft = subresource === "status" ? statusDraftOf(checked, current) : draftOf(checked, current);
      draft.metadata.name = name;
      return draft;
    });
  }

  /** Applies a non-apply patch; strategic merge patch is refused (415) for types without patch strategies, as for custom resources upstream. */
  private applyPatch(current: KubeObject, patchType: PatchType, patch: unknown, kind: string, builtIn: boolean): unknown {
    switch (patchType) {
      case "json":
        return applyJsonPatch(current, patch);
      case "merge":
        return applyMergePatch(current, patch);
      case "strategic":
        return applyStrategicMergePatch(current, patch, kind, { refuseUnknownKinds: !builtIn });
      default:
        throw badRequest(`unsupported patch type: ${String(patchType)}`);
    }
  }

  private async serverSideApply(type: RegisteredType, namespace: string | undefined, name: string, subresource: string, patch: unknown, options: WriteOptions & { force?: boolean }, ctx: RequestContext): Promise<KubeObject> {
    const parsed = this.fieldManager.parseApplied(patch);
    if (!options.fieldManager) throw invalidOptions("PatchOptions", [fieldError.required("fieldManager", "is required for apply patch")]);
    // The applied configuration must name the endpoint's type (the field manager's version check).
    const d = type.descriptor;
    if (parsed.apiVersion !== formatApiVersion(d.group, d.version) || parsed.kind !== d.kind) throw badRequest(`invalid object type: ${groupVersionKindString(parsed)}`);
    // An apply configuration is what the applier owns: checked, never filled with the type's zero fields.
    const applied = this.checkBody(type, parsed, undefined, false);
    if (applied.metadata?.name && applied.metadata.name !== name) throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(this.key(type, namespace, name));
      if (!current) {
        if (subresource) throw notFound(type.descriptor, name);
        const created = this.fieldManager.apply(undefined, applied, options.fieldManager, !!options.force, type.descriptor);
        created.metadata = { ...created.metadata, name };
        try {
          const stored = await this.createObject(type, namespace, created, options, ctx, true);
          ctx.created = true;
          return stored;
        } catch (err) {
          if (isStatusError(err, "AlreadyExists") && attempt < MAX_UPDATE_ATTEMPTS) continue;
          throw err;
        }
      }
      try {
        return await this.guaranteedUpdate(type, namespace, name, subresource, { ...options, fieldManager: undefined } as WriteOptions, ctx, undefined, (latest) => {
          if (!latest) throw notFound(type.descriptor, name);
          const merged = this.fieldManager.apply(latest, applied, options.fieldManager!, !!options.force, type.descriptor, subresource || undefined);
          return draftOf(merged);
        }, true);
      } catch (err) {
        if (isStatusError(err, "NotFound") && attempt < MAX_UPDATE_ATTEMPTS) continue;
        throw err;
      }
    }
  }

  /**
   * Read-modify-write with compare-and-swap (etcd3 store's GuaranteedUpdate): `produce` makes the
   * new draft from the current object; an update whose caller pinned a resourceVersion fails
   * with Conflict when it is stale, otherwise a lost race is retried.
   */
  private async guaranteedUpdate(
    type: RegisteredType, namespace: string | undefined, name: string, subresource: string,
    options: WriteOptions, ctx: RequestContext, pinned: string | undefined,
    produce: (current: KubeObject | undefined) => Draft, managedByApply = false,
  ): Promise<KubeObject> {
    const key = this.key(type, namespace, name);
    const strategy = type.strategy;
    const hasStatus = type.descriptor.subresources.includes("status");
    for (let attempt = 0; ; attempt++) {
      const stored = await this.store.get(key);
      if (!stored) throw notFound(type.descriptor, name);
      const serving = this.serve(type, stored);
      const current = serving instanceof Promise ? await serving : serving;
      if (pinned !== undefined && pinned !== current.metadata?.resourceVersion) throw conflict(type.descriptor, name);
      const draft = produce(current);
      this.applyScope(type, namespace, draft);
      // A uid the write sets (a patch's precondition, as the kubelet's status patch) must be the stored one: rest.BeforeUpdate keeps it and validation refuses a change (422).
      const sentUid = draft.metadata.uid;
      keepSystemMeta(draft, current);
      const partial = subresource && subresource !== "status" ? strategy.subresourceUpdates?.[subresource] : undefined;
      if (partial) {
        const sent = { ...draft } as Record<string, unknown>;
        keepAllButStatus(draft, current);
        partial.prepare(draft, current, this.strategyContext, sent);
      } else if (subresource === "status") {
        keepAllButStatus(draft, current);
        strategy.prepareForStatusUpdate?.(draft, current, this.strategyContext);
      } else {
        strategy.defaults?.(draft, this.strategyContext);
        if (hasStatus) {
          if (current["status"] === undefined) delete draft["status"];
          else draft["status"] = cloneJson(current["status"]);
        }
      }
      const admitting = this.admission.admit("UPDATE", type, subresource, draft, current, options, ctx);
      if (admitting) await admitting;
      if (!subresource) {
        strategy.prepareForUpdate?.(draft, current, this.strategyContext);
        reshareWithStored(draft, current);
        // Generation: a strategy that manages it (Deployments also bump on annotation changes)
        // has the last word; otherwise any change of desired state bumps it.
        const gen = current.metadata?.generation;
        if (draft.metadata.generation === gen && (gen !== undefined || "spec" in draft) && desiredStateChanged(draft, current)) {
          draft.metadata.generation = (gen ?? 1) + 1;
        } else if (draft.metadata.generation === undefined && "spec" in draft) {
          draft.metadata.generation = 1;
        }
      }
      if (!managedByApply) this.fieldManager.recordUpdate(current, draft, options.fieldManager, subresource || undefined, type.descriptor);
      // Joined only when more than one list holds errors (writes mostly have none: no array, no spread per write).
      let errors: readonly FieldError[] = sentUid && sentUid !== current.metadata?.uid ? [fieldError.immutable("metadata.uid", sentUid)] : NO_ERRORS;
      errors = joinErrors(errors, validateFinalizerChange(draft, current));
      if (partial) errors = joinErrors(errors, partial.validate(draft, current, this.strategyContext));
      else if (subresource === "status") errors = joinErrors(errors, strategy.validateStatusUpdate?.(draft, current, this.strategyContext));
      else errors = joinErrors(joinErrors(errors, strategy.validate?.(draft, this.strategyContext)), strategy.validateUpdate?.(draft, current, this.strategyContext));
      if (errors.length) throw invalid(type.descriptor.kind, type.descriptor.group, name, dedupe(errors));
      const validating = this.admission.validate("UPDATE", type, subresource, draft, current, options, ctx);
      if (validating) await validating;
      // A no-op write keeps the resourceVersion — unless the object is stored in an older storage
      // version (its encoding differs, as etcd3's byte comparison sees it): rewriting it is how
      // stored versions are migrated.
      toGoForm(draft, type.descriptor, current);
      if (!objectChanged(draft, current) && !this.storedInOlderVersion(type, stored)) return current;
      if (options.dryRun?.includes("All")) return draft;
      try {
        if (deletionComplete(type, draft)) {
          const deleted = this.serve(type, await this.store.delete(key, { revision: Number(current.metadata!.resourceVersion) }));
          const removed = deleted instanceof Promise ? await deleted : deleted;
          strategy.release?.(removed, this.strategyContext);
          return removed;
        }
        const storable = this.toStorage(type, draft);
        return this.serve(type, await this.store.update(key, storable instanceof Promise ? await storable : storable, { revision: Number(current.metadata!.resourceVersion) }));
      } catch (err) {
        if (isStoreError(err, "Conflict") && pinned === undefined && attempt < MAX_UPDATE_ATTEMPTS) continue;
        if (isStoreError(err, "Conflict")) throw conflict(type.descriptor, name);
        if (isStoreError(err, "NotFound")) throw notFound(type.descriptor, name);
        throw this.asStatus(err);
      }
    }
  }

  private async updateScale(type: RegisteredType, namespace: string | undefined, name: string, body: KubeObject, options: WriteOptions, ctx: RequestContext): Promise<KubeObject> {
    const replicas = (body as { spec?: { replicas?: unknown } }).spec?.replicas;
    if (replicas !== undefined && (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)) {
      throw invalid("Scale", "autoscaling", name, [fieldError.invalid("spec.replicas", replicas, "must be greater than or equal to 0")]);
    }
    if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    const updated = await this.guaranteedUpdate(type, namespace, name, "", options, ctx, pinnedVersion(body), (current) => {
      const draft = draftOf(current!);
      const paths = type.descriptor.scalePaths;
      if (paths) setCustomResourceReplicas(draft, paths, (replicas as number | undefined) ?? 0);
      else (draft as { spec?: { replicas?: number } }).spec = { ...((draft as { spec?: object }).spec ?? {}), replicas: (replicas as number | undefined) ?? 0 };
      return draft;
    });
    return this.scaleView(type, updated);
  }

  /** The autoscaling/v1 Scale of an object: at its CRD's paths for custom resources. */
  private scaleView(type: RegisteredType, obj: KubeObject): KubeObject {
    const paths = type.descriptor.scalePaths;
    return (paths ? customResourceScaleOf(obj, paths) : scaleOf(obj)) as KubeObject;
  }

  /**
   * pods/binding: sets spec.nodeName once (and PodScheduled=True), as the scheduler's Bind. Like kube-apiserver's
   * BindingREST it writes storage directly: the pod update rules (nodeName is immutable through
   * updates) do not apply to it.
   */
  private async bind(type: RegisteredType, namespace: string | undefined, name: string, body: KubeObject, options: WriteOptions, ctx: RequestContext): Promise<KubeObject> {
    const target = (body as { target?: { kind?: string; name?: string } }).target;
    if (!target?.name) throw invalid("Binding", "", name, [fieldError.required("target.name")]);
    if (target.kind && target.kind !== "Node") throw invalid("Binding", "", name, [fieldError.notSupported("target.kind", target.kind, ["Node"])]);
    const key = this.key(type, namespace, name);
    const validating = this.admission.validate("CREATE", type, "binding", body, undefined, options, ctx);
    if (validating) await validating;
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(key);
      if (!current) throw notFound(type.descriptor, name);
      const pod = current as { spec?: { nodeName?: string }; metadata?: { deletionTimestamp?: string } };
      if (pod.metadata?.deletionTimestamp) throw conflict(type.descriptor, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      if (pod.spec?.nodeName) throw conflict(type.descriptor, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      // Structural sharing with the (immutable) stored pod: only spec, status and metadata are new.
      type Conditions = { type: string; status: string; lastProbeTime?: string | null; lastTransitionTime?: string }[];
      const draft = shallowDraft(current) as Draft & { spec: object; status?: { conditions?: Conditions } };
      // Copy loops, not spreads: pods reach here in many shapes, where a spread is megamorphic and slow.
      draft.spec = withMember(pod.spec ?? {}, "nodeName", target.name);
      // As BindingREST's assignPod: the pod is now scheduled (PodScheduled=True).
      const old = draft.status ?? {};
      const others = (old.conditions ?? []).filter((c) => c.type !== "PodScheduled");
      const previous = old.conditions?.find((c) => c.type === "PodScheduled");
      const transition = previous?.status === "True" && previous.lastTransitionTime ? previous.lastTransitionTime : rfc3339(this.clock.now());
      draft.status = withMember(old, "conditions", [...others, { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: transition }]) as typeof old;
      const annotations = body.metadata?.annotations;
      if (annotations) draft.metadata.annotations = { ...(draft.metadata.annotations ?? {}), ...annotations };
      // BindingREST writes storage with GuaranteedUpdate, outside the field manager: a binding
      // adds no managedFields entry to the pod (nodeName stays unowned, as on real clusters).
      if (options.dryRun?.includes("All")) break;
      try {
        await this.store.update(key, draft, { revision: Number(current.metadata!.resourceVersion) });
        break;
      } catch (err) {
        if (isStoreError(err, "Conflict") && attempt < MAX_UPDATE_ATTEMPTS) continue;
        throw this.asStatus(err);
      }
    }
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 } as KubeObject;
  }

  /**
   * namespaces/finalize: replaces `spec.finalizers` only (the namespace controller removes
   * `kubernetes` once the namespace is empty). A terminating namespace left with no finalizers is
   * removed.
   */
  private async finalizeNamespace(type: RegisteredType, name: string, body: KubeObject, options: WriteOptions, ctx: RequestContext): Promise<KubeObject> {
    body = this.checkBody(type, body);
    this.checkName(body, name);
    const finalizers = (body as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? [];
    const key = this.key(type, undefined, name);
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(key);
      if (!current) throw notFound(type.descriptor, name);
      const pinned = pinnedVersion(body);
      if (pinned !== undefined && pinned !== current.metadata?.resourceVersion) throw conflict(type.descriptor, name);
      const draft = draftOf(current);
      (draft as { spec?: { finalizers?: string[] } }).spec = { ...((draft as { spec?: object }).spec ?? {}), finalizers: [...finalizers] };
      const errors = validateNamespaceFinalizeUpdate(draft as Namespace, current as Namespace);
      if (errors.length) throw invalid(type.descriptor.kind, type.descriptor.group, name, errors);
      await this.admission.admit("UPDATE", type, "finalize", draft, current, options, ctx);
      await this.admission.validate("UPDATE", type, "finalize", draft, current, options, ctx);
      this.fieldManager.recordUpdate(current, draft, options.fieldManager, "finalize", type.descriptor);
      if (!objectChanged(draft, current)) return current;
      if (options.dryRun?.includes("All")) return draft;
      try {
        if (deletionComplete(type, draft)) return await this.store.delete(key, { revision: Number(current.metadata!.resourceVersion) });
        return await this.store.update(key, draft, { revision: Number(current.metadata!.resourceVersion) });
      } catch (err) {
        if (isStoreError(err, "Conflict") && pinned === undefined && attempt < MAX_UPDATE_ATTEMPTS) continue;
        if (isStoreError(err, "Conflict")) throw conflict(type.descriptor, name);
        throw this.asStatus(err);
      }
    }
  }

  /** pods/eviction: deletes the pod unless its PodDisruptionBudget forbids it now (see {@link evictPod}). */
  private async evict(type: RegisteredType, namespace: string | undefined, name: string, body: KubeObject, ctx: RequestContext): Promise<KubeObject> {
    return evictPod(this, this.registry, type, namespace ?? "default", name, body, () => this.clock.now(), ctx);
  }

  /**
   * A stored object as the endpoint serves it: a promise only for types converted by a webhook
   * (`convertAsync`), so every other type stays synchronous and allocation-free.
   */
  private serve(type: RegisteredType, obj: KubeObject): KubeObject | Promise<KubeObject> {
    const convert = type.strategy.convertAsync;
    if (!convert) return this.served(type, obj);
    const apiVersion = formatApiVersion(type.descriptor.group, type.descriptor.version);
    if (obj.apiVersion === apiVersion) return obj;
    return convert([obj], apiVersion).then((out) => out[0]!);
  }

  /**
   * Conversion `None` between a custom resource's versions: a stored object is served with the
   * endpoint's apiVersion (a shallow copy only when it differs). Other types pass through.
   */
  private served(type: RegisteredType, obj: KubeObject): KubeObject {
    const d = type.descriptor;
    if (!d.storageVersion) return obj;
    const apiVersion = formatApiVersion(d.group, d.version);
    if (obj.apiVersion === apiVersion) return obj;
    return type.strategy.conversion ? type.strategy.conversion.fromStorage(obj) : { ...obj, apiVersion };
  }

  /** A stored object of a type served from a storage version, written in another version (before the storage version moved). */
  private storedInOlderVersion(type: RegisteredType, stored: KubeObject): boolean {
    const d = type.descriptor;
    return !!d.storageVersion && stored.apiVersion !== formatApiVersion(d.group, d.storageVersion);
  }

  /**
   * A draft about to be written: custom resources are stored in their storage version (a
   * promise only for types converted by a webhook).
   */
  private toStorage(type: RegisteredType, draft: Draft): Draft | Promise<Draft> {
    const d = type.descriptor;
    if (!d.storageVersion) return draft;
    const storageApiVersion = formatApiVersion(d.group, d.storageVersion);
    const convert = type.strategy.convertAsync;
    if (convert) return draft.apiVersion === storageApiVersion ? draft : convert([draft], storageApiVersion).then((out) => out[0] as Draft);
    if (type.strategy.conversion) return type.strategy.conversion.toStorage(draft) as Draft;
    draft.apiVersion = storageApiVersion;
    return draft;
  }

  private prepareMetaForCreate(type: RegisteredType, draft: Draft): void {
    const m = draft.metadata;
    if (!m.name && m.generateName) m.name = m.generateName + this.options.random.suffix(5);
    if (!m.name) throw invalid(type.descriptor.kind, type.descriptor.group, "", [fieldError.required("metadata.name", "name or generateName is required")]);
    m.uid = this.options.random.uuid();
    m.creationTimestamp = rfc3339(this.clock.now());
    // Deleted only when present: a delete is a runtime call even when there is nothing to delete.
    if ("resourceVersion" in m) delete m.resourceVersion;
    if ("deletionTimestamp" in m) delete m.deletionTimestamp;
    if ("deletionGracePeriodSeconds" in m) delete m.deletionGracePeriodSeconds;
    if ("generation" in m) delete m.generation;
    const d = type.descriptor;
    draft.apiVersion = formatApiVersion(d.group, d.version);
    draft.kind = d.kind;
  }

  // ---------------------------------------------------------------- scope, keys, selectors

  /** The storage path segment of a type: the plural for built-ins, `<group>/<plural>` for added types (as CRDs are stored). */
  private storageResource(type: RegisteredType): string {
    const d = type.descriptor;
    return !d.group || (this.options.isBuiltIn?.(type) ?? true) ? d.plural : `${d.group}/${d.plural}`;
  }

  private key(type: RegisteredType, namespace: string | undefined, name: string): string {
    if (!name) throw badRequest("resource name may not be empty");
    if (type.descriptor.namespaced && !namespace) throw badRequest("the server could not find the requested resource: a namespace is required for namespaced resources");
    return objectStorageKey(this.storageResource(type), type.descriptor.namespaced ? namespace : undefined, name);
  }

  private scopeNamespace(type: RegisteredType, namespace: string | undefined): string | undefined {
    return type.descriptor.namespaced ? namespace || undefined : undefined;
  }

  /** Puts the request's namespace on the object (or refuses a mismatch), clears it for cluster-scoped kinds. */
  private applyScope(type: RegisteredType, namespace: string | undefined, draft: Draft): void {
    if (!type.descriptor.namespaced) {
      delete draft.metadata.namespace;
      return;
    }
    const own = draft.metadata.namespace;
    if (own && namespace && own !== namespace) throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    const ns = namespace || own;
    if (!ns) throw badRequest("the server could not find the requested resource: a namespace is required for namespaced resources");
    draft.metadata.namespace = ns;
  }

  /**
   * Checks a body as decoding it into the kind's Go type would, and returns it as that type holds
   * it (nulls dropped or zeroed: never a null where later stages expect a value).
   */
  private checkBody(type: RegisteredType, body: KubeObject, stored?: KubeObject, asGo = true): KubeObject {
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("the body of the request was not a JSON object");
    const d = type.descriptor;
    const expected = formatApiVersion(d.group, d.version);
    if (body.apiVersion && body.apiVersion !== expected) throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${expected})`);
    if (body.kind && body.kind !== d.kind) throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${d.kind})`);
    // What JSON decoding into the Go types refuses: a field of the wrong JSON type (never a 500 later on).
    const decoded = decodeTyped(d.group, d.version, d.kind, body, stored);
    if (decoded.mismatch) throw typeMismatchError(d.kind, d.version, decoded.mismatch);
    // ...and the Go value it decodes to (zero structs there, omitempty zeros gone), as it is stored.
    return asGo ? (asGoJson(decoded.object as JsonObject, zeroShapeFor(expected, d.kind), stored) as KubeObject) : decoded.object;
  }

  /**
   * The stored object a write names, if any: a hint for decoding its body (subtrees of the body
   * that are the stored object's were decoded when it was written). Never throws.
   */
  private async storedHint(type: RegisteredType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    if (!name || (type.descriptor.namespaced && !namespace)) return undefined;
    return this.store.get(objectStorageKey(this.storageResource(type), type.descriptor.namespaced ? namespace : undefined, name)).catch(() => undefined);
  }

  /** The draft a PUT makes of `body`; a uid in the body is a precondition on the stored object (rest.DefaultUpdatedObjectInfo). */
  private replacement(type: RegisteredType, current: KubeObject | undefined, body: KubeObject, statusOnly = false): Draft {
    const uid = body.metadata?.uid;
    if (uid && current) checkPreconditions(type, current, { uid });
    return statusOnly ? statusDraftOf(body, current) : draftOf(body, current);
  }

  private checkName(body: KubeObject, name: string): void {
    const own = body.metadata?.name;
    if (own && own !== name) throw badRequest(`the name of the object (${own}) does not match the name on the URL (${name})`);
  }

  /** Refuses a subresource the type does not serve (404), then one the verb does not support (405: `supported` false). */
  private checkSubresource(type: RegisteredType, subresource: string, supported: boolean): void {
    if (!type.descriptor.subresources.includes(subresource as never)) throw resourceNotServed();
    if (!supported) throw methodNotAllowed();
  }

  private asStatus(err: unknown): Error {
    if (err instanceof StatusError) return err;
    if (isStoreError(err)) return internalError(err.message);
    if (err instanceof Error && (err.name === "AllocationError")) return err;
    this.log.error("unexpected error in API request", { error: err });
    return internalError(err instanceof Error ? err.message : String(err));
  }
}

const NO_ERRORS: readonly FieldError[] = Object.freeze([]);

/** `a` followed by `b`: one of them as it is when the other is empty (neither is written to afterwards). */
function joinErrors(a: readonly FieldError[], b: readonly FieldError[] | undefined): readonly FieldError[] {
  if (!b || b.length === 0) return a;
  return a.length === 0 ? b : [...a, ...b];
}

function dedupe(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.field}\u0000${e.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** apimachinery's GroupVersionKind.String() of an object's apiVersion and kind: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`, `/, Kind=`. */
function groupVersionKindString(obj: KubeObject): string {
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const slash = apiVersion.indexOf("/");
  const [group, version] = slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  return `${group}/${version}, Kind=${typeof obj.kind === "string" ? obj.kind : ""}`;
}

/**
 * Whether `subresource` is read, updated and patched as status is: `status`, `scale`, or one the
 * kind's strategy updates besides status (certificatesigningrequests/approval). No list is built per request.
 */
function statusLike(type: RegisteredType, subresource: string): boolean {
  if (subresource === "status" || subresource === "scale") return true;
  const updates = type.strategy.subresourceUpdates;
  return !!updates && Object.prototype.hasOwnProperty.call(updates, subresource);
}
