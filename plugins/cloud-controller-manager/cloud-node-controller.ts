import type { Node, Taint } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, type Manager } from "../../core/index.js";
import type { InstancesV2 } from "./cloud-provider.js";

/** The taint a kubelet with `--cloud-provider=external` registers its Node with, until the cloud node controller initialises it. */
export const UNINITIALIZED_TAINT = "node.cloudprovider.kubernetes.io/uninitialized";
/** The taint a NotReady node whose instance is shut down carries (cloud node lifecycle controller). */
export const SHUTDOWN_TAINT = "node.cloudprovider.kubernetes.io/shutdown";

const hasTaint = (node: Node, key: string): boolean => (node.spec?.taints ?? []).some((t) => t.key === key);
const isReady = (node: Node): boolean => (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * The cloud node controller (k8s.io/cloud-provider controllers/node): a Node carrying the
 * uninitialized taint gets the provider's instance metadata — `spec.providerID`, the
 * `topology.kubernetes.io/zone|region` and `node.kubernetes.io/instance-type` labels (and their
 * deprecated beta twins), the cloud's addresses — and then loses the taint, so pods schedule on it.
 * A Node whose instance no longer exists is deleted.
 */
export function cloudNodeController(mgr: Manager, instances: InstancesV2): void {
  const nodes = mgr.client.resource<Node>("Node");
  const lister = mgr.informers.forResource<Node>("Node").lister();
  const recorder = mgr.getEventRecorderFor("cloud-node-controller");
  controllerFor(mgr)
    .named("cloud-node-controller")
    .for<Node>("Node")
    .complete({
      async reconcile(req) {
        const node = lister.get(req.name);
        if (!node || !hasTaint(node, UNINITIALIZED_TAINT)) return undefined;
        if (!(await instances.instanceExists(node))) {
          await nodes.delete(req.name).catch((err: unknown) => {
            if (!isStatusError(err, "NotFound")) throw err;
          });
          return undefined;
        }
        const meta = await instances.instanceMetadata(node);
        const labels: Record<string, string> = {};
        if (meta.instanceType) Object.assign(labels, { "node.kubernetes.io/instance-type": meta.instanceType, "beta.kubernetes.io/instance-type": meta.instanceType });
        if (meta.zone) Object.assign(labels, { "topology.kubernetes.io/zone": meta.zone, "failure-domain.beta.kubernetes.io/zone": meta.zone });
        if (meta.region) Object.assign(labels, { "topology.kubernetes.io/region": meta.region, "failure-domain.beta.kubernetes.io/region": meta.region });
        if (meta.nodeAddresses?.length) await nodes.patch(req.name, "merge", { status: { addresses: meta.nodeAddresses } }, { subresource: "status" });
        const taints: Taint[] = (node.spec?.taints ?? []).filter((t) => t.key !== UNINITIALIZED_TAINT);
        await nodes.patch(req.name, "merge", { metadata: { labels, resourceVersion: node.metadata!.resourceVersion }, spec: { taints, ...(node.spec?.providerID ? {} : { providerID: meta.providerID }) } });
        recorder.event(node, "Normal", "Synced", "Node synced successfully");
        return undefined;
      },
    });
}

/**
 * The cloud node lifecycle controller (k8s.io/cloud-provider controllers/nodelifecycle): every
 * `monitorPeriodMs` (5 s) it looks at NotReady Nodes — one whose instance no longer exists is
 * deleted (event `DeletingNode`), one whose instance is shut down gets the shutdown taint —
 * and takes the shutdown taint off Nodes that are Ready again.
 */
export function cloudNodeLifecycleController(mgr: Manager, instances: InstancesV2, monitorPeriodMs = 5_000): void {
  const nodes = mgr.client.resource<Node>("Node");
  const informer = mgr.informers.forResource<Node>("Node");
  const recorder = mgr.getEventRecorderFor("cloud-node-lifecycle-controller");
  const setTaints = (node: Node, taints: Taint[]): Promise<unknown> => nodes.patch(node.metadata!.name!, "merge", { metadata: { resourceVersion: node.metadata!.resourceVersion }, spec: { taints } });
  const sweep = async (): Promise<void> => {
    for (const node of informer.lister().list()) {
      if (isReady(node)) {
        if (hasTaint(node, SHUTDOWN_TAINT)) await setTaints(node, (node.spec?.taints ?? []).filter((t) => t.key !== SHUTDOWN_TAINT));
        continue;
      }
      if (!(await instances.instanceExists(node))) {
        recorder.event(node, "Normal", "DeletingNode", `Deleting node ${node.metadata!.name} because it does not exist in the cloud provider`);
        await nodes.delete(node.metadata!.name!).catch((err: unknown) => {
          if (!isStatusError(err, "NotFound")) throw err;
        });
        continue;
      }
      if (!hasTaint(node, SHUTDOWN_TAINT) && (await instances.instanceShutdown?.(node))) {
        await setTaints(node, [...(node.spec?.taints ?? []), { key: SHUTDOWN_TAINT, effect: "NoSchedule" }]);
      }
    }
  };
  mgr.add({
    name: "cloud-node-lifecycle-controller",
    async start(signal) {
      const timer = mgr.clock.setInterval(() => void sweep().catch((err: unknown) => mgr.log?.error?.("cloud node lifecycle sweep failed", { error: err })), monitorPeriodMs);
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      mgr.clock.clearInterval(timer);
    },
  });
}
