import type { Pod } from "kubernetes-types/core/v1.js";
import type { ObjectLike } from "../../core/api/object.js";
import type { Client } from "../../core/client/client.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { Logger } from "../../core/log/logger.js";
import { ObjectWatch } from "./object-watch.js";

/** How long a read waits for an object's watch to list it (upstream: PollImmediate(10ms, 1s, hasSynced)). */
const SYNC_TIMEOUT_MS = 1000;
/** How often idle watches are looked for (upstream: wait.Until(startRecycleIdleWatch, time.Minute)). */
const RECYCLE_PERIOD_MS = 60_000;

/** One watched object: its watch, the pods referencing it and the watch's state. */
interface Watched<T extends ObjectLike> {
  readonly namespace: string;
  readonly name: string;
  watch: ObjectWatch<T>;
  readonly pods: Set<string>;
  /** When a read last asked for the object (0: never). */
  lastAccess: number;
  /** The watch has ended (idle or immutable); its last state is kept. */
  stopped: boolean;
  /** The object was read as immutable: its watch stays stopped and its last state is served. */
  immutable: boolean;
}

/**
 * The kubelet's watch-based object manager for ConfigMaps or Secrets (upstream's default
 * `configMapAndSecretChangeDetectionStrategy: Watch`, pkg/kubelet/util/manager/
 * watch_based_manager.go): every object a pod on the node references is watched on its own
 * (list and watch in its namespace with `fieldSelector=metadata.name=<name>`, which the Node
 * authorizer allows for referenced objects), shared by all pods referencing it and stopped when
 * the last one is unregistered. Each watch is a reflector over a one-object store
 * ({@link ObjectWatch}), not a whole informer. Reads come from that watch once it has listed, so
 * pods' volume mounts and environments issue no GET. As upstream's:
 * - reading an object no registered pod references fails (`object "ns"/"name" not registered`);
 * - once a read finds the object immutable (`immutable: true`) its watch stops for good and that
 *   state is served from then on, even after the object is deleted;
 * - a watch no read used for `maxIdleMs` (five sync periods) is stopped by a check every minute,
 *   and the next read starts it again, waiting for a fresh list.
 */
export class WatchedObjects<T extends ObjectLike & { immutable?: boolean }> {
  private readonly watched = new Map<string, Watched<T>>();
  /** The keys each registered pod (by uid) references. */
  private readonly byPod = new Map<string, readonly string[]>();
  private recycleTimer: TimerHandle | undefined;

  constructor(
    private readonly o: {
      client: Client;
      clock: Clock;
      /** The kind (`ConfigMap`, `Secret`) and its plural for error messages (`configmap`, `secret`). */
      kind: string;
      resource: string;
      /** The names of objects of this kind `pod` references. */
      names: (pod: Pod) => Iterable<string>;
      /** How long an unread watch lives (upstream: 5 × the kubelet's syncFrequency, at least a minute). */
      maxIdleMs: number;
      logger?: Logger;
    },
  ) {}

  /**
   * Watches what `pod` references, as upstream's RegisterPod on every add and update: references
   * the pod gained (an ephemeral container's) are added, ones it lost are released.
   */
  registerPod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    const ns = pod.metadata?.namespace ?? "default";
    const keys: string[] = [];
    for (const name of this.o.names(pod)) {
      const key = `${ns}/${name}`;
      if (name && !keys.includes(key)) keys.push(key);
    }
    const previous = this.byPod.get(uid);
    if (previous && previous.length === keys.length && previous.every((k, i) => k === keys[i])) return;
    this.byPod.set(uid, keys);
    for (const key of keys) {
      if (previous?.includes(key)) continue;
      let w = this.watched.get(key);
      if (!w) {
        w = this.watch(ns, key.slice(ns.length + 1));
        this.watched.set(key, w);
      }
      w.pods.add(uid);
    }
    if (previous) for (const key of previous) if (!keys.includes(key)) this.release(key, uid);
    this.recycleTimer ??= this.o.clock.setInterval(() => this.recycleIdle(), RECYCLE_PERIOD_MS);
  }

  /** Stops watching what only the pod with `uid` referenced. */
  unregisterPod(uid: string): void {
    const keys = this.byPod.get(uid);
    if (!keys) return;
    this.byPod.delete(uid);
    for (const key of keys) this.release(key, uid);
  }

  /**
   * The object, undefined when it does not exist. Throws when no registered pod references it,
   * or when its watch has not listed within 1 s.
   */
  async get(namespace: string, name: string): Promise<T | undefined> {
    const key = `${namespace}/${name}`;
    const w = this.watched.get(key);
    if (!w) throw new Error(`object "${namespace}"/"${name}" not registered`);
    w.lastAccess = this.o.clock.now();
    if (w.stopped && !w.immutable) this.restart(w);
    if (!w.watch.hasSynced() && !(await w.watch.waitForSync(SYNC_TIMEOUT_MS))) throw new Error(`failed to sync ${this.o.resource} cache: timed out waiting for the condition`);
    const obj = w.watch.object;
    if (obj?.immutable === true && !w.immutable) {
      w.immutable = true;
      this.end(w);
      this.o.logger?.debug("Stopped watching for changes - object is immutable", { obj: key });
    }
    return obj;
  }

  /** Whether an object is watched (a registered pod references it). */
  has(namespace: string, name: string): boolean {
    return this.watched.has(`${namespace}/${name}`);
  }

  /** Stops every watch; resolves once they have ended. */
  async stop(): Promise<void> {
    this.o.clock.clearInterval(this.recycleTimer);
    this.recycleTimer = undefined;
    const all = [...this.watched.values()];
    this.watched.clear();
    this.byPod.clear();
    for (const w of all) w.watch.stop();
    await Promise.all(all.map((w) => w.watch.running));
  }

  /** Drops `uid`'s reference to `key`; the last one stops the watch. */
  private release(key: string, uid: string): void {
    const w = this.watched.get(key);
    if (!w) return;
    w.pods.delete(uid);
    if (w.pods.size > 0) return;
    this.watched.delete(key);
    w.watch.stop();
  }

  /** Upstream's startRecycleIdleWatch: stops listed watches no read used for maxIdleMs (never-read ones included). */
  private recycleIdle(): void {
    const now = this.o.clock.now();
    for (const [key, w] of this.watched) {
      if (w.stopped || !w.watch.hasSynced() || now <= w.lastAccess + this.o.maxIdleMs) continue;
      this.end(w);
      this.o.logger?.debug("Not acquired for long time, Stopped watching for changes", { objectKey: key, maxIdleTime: `${this.o.maxIdleMs / 1000}s` });
    }
  }

  private end(w: Watched<T>): void {
    w.stopped = true;
    w.watch.stop();
  }

  /** A stopped, mutable watch starts again from a fresh list (upstream: the store is marked unsynced). */
  private restart(w: Watched<T>): void {
    w.watch = this.objectWatch(w.namespace, w.name);
    w.stopped = false;
  }

  private watch(namespace: string, name: string): Watched<T> {
    return { namespace, name, watch: this.objectWatch(namespace, name), pods: new Set(), lastAccess: 0, stopped: false, immutable: false };
  }

  private objectWatch(namespace: string, name: string): ObjectWatch<T> {
    return new ObjectWatch<T>(this.o.clock, { client: this.o.client, kind: this.o.kind, namespace, name, ...(this.o.logger ? { logger: this.o.logger } : {}) });
  }
}
