import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { rfc3339, rfc3339Micro } from "../../core/api/time.js";

const LEASES = { apiVersion: "coordination.k8s.io/v1", kind: "Lease" } as const;

/**
 * Plays the kubelets of hand-made nodes for controller tests: registers each Node (Ready, with
 * labels), and renews its kube-node-lease Lease every 10 s on the cluster clock until told to stop
 * (as a kubelet that died). `revive` posts Ready again and resumes the heartbeat.
 */
export class FakeNodes {
  private readonly timers = new Map<string, ReturnType<Cluster["clock"]["setInterval"]>>();
  /** When each node's Lease was last renewed (cluster clock, ms). */
  readonly lastRenewal = new Map<string, number>();

  constructor(private readonly cluster: Cluster) {}

  async add(name: string, labels: Record<string, string> = {}): Promise<Node> {
    const now = rfc3339(this.cluster.clock.now());
    const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason, lastHeartbeatTime: now, lastTransitionTime: now });
    const node = await this.cluster.client.resource<Node>("Node").create({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
      spec: {},
    });
    const withStatus = await this.cluster.client.resource<Node>("Node").patch(node.metadata!.name!, "merge", {
      status: {
        capacity: { cpu: "4", memory: "8Gi", pods: "110" },
        allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
        conditions: [cond("MemoryPressure", "False", "KubeletHasSufficientMemory"), cond("DiskPressure", "False", "KubeletHasNoDiskPressure"), cond("PIDPressure", "False", "KubeletHasSufficientPID"), cond("Ready", "True", "KubeletReady")],
      },
    }, { subresource: "status" });
    await this.renew(name);
    this.beat(name);
    return withStatus;
  }

  /** The kubelet stops: no more Lease renewals or status posts. */
  kill(name: string): void {
    this.cluster.clock.clearInterval(this.timers.get(name));
    this.timers.delete(name);
  }

  /** The kubelet is back: posts Ready=True and renews its Lease again. */
  async revive(name: string): Promise<void> {
    const nodes = this.cluster.client.resource<Node>("Node");
    const node = await nodes.get(name);
    const now = rfc3339(this.cluster.clock.now());
    const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c, status: c.type === "Ready" ? "True" : "False", reason: c.type === "Ready" ? "KubeletReady" : "KubeletHasSufficient", lastHeartbeatTime: now, lastTransitionTime: now }));
    await nodes.patch(name, "merge", { status: { conditions } }, { subresource: "status" });
    await this.renew(name);
    this.beat(name);
  }

  stopAll(): void {
    for (const name of [...this.timers.keys()]) this.kill(name);
  }

  private beat(name: string): void {
    this.timers.set(name, this.cluster.clock.setInterval(() => void this.renew(name).catch(() => undefined), 10_000));
  }

  private async renew(name: string): Promise<void> {
    const leases = this.cluster.client.resource<Lease>(LEASES);
    const renewTime = rfc3339Micro(this.cluster.clock.now());
    this.lastRenewal.set(name, this.cluster.clock.now());
    try {
      const lease = await leases.get(name, { namespace: "kube-node-lease" });
      await leases.update({ ...lease, spec: { ...lease.spec, renewTime } });
    } catch {
      await leases.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime } });
    }
  }
}

/** A pod bound to `node` (created with `spec.nodeName`), with the given extra tolerations. */
export async function boundPod(cluster: Cluster, name: string, node: string, tolerations: NonNullable<Pod["spec"]>["tolerations"] = [], labels: Record<string, string> = {}): Promise<Pod> {
  return cluster.client.resource<Pod>("Pod").create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { nodeName: node, containers: [{ name: "c", image: "nginx" }], tolerations },
  }, { namespace: "default" });
}

export function taintOf(node: Node, key: string, effect: string) {
  return node.spec?.taints?.find((t) => t.key === key && t.effect === effect);
}

export function readyOf(node: Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status;
}
