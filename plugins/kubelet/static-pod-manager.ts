import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { Client } from "../../core/client/client.js";
import type { Logger } from "../../core/log/logger.js";
import type { ManifestDirectory } from "./manifest-directory.js";
import { isStatusError } from "../../core/api/status.js";
import { CONFIG_HASH_ANNOTATION, MIRROR_ANNOTATION, isManifestError, mirrorPodOf, staticPodFromManifest } from "./static-pods.js";

/** What the manager asks of its kubelet: run and stop static pods, re-send a pod's status. */
export interface StaticPodHost {
  readonly nodeName: string;
  readonly client: Client;
  readonly log: Logger;
  now(): number;
  /** Starts a pod worker for a static pod. */
  run(pod: Pod): void;
  /** Terminates a static pod (its manifest is gone or changed), with its grace period. */
  stop(pod: Pod): void;
  /** The mirror pod was (re)created: the pod's status must be written to it again. */
  mirrorCreated(uid: string): void;
  event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void;
}

/**
 * Static pods (upstream's file config source + mirror client): the manifests in the kubelet's
 * `staticPodPath` (the node's `/etc/kubernetes/manifests`, or a host directory) run as pods of this kubelet without the API server; each gets a
 * mirror pod in the API (`kubernetes.io/config.mirror`, owned by the Node) that shows its status.
 * Deleting a mirror pod only makes the kubelet create it again; removing the manifest stops the pod
 * and deletes its mirror. The directory is watched (inotify) and re-read every 20 s
 * (`fileCheckFrequency`).
 */
export class StaticPodManager {
  /** Static pods by manifest path. */
  private readonly byPath = new Map<string, Pod>();
  /** The manifest text each static pod came from (unchanged files are not parsed again). */
  private readonly texts = new Map<string, string>();
  /** Static pods by `<namespace>/<name>` (their mirror's key). */
  private readonly byKey = new Map<string, Pod>();
  private readonly mirrorBusy = new Map<string, boolean>();
  private nodeUid: string | undefined;
  private scheduled = false;

  constructor(
    private readonly host: StaticPodHost,
    private readonly dir: ManifestDirectory,
  ) {}

