import type { Pod } from "kubernetes-types/core/v1.js";
import type { ObjectLike } from "../../core/api/object.js";
import type { Client } from "../../core/client/client.js";
import type { Clock } from "../../core/clock/clock.js";
import { SharedInformer } from "../../core/informers/shared-informer.js";
import type { Logger } from "../../core/log/logger.js";

/** How long a read waits for an object's watch to list it (upstream: PollImmediate(10ms, 1s, hasSynced)). */
const SYNC_TIMEOUT_MS = 1000;

/** One watched object: its single-object informer and the pods referencing it. */
interface Watched<T extends ObjectLike> {
  informer: SharedInformer<T>;
  stop: AbortController;
  running: Promise<void>;
  pods: Set<string>;
}

/**
 * The kubelet's watch-based object manager for ConfigMaps or Secrets (upstream's default
 * `configMapAndSecretChangeDetectionStrategy: Watch`, pkg/kubelet/util/manager/
 * watch_based_manager.go): every object a pod on the node references is watched on its own
 * (list and watch in its namespace with `fieldSelector=metadata.name=<name>`, which the Node
 * authorizer allows for referenced objects), shared by all pods referencing it and stopped when
 * the last one is unregistered. Reads come from that watch's cache once it has listed, so pods'
 * volume mounts and environments issue no GET. Objects no registered pod references (none in
 * practice) are read with a GET.
 */
export class WatchedObjects<T extends ObjectLike> {
  private readonly watched = new Map<string, Watched<T>>();
  /** The keys each registered pod (by uid) references. */
  private readonly byPod = new Map<string, string[]>();

  constructor(
    private readonly o: {
      client: Client;
      clock: Clock;
      /** The kind (`ConfigMap`, `Secret`) and its plural for error messages (`configmap`, `secret`). */
      kind: string;
      resource: string;
      /** The names of objects of this kind `pod` references. */
      names: (pod: Pod) => Iterable<string>;
      logger?: Logger;
    },
  ) {}

  /** Starts watching what `pod` references (idempotent; a pod's references do not change). */
  registerPod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    if (this.byPod.has(uid)) return;
    const ns = pod.metadata?.namespace ?? "default";
    const keys = [...new Set([...this.o.names(pod)].filter(Boolean))].map((name) => `${ns}/${name}`);
    this.byPod.set(uid, keys);
    for (const key of keys) {
      let w = this.watched.get(key);
      if (!w) {
        w = this.watch(ns, key.slice(ns.length + 1));
        this.watched.set(key, w);
      }
      w.pods.add(uid);
    }
  }

  /** Stops watching what only the pod with `uid` referenced. */
  unregisterPod(uid: string): void {
    const keys = this.byPod.get(uid);
    if (!keys) return;
    this.byPod.delete(uid);
    for (const key of keys) {
      const w = this.watched.get(key);
      if (!w) continue;
      w.pods.delete(uid);
      if (w.pods.size > 0) continue;
      this.watched.delete(key);
      w.stop.abort();
    }
  }

  /** The object, undefined when it does not exist (or is not watched); throws when its watch has not listed within 1 s. */
  async get(namespace: string, name: string): Promise<T | undefined> {
    const w = this.watched.get(`${namespace}/${name}`);
    if (!w) return undefined;
    if (!w.informer.hasSynced() && !(await this.synced(w))) throw new Error(`failed to sync ${this.o.resource} cache: timed out waiting for the condition`);
    return w.informer.indexer.getByKey(`${namespace}/${name}`);
  }

  /** Whether an object is watched (a registered pod references it). */
  has(namespace: string, name: string): boolean {
    return this.watched.has(`${namespace}/${name}`);
  }

  /** Stops every watch; resolves once they have ended. */
  async stop(): Promise<void> {
    const all = [...this.watched.values()];
    this.watched.clear();
    this.byPod.clear();
    for (const w of all) w.stop.abort();
    await Promise.all(all.map((w) => w.running));
  }

  private watch(namespace: string, name: string): Watched<T> {
    const informer = new SharedInformer<T>({ client: this.o.client, resource: this.o.kind, clock: this.o.clock, namespace, fieldSelector: `metadata.name=${name}`, ...(this.o.logger ? { logger: this.o.logger } : {}) });
    const stop = new AbortController();
    return { informer, stop, running: informer.run(stop.signal), pods: new Set() };
  }

  private async synced(w: Watched<T>): Promise<boolean> {
    const timeout = new AbortController();
    const timer = this.o.clock.setTimeout(() => timeout.abort(), SYNC_TIMEOUT_MS);
    try {
      return await w.informer.waitForSync(AbortSignal.any([timeout.signal, w.stop.signal]));
    } finally {
      this.o.clock.clearTimeout(timer);
    }
  }
}
