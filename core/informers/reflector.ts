import type { Status } from "kubernetes-types/meta/v1.js";
import type { KubeObject, ObjectLike } from "../api/object.js";
import { StatusError } from "../api/status.js";
import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { Client, ListOptions, ResourceClient, ResourceRef, Watch, WatchEvent } from "../client/client.js";
import type { Logger } from "../log/logger.js";
import { ExponentialBackoff, type BackoffOptions } from "./backoff.js";

/** Where a reflector writes what it sees; the shared informer implements it. */
export interface ReflectorStore<T extends ObjectLike = KubeObject> {
  /** A fresh list: the store's whole content becomes `items` (consistent at `resourceVersion`). */
  replace(items: readonly T[], resourceVersion: string): void;
  add(obj: T): void;
  update(obj: T): void;
  /** `obj` is the object's final state as the DELETED event carries it. */
  delete(obj: T): void;
}

export interface ReflectorOptions<T extends ObjectLike = KubeObject> {
  client: Client;
  resource: ResourceRef;
  store: ReflectorStore<T>;
  clock: Clock;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of lists served from the latest state (default 500, client-go's pager size); 0 disables paging. */
  pageSize?: number;
  /** Watches ask the server to end them after a time in [min, 2·min) seconds (default min 300, with jitter only when `random` is given); 0: never. */
  minWatchTimeoutSeconds?: number;
  /** Ask for bookmarks (default true). */
  allowWatchBookmarks?: boolean;
  /** Backoff between list-and-watch attempts (default 800 ms doubling to 30 s, reset after 2 min). */
  backoff?: BackoffOptions;
  /** Seeded randomness for watch timeouts and backoff jitter; none means no jitter. */
  random?: Random;
  logger?: Logger;
  /** Names the reflector in logs (default: the resource). */
  name?: string;
}

/** Whether an error (or an ERROR event's Status) means "your resourceVersion is too old": 410, reason Expired or Gone. */
export function isExpired(err: unknown): boolean {
  if (err instanceof StatusError) return err.code === 410 || err.reason === "Expired" || err.reason === "Gone";
  return false;
}

function statusOf(obj: ObjectLike): StatusError {
  return StatusError.fromStatus(obj as unknown as Status);
}

function isTooManyRequests(err: unknown): boolean {
  return err instanceof StatusError && err.code === 429;
}

/** How one watch ended. */
type WatchEnd = { kind: "closed" } | { kind: "expired"; error: StatusError } | { kind: "failed"; error: unknown } | { kind: "stopped" };

/**
 * Keeps a {@link ReflectorStore} in step with the server, as client-go's Reflector: list (paged),
 * `replace` the store, then watch from the list's resourceVersion with bookmarks. A watch that
 * ends normally is reopened from the last resourceVersion seen (events and bookmarks advance it).
 * "Expired"/"Gone" (410, as an ERROR event or thrown by `watch`), an ERROR event, a broken
 * watch, or a failed list end the cycle: after a backoff on the clock the reflector lists again
 * and replaces the store, so missed deletions surface. Stops when the signal aborts, leaving no
 * timer and no open watch.
 */
export class Reflector<T extends ObjectLike = KubeObject> {
  readonly name: string;
  private readonly rc: ResourceClient<T>;
  private readonly backoff: ExponentialBackoff;
  private readonly pageSize: number;
  private readonly minWatchTimeoutSeconds: number;
  private lastSyncRV = "";
  private lastSyncRVUnavailable = false;
  private paginatedResult = false;

  constructor(private readonly options: ReflectorOptions<T>) {
    this.rc = options.client.resource<T>(options.resource);
    this.backoff = new ExponentialBackoff(options.clock, { random: options.random, ...options.backoff });
    this.pageSize = options.pageSize ?? 500;
    this.minWatchTimeoutSeconds = options.minWatchTimeoutSeconds ?? 300;
    this.name = options.name ?? (typeof options.resource === "string" ? options.resource : JSON.stringify(options.resource));
  }

  /** The resourceVersion of the last list, event or bookmark applied ("" before the first list). */
  lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  /** Lists and watches until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, logger } = this.options;
    while (!signal.aborted) {
      try {
        await this.listAndWatch(signal);
      } catch (err) {
        if (signal.aborted) break;
        logger?.warn(`${this.name}: list and watch failed`, { error: err });
      }
      if (signal.aborted) break;
      try {
        await clock.sleep(this.backoff.next(), signal);
      } catch {
        break;
      }
    }
  }

  /** One cycle: list and replace, then watch until the watch can no longer be resumed. */
  async listAndWatch(signal: AbortSignal): Promise<void> {
    await this.list(signal);
    if (signal.aborted) return;
    for (;;) {
      const end = await this.watchOnce(signal);
      switch (end.kind) {
        case "stopped":
          return;
        case "closed":
          continue; // server ended it (timeout): resume from the last resourceVersion
        case "expired":
          this.options.logger?.debug(`${this.name}: watch closed with: ${end.error.message}`);
          return; // relist
        case "failed":
          if (isTooManyRequests(end.error)) {
            await this.options.clock.sleep(this.backoff.next(), signal).catch(() => undefined);
            if (signal.aborted) return;
            continue;
          }
          throw end.error;
      }
    }
  }