  /** Reads the directory now and on every change below it. Returns the unsubscribe. */
  watch(): () => void {
    this.resync();
    return this.dir.watch(() => {
      if (this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.resync();
      });
    });
  }

  /** Is this API pod the mirror of one of our static pods? */
  staticPodFor(mirror: Pod): Pod | undefined {
    return this.byKey.get(`${mirror.metadata?.namespace}/${mirror.metadata?.name}`);
  }

  /** Diffs the manifests against the running static pods: new ones run, removed or edited ones stop. */
  resync(): void {
    const seen = new Date(this.host.now()).toISOString().replace("Z", "000000Z");
    const current = new Map<string, Pod>();
    for (const name of this.dir.list()) {
      if (name.startsWith(".")) continue;
      const path = `${this.dir.path}/${name}`;
      const text = this.dir.read(name);
      if (text === undefined) continue;
      const known = this.byPath.get(path);
      if (known && this.texts.get(path) === text) {
        current.set(path, known);
        continue;
      }
      const pod = staticPodFromManifest(path, text, this.host.nodeName, seen);
      if (isManifestError(pod)) {
        this.host.log.warn("could not process manifest file", { path, error: pod.message });
        continue;
      }
      this.texts.set(path, text);
      current.set(path, known?.metadata?.uid === pod.metadata?.uid ? known! : pod);
    }
    for (const [path, pod] of this.byPath) {
      if (current.get(path)?.metadata?.uid === pod.metadata?.uid) continue;
      this.byPath.delete(path);
      if (!current.has(path)) this.texts.delete(path);
      this.byKey.delete(keyOf(pod));
      this.host.stop(pod);
      void this.deleteOrphanedMirror(pod).catch((err: unknown) => this.host.log.warn("failed to delete mirror pod", { pod: keyOf(pod), error: err }));
    }
    for (const [path, pod] of current) {
      if (this.byPath.get(path) === pod) continue;
      this.byPath.set(path, pod);
      this.byKey.set(keyOf(pod), pod);
      this.host.run(pod);
      void this.ensureMirror(pod);
    }
  }

  /** A mirror pod changed or went away in the API: recreate it while its static pod runs; delete orphans. */
  mirrorChanged(mirror: Pod | undefined, key: string): void {
    const pod = this.byKey.get(key);
    if (!pod) {
      if (mirror && !mirror.metadata?.deletionTimestamp) void this.deleteMirror(mirror, mirror.metadata!.uid!).catch(() => undefined);
      return;
    }
    if (mirror && !mirror.metadata?.deletionTimestamp && mirror.metadata?.annotations?.[MIRROR_ANNOTATION] === pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION]) return;
    void this.ensureMirror(pod);
  }

  /** Makes the API hold exactly one current mirror of `pod`: deletes a stale or deleting one (grace 0), creates one. */
  private async ensureMirror(pod: Pod): Promise<void> {
    const key = keyOf(pod);
    if (this.mirrorBusy.has(key)) {
      this.mirrorBusy.set(key, true);
      return;
    }
    this.mirrorBusy.set(key, false);
    try {
      do {
        this.mirrorBusy.set(key, false);
        if (this.byKey.get(key) !== pod) return;
        await this.syncMirror(pod);
      } while (this.mirrorBusy.get(key));
    } catch (err) {
      this.host.log.warn("failed to sync mirror pod", { pod: key, error: err });
    } finally {
      this.mirrorBusy.delete(key);
    }
  }

  private async syncMirror(pod: Pod): Promise<void> {
    const pods = this.host.client.resource<Pod>("Pod");
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    const existing = await pods.get(name, { namespace }).catch((err: unknown) => {
      if (isStatusError(err) && err.code === 404) return undefined;
      throw err;
    });
    const hash = pod.metadata!.annotations![CONFIG_HASH_ANNOTATION];
    if (existing) {
      const current = existing.metadata?.annotations?.[MIRROR_ANNOTATION];
      if (current === undefined) {
        this.host.event(pod, "Warning", "FailedCreate", `Error creating mirror pod: pods "${name}" already exists`);
        return;
      }
      if (current === hash && !existing.metadata?.deletionTimestamp) return;
      await this.deleteMirror(existing, existing.metadata!.uid!);
    }
    const node = await this.node();
    try {
      await pods.create(mirrorPodOf(pod, node), { fieldManager: "kubelet" });
      this.host.mirrorCreated(pod.metadata!.uid!);
    } catch (err) {
      if (isStatusError(err) && err.code === 409) {
        this.mirrorBusy.set(keyOf(pod), true);
        return;
      }
      throw err;
    }
  }

  /** Deletes the mirror pod of a static pod that no longer runs (only a mirror: never a pod someone else made). */
  private async deleteOrphanedMirror(pod: Pod): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    const existing = await this.host.client.resource<Pod>("Pod").get(name, { namespace }).catch(() => undefined);
    if (existing?.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined && !this.byKey.has(keyOf(pod))) await this.deleteMirror(existing, existing.metadata!.uid!);
  }

  private async deleteMirror(pod: Pod, uid: string): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    try {
      await this.host.client.resource<Pod>("Pod").delete(name, { namespace, gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      if (!(isStatusError(err) && (err.code === 404 || err.code === 409))) throw err;
    }
  }

  private async node(): Promise<{ name: string; uid: string }> {
    if (!this.nodeUid) this.nodeUid = (await this.host.client.resource<Node>("Node").get(this.host.nodeName)).metadata!.uid!;
    return { name: this.host.nodeName, uid: this.nodeUid };
  }
}

function keyOf(pod: Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}
