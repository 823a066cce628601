import type { KubeObject } from "../../api/object.js";
import type { Client } from "../../client/client.js";

/**
 * The stored objects of one cluster-scoped kind (webhook configurations, policies, bindings), kept
 * current by a watch started on first use (the in-process watch delivers events as the store
 * commits them, so a configuration is in force from the request after its create), sorted by name
 * as the API server's admission plugins order them.
 */
class ObjectCache<T extends KubeObject> {
  private readonly byName = new Map<string, T>();
  private sorted: T[] | undefined;
  readonly ready: Promise<void>;
  /** Whether the watch has delivered the stored objects (`ready` has settled). */
  synced = false;

  constructor(client: Client, kind: string) {
    this.ready = client.resource<T>(kind).watch({ resourceVersion: "0" }, (e) => {
      if (e.type === "BOOKMARK" || e.type === "ERROR") return;
      const name = e.object.metadata!.name!;
      if (e.type === "DELETED") this.byName.delete(name);
      else this.byName.set(name, e.object);
      this.sorted = undefined;
    }).then(() => {
      this.synced = true;
    });
  }

  items(): readonly T[] {
    this.sorted ??= [...this.byName.values()].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
    return this.sorted;
  }
}

const caches = new WeakMap<Client, Map<string, ObjectCache<KubeObject>>>();

function cacheOf(client: Client, kind: string): ObjectCache<KubeObject> {
  let perClient = caches.get(client);
  if (!perClient) caches.set(client, (perClient = new Map()));
  let cache = perClient.get(kind);
  if (!cache) perClient.set(kind, (cache = new ObjectCache(client, kind)));
  return cache;
}

/** The current objects of `kind` as the cluster behind `client` stores them. */
export async function cachedObjects<T extends KubeObject>(client: Client, kind: string): Promise<readonly T[]> {
  const cache = cacheOf(client, kind);
  await cache.ready;
  return cache.items() as readonly T[];
}

/**
 * The same without waiting: undefined until the cache has synced. Lets admission skip a plugin
 * synchronously when there is nothing configured (the common case).
 */
export function cachedObjectsNow<T extends KubeObject>(client: Client, kind: string): readonly T[] | undefined {
  const cache = cacheOf(client, kind);
  return cache.synced ? (cache.items() as readonly T[]) : undefined;
}