  /** client-go's relistResourceVersion: "0" (any) first, then the last version seen, "" (latest) after that was unavailable. */
  private relistResourceVersion(): string {
    if (this.lastSyncRVUnavailable) return "";
    return this.lastSyncRV === "" ? "0" : this.lastSyncRV;
  }

  private async list(signal: AbortSignal): Promise<void> {
    const rv = this.relistResourceVersion();
    let result: { items: readonly T[]; resourceVersion: string };
    try {
      result = await this.listAll(rv);
    } catch (err) {
      if (!isExpired(err) || rv === "") throw err;
      // The version we asked for is no longer available: ask for the latest state instead.
      this.lastSyncRVUnavailable = true;
      result = await this.listAll("");
    }
    if (signal.aborted) return;
    this.lastSyncRVUnavailable = false;
    this.options.store.replace(result.items, result.resourceVersion);
    this.lastSyncRV = result.resourceVersion;
  }

  /**
   * Lists everything, in pages of `pageSize` when the list is served from the latest state (RV ""
   * or "0") or the server paged before (exact-version lists are left whole, as client-go does, so
   * a watch cache can serve them). An expired continue token falls back to one full list.
   */
  private async listAll(resourceVersion: string): Promise<{ items: readonly T[]; resourceVersion: string }> {
    const base: ListOptions = { namespace: this.options.namespace, labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
    const paged = this.pageSize > 0 && (resourceVersion === "" || resourceVersion === "0" || this.paginatedResult);
    const first = await this.rc.list({ ...base, resourceVersion, ...(paged ? { limit: this.pageSize } : {}) });
    const listRV = first.metadata.resourceVersion ?? "";
    let token = first.metadata.continue;
    if (!token) return { items: first.items, resourceVersion: listRV };
    if (resourceVersion === "0") this.paginatedResult = true;
    const items = first.items.slice();
    while (token) {
      let page;
      try {
        page = await this.rc.list({ ...base, limit: this.pageSize, continue: token });
      } catch (err) {
        if (!isExpired(err)) throw err;
        const full = await this.rc.list({ ...base, resourceVersion });
        return { items: full.items, resourceVersion: full.metadata.resourceVersion ?? "" };
      }
      for (const item of page.items) items.push(item);
      token = page.metadata.continue;
    }
    return { items, resourceVersion: listRV };
  }

  private watchTimeoutSeconds(): number {
    const jitter = this.options.random ? this.options.random.next() : 0;
    return Math.floor(this.minWatchTimeoutSeconds * (1 + jitter));
  }

  /** Opens one watch from the last resourceVersion and applies its events until it ends. */
  private async watchOnce(signal: AbortSignal): Promise<WatchEnd> {
    const { store, clock } = this.options;
    const started = clock.now();
    let events = 0;
    let ended: WatchEnd | undefined;
    let finish: (end: WatchEnd) => void = (end) => (ended ??= end);
    let watch: Watch | undefined;

    const onEvent = (event: WatchEvent<T>): void => {
      if (ended || signal.aborted) return;
      const obj = event.object;
      switch (event.type) {
        case "ADDED":
          store.add(obj);
          break;
        case "MODIFIED":
          store.update(obj);
          break;
        case "DELETED":
          store.delete(obj);
          break;
        case "BOOKMARK":
          break; // only advances the resourceVersion
        case "ERROR": {
          const error = statusOf(obj);
          finish(isExpired(error) ? { kind: "expired", error } : { kind: "failed", error });
          watch?.stop();
          return;
        }
      }
      const rv = obj.metadata?.resourceVersion;
      if (rv) this.lastSyncRV = rv;
      events++;
    };

    try {
      watch = await this.rc.watch(
        {
          namespace: this.options.namespace,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          resourceVersion: this.lastSyncRV,
          allowWatchBookmarks: this.options.allowWatchBookmarks ?? true,
          ...(this.minWatchTimeoutSeconds > 0 ? { timeoutSeconds: this.watchTimeoutSeconds() } : {}),
        },
        onEvent,
      );
    } catch (err) {
      if (signal.aborted) return { kind: "stopped" };
      return isExpired(err) ? { kind: "expired", error: err as StatusError } : { kind: "failed", error: err };
    }
    if (ended || signal.aborted) {
      watch.stop();
      return signal.aborted ? { kind: "stopped" } : ended!;
    }

    const opened = watch;
    const end = await new Promise<WatchEnd>((resolve) => {
      const onAbort = (): void => finish({ kind: "stopped" });
      finish = (e) => {
        if (ended) return;
        ended = e;
        signal.removeEventListener("abort", onAbort);
        resolve(e);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      opened.done.then(
        () => finish({ kind: "closed" }),
        (error: unknown) => finish(isExpired(error) ? { kind: "expired", error: error as StatusError } : { kind: "failed", error }),
      );
    });
    watch.stop();
    if (signal.aborted) return { kind: "stopped" };
    if (end.kind === "closed" && events === 0 && clock.now() - started < 1000) {
      return { kind: "failed", error: new Error(`very short watch: ${this.name}: Unexpected watch close - watch lasted less than a second and no items received`) };
    }
    return end;
  }
}
