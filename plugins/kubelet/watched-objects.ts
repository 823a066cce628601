import type { Pod } from "kubernetes-types/core/v1.js";
import type { ObjectLike } from "../../core/api/object.js";
import type { Client } from "../../core/client/client.js";
import type { Clock } from "../../core/clock/clock.js";
import type { Logger } from "../../core/log/logger.js";
import { ObjectWatch } from "./object-watch.js";

/** How long a read waits for an object's watch to list it (upstream: PollImmediate(10ms, 1s, hasSynced)). */
const SYNC_TIMEOUT_MS = 1000;

/** One watched object: its watch and the pods referencing it. */
interface Watched<T extends ObjectLike> {
  watch: ObjectWatch<T>;
  pods: Set<string>;
}

/**
 * The kubelet's watch-based object manager for ConfigMaps or Secrets (upstream's default
 * `configMapAndSecretChangeDetectionStrategy: Watch`, pkg/kubelet/util/manager/
 * watch_based_manager.go): every object a pod on the node references is watched on its own
 * (list and watch in its namespace with `fieldSelector=metadata.name=<name>`, which the Node
 * authorizer allows for referenced objects), shared by all pods referencing it and stopped when
 * the last one is unregistered. Each watch is a reflector over a one-object store
 * ({@link ObjectWatch}), not a whole informer. Reads come from that watch once it has listed, so pods'
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
      w.watch.stop();
    }
  }

  /** The object, undefined when it does not exist (or is not watched); throws when its watch has not listed within 1 s. */
  async get(namespace: string, name: string): Promise<T | undefined> {
    const w = this.watched.get(`${namespace}/${name}`);
    if (!w) return undefined;
    if (!w.watch.hasSynced() && !(await w.watch.waitForSync(SYNC_TIMEOUT_MS))) throw new Error(`failed to sync ${this.o.resource} cache: timed out waiting for the condition`);
    return w.watch.object;
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
    for (const w of all) w.watch.stop();
    await Promise.all(all.map((w) => w.watch.running));
  }

  private watch(namespace: string, name: string): Watched<T> {
    const watch = new ObjectWatch<T>(this.o.clock, { client: this.o.client, kind: this.o.kind, namespace, name, ...(this.o.logger ? { logger: this.o.logger } : {}) });
    return { watch, pods: new Set() };
  }
}
