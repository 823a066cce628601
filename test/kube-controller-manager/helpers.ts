import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { isStatusError } from "../../core/api/status.js";
import type { PluginRef } from "../../core/plugins/plugin-loader.js";

/** RFC 3339 seconds of a cluster-clock time. */
export function stamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Sets a pod's status as a kubelet would: bound to `node`, phase, and Ready since `readySince` (ms) or not ready. */
export async function setPodStatus(cluster: Cluster, pod: Pod, opts: { phase?: string; ready?: boolean; readySince?: number; node?: string; restarts?: number; ip?: string }): Promise<Pod> {
  const client = cluster.client.resource<Pod>("Pod");
  const ns = pod.metadata!.namespace!;
  let current = (await client.get(pod.metadata!.name!, { namespace: ns })) as Pod;
  // The default distribution's scheduler may have bound the pod already: keep its node then.
  if (opts.node && !current.spec?.nodeName) {
    await client.createSubresource(current.metadata!.name!, "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: current.metadata!.name!, namespace: ns }, target: { kind: "Node", name: opts.node } }, { namespace: ns });
    current = (await client.get(pod.metadata!.name!, { namespace: ns })) as Pod;
  }
  const now = cluster.clock.now();
  const ready = opts.ready ?? false;
  const status = {
    ...current.status,
    phase: opts.phase ?? "Running",
    ...(opts.ip ? { podIP: opts.ip, podIPs: [{ ip: opts.ip }] } : {}),
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

/**
 * A stand-in kubelet for controller tests (no scheduler or kubelet in these clusters): binds every
 * new pod to `node`, marks it Running and Ready, and completes graceful deletions at once.
 * `ready` decides per pod whether it becomes Ready (default all). With `scheduled`, pods are left
 * to the scheduler and only started once bound. Returns a stop function.
 */
export function fakeKubelet(cluster: Cluster, opts: { node?: string; ready?: (pod: Pod) => boolean; scheduled?: boolean } = {}): () => void {
  const informer = cluster.informers.forResource<Pod>("Pod");
  const busy = new Set<string>();
  const handle = (pod: Pod): void => {
    const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
    if (busy.has(key)) return;
    const client = cluster.client.resource<Pod>("Pod");
    const ns = pod.metadata!.namespace!;
    let work: Promise<unknown> | undefined;
    if (pod.metadata?.deletionTimestamp) work = client.delete(pod.metadata.name!, { namespace: ns, gracePeriodSeconds: 0 });
    else if (opts.scheduled && !pod.spec?.nodeName) return;
    else if (pod.status?.phase !== "Running" && (opts.ready ?? (() => true))(pod)) work = setPodStatus(cluster, pod, { node: opts.scheduled ? pod.spec!.nodeName! : (opts.node ?? "kubesim-worker"), ready: true });
    if (!work) return;
    busy.add(key);
    void work.catch(() => undefined).finally(() => busy.delete(key));
  };
  const reg = informer.addEventHandler({ onAdd: handle, onUpdate: (_o, n) => handle(n) });
  cluster.informers.start();
  return () => reg.remove();
}

/** Runs `fn` against a started cluster on the virtual clock, stopping it afterwards. */
export async function withCluster(fn: (c: Cluster) => Promise<void>, options: { seed?: number; nodes?: number; plugins?: PluginRef[] } = {}): Promise<void> {
  // The controllers alone by default: tests play the scheduler and kubelet themselves (helpers above).
  const cluster = new Cluster({ clock: "virtual", seed: options.seed ?? 1, nodes: options.nodes ?? 2, plugins: options.plugins ?? ["kube-controller-manager"] });
  await cluster.start();
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

/** Asserts that `get` fails with NotFound. */
export async function assertGone(get: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await get();
  } catch (err) {
    if (isStatusError(err, "NotFound")) return;
    throw err;
  }
  throw new Error(`${what}: still there`);
}
