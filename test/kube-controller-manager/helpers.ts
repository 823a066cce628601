import type { Pod } from "kubernetes-types/core/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";

/** RFC 3339 seconds of a cluster-clock time. */
export function stamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Sets a pod's status as a kubelet would: bound to `node`, phase, and Ready since `readySince` (ms) or not ready. */
export async function setPodStatus(cluster: Cluster, pod: Pod, opts: { phase?: string; ready?: boolean; readySince?: number; node?: string; restarts?: number }): Promise<Pod> {
  const client = cluster.client.resource<Pod>("Pod");
  const ns = pod.metadata!.namespace!;
  let current = (await client.get(pod.metadata!.name!, { namespace: ns })) as Pod;
  if (opts.node && current.spec?.nodeName !== opts.node) {
    await client.createSubresource(current.metadata!.name!, "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: current.metadata!.name!, namespace: ns }, target: { kind: "Node", name: opts.node } }, { namespace: ns });
    current = (await client.get(pod.metadata!.name!, { namespace: ns })) as Pod;
  }
  const now = cluster.clock.now();
  const ready = opts.ready ?? false;
  const status = {
    ...current.status,
    phase: opts.phase ?? "Running",
    conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: stamp(ready ? (opts.readySince ?? now) : now) }],
    containerStatuses: (current.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? "", imageID: "", ready, restartCount: opts.restarts ?? 0, started: true, state: { running: { startedAt: stamp(now) } } })),
  };
  return (await client.updateSubresource(current.metadata!.name!, "status", { ...current, status }, { namespace: ns })) as Pod;
}

/** Pods in `namespace` whose controllerRef names `owner`. */
export async function podsOf(cluster: Cluster, namespace: string, ownerUid: string): Promise<Pod[]> {
  const list = await cluster.client.resource<Pod>("Pod").list({ namespace });
  return (list.items as Pod[]).filter((p) => p.metadata?.ownerReferences?.some((r) => r.controller && r.uid === ownerUid));
}
