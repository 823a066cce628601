import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { isStatusError, type Manager } from "../../../../core/index.js";
import { rfc3339Of } from "../workload/time.js";

/** Upstream's gcCheckPeriod and quarantineTime. */
export const POD_GC_PERIOD_MS = 20_000;
export const QUARANTINE_MS = 40_000;

export interface PodGcSettings {
  /** `--terminated-pod-gc-threshold` (12500); 0 turns the terminated-pod collection off. */
  terminatedPodThreshold: number;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/**
 * The pod garbage collector (pkg/controller/podgc), every 20 s: deletes the oldest terminated pods
 * beyond `--terminated-pod-gc-threshold`; pods bound to a Node that no longer exists (after 40 s
 * of quarantine and a live check), marked Failed with the DisruptionTarget condition
 * (DeletionByPodGC) and force-deleted; and terminating pods never scheduled, force-deleted.
 */
export function podGcController(mgr: Manager, settings: PodGcSettings): void {
  const clock = mgr.clock;
  const podLister = mgr.informers.forResource<Pod>("Pod").lister();
  const nodeLister = mgr.informers.forResource<Node>("Node").lister();
  const pods = mgr.client.resource<Pod>("Pod");
  const nodes = mgr.client.resource<Node>("Node");
  const log = mgr.log.child("pod-garbage-collector");
  /** Nodes found missing, and since when: confirmed after the quarantine. */
  const missingSince = new Map<string, number>();

  const forceDelete = async (pod: Pod): Promise<void> => {
    try {
      await pods.delete(pod.metadata!.name!, { namespace: pod.metadata!.namespace!, gracePeriodSeconds: 0 });
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
  };

  async function gcTerminated(all: Pod[]): Promise<void> {
    if (settings.terminatedPodThreshold <= 0) return;
    const terminated = all.filter(isTerminal);
    const excess = terminated.length - settings.terminatedPodThreshold;
    if (excess <= 0) return;
    terminated.sort((a, b) => (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? ""));
    for (const pod of terminated.slice(0, excess)) await forceDelete(pod);
  }

  async function gcOrphaned(all: Pod[]): Promise<void> {
    const now = clock.now();
    const bound = new Set<string>();
    for (const pod of all) if (pod.spec?.nodeName) bound.add(pod.spec.nodeName);
    for (const name of missingSince.keys()) if (!bound.has(name) || nodeLister.get(name)) missingSince.delete(name);
    const deleted = new Set<string>();
    for (const name of bound) {
      if (nodeLister.get(name)) continue;
      const since = missingSince.get(name);
      if (since === undefined) {
        missingSince.set(name, now);
        continue;
      }
      if (now - since < QUARANTINE_MS) continue;
      try {
        await nodes.get(name);
        missingSince.delete(name);
        continue;
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
      deleted.add(name);
    }
    for (const pod of all) {
      if (!pod.spec?.nodeName || !deleted.has(pod.spec.nodeName)) continue;
      log.info("deleting orphaned pod", { pod: `${pod.metadata!.namespace}/${pod.metadata!.name}`, node: pod.spec.nodeName });
      try {
        if (!isTerminal(pod)) {
          // A status patch (upstream applies it), which is all system:controller:pod-garbage-collector may do to pods/status.
          const condition = { type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists", lastTransitionTime: rfc3339Of(clock.now()) };
          await pods.patch(pod.metadata!.name!, "strategic", { status: { phase: "Failed", conditions: [condition] } }, { namespace: pod.metadata!.namespace!, subresource: "status", fieldManager: "PodGC" });
        }
      } catch (err) {
        if (isStatusError(err, "NotFound")) continue;
        if (!isStatusError(err, "Conflict")) throw err;
      }
      await forceDelete(pod);
    }
  }

  async function gcUnscheduledTerminating(all: Pod[]): Promise<void> {
    for (const pod of all) if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) await forceDelete(pod);
  }

  mgr.add({
    name: "pod-garbage-collector",
    async start(signal) {
      let running: Promise<void> | undefined;
      const tick = (): void => {
        if (running || signal.aborted) return;
        const all = podLister.list();
        running = gcTerminated(all)
          .then(() => gcOrphaned(all))
          .then(() => gcUnscheduledTerminating(all))
          .catch((err: unknown) => log.warn("pod garbage collection failed", { error: err }))
          .finally(() => (running = undefined));
      };
      const interval = clock.setInterval(tick, POD_GC_PERIOD_MS);
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      clock.clearInterval(interval);
      await running;
    },
  });
}
