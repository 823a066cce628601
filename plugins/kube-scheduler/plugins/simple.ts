/**
 * The small default plugins: PrioritySort, SchedulingGates, NodeUnschedulable, NodeName,
 * NodePorts, and the storage filters that are no-ops until the storage issue fills them in.
 */
import type { Pod } from "kubernetes-types/core/v1.js";
import { ActionType, QueueingHint, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin, type PreEnqueuePlugin, type PreFilterPlugin, type QueueSortPlugin, type QueuedPodInfo } from "../framework/interface.js";
import { Status } from "../framework/status.js";
import { taintTolerated } from "../framework/taints.js";
import type { CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";
import { PodInfo, type HostPort } from "../framework/pod-info.js";

function priorityOf(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** Higher priority first, then earlier enqueue time (upstream `queuesort.PrioritySort`). */
export class PrioritySort implements QueueSortPlugin {
  static readonly pluginName = "PrioritySort";
  readonly name = PrioritySort.pluginName;
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = a.priority ?? priorityOf(a.pod);
    const pb = b.priority ?? priorityOf(b.pod);
    return pa > pb || (pa === pb && (a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq)));
  }
}

/** Keeps pods with `spec.schedulingGates` out of activeQ (upstream `schedulinggates`). */
export class SchedulingGates implements PreEnqueuePlugin, EnqueueExtensions {
  static readonly pluginName = "SchedulingGates";
  readonly name = SchedulingGates.pluginName;
  preEnqueue(pod: Pod): Status | null {
    const gates = pod.spec?.schedulingGates;
    if (!gates?.length) return null;
    return Status.unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(" ")}]`);
  }
  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: "UnscheduledPod", actionType: ActionType.UpdatePodSchedulingGatesEliminated } }];
  }
}

export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";

/** Nodes with `spec.unschedulable` take only pods tolerating node.kubernetes.io/unschedulable:NoSchedule. */
export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  static readonly pluginName = "NodeUnschedulable";
  readonly name = NodeUnschedulable.pluginName;
  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null {
    if (!nodeInfo.unschedulable) return null;
    if (taintTolerated({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }, pod.spec?.tolerations)) return null;
    return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
  }
  /** `filter` for a batch: schedulable nodes (most) pass without a call. */
  filterNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], count: number, out: (Status | null)[]): void {
    for (let i = 0; i < count; i++) {
      const ni = nodes[i]!;
      out[i] = ni.unschedulable ? this.filter(state, pod, ni) : null;
    }
  }
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateNodeTaint | ActionType.UpdateOther },
        hint: (_pod, _old, node) => ((node as { spec?: { unschedulable?: boolean } } | undefined)?.spec?.unschedulable ? QueueingHint.Skip : QueueingHint.Queue),
      },
      { event: { resource: "UnscheduledPod", actionType: ActionType.UpdatePodTolerations } },
    ];
  }
}

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/**
 * A pod naming a node fits only that node. Its PreFilter skips the Filter for pods naming no node
 * (the Filter would accept every node): one call less per node on the common path.
 */
export class NodeName implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  static readonly pluginName = "NodeName";
  readonly name = NodeName.pluginName;
  preFilter(_state: CycleState, pod: Pod): Status | null {
    return pod.spec?.nodeName ? null : Status.skip();
  }
  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null {
    const want = pod.spec?.nodeName;
    if (!want || want === nodeInfo.name) return null;
    return Status.unresolvable(ERR_REASON_NODE_NAME);
  }
  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: "Node", actionType: ActionType.Add } }];
  }
}

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const PORTS_KEY = "PreFilterNodePorts";

class PortsState {
  constructor(readonly ports: readonly HostPort[]) {}
  clone(): PortsState {
    return this;
  }
}

/** Host ports the pod asks for must be free on the node (0.0.0.0 conflicts with every address). */
export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  static readonly pluginName = "NodePorts";
  readonly name = NodePorts.pluginName;
  preFilter(state: CycleState, pod: Pod): Status | null {
    const ports = PodInfo.of(pod).hostPorts;
    if (ports.length === 0) return Status.skip();
    state.write(PORTS_KEY, new PortsState(ports));
    return null;
  }
  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status | null {
    const s = state.read<PortsState>(PORTS_KEY);
    if (!s) return null;
    for (const p of s.ports) if (nodeInfo.portInUse(p)) return Status.unschedulable(ERR_REASON_PORTS);
    return null;
  }
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: "Pod", actionType: ActionType.Delete } },
      { event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateOther } },
    ];
  }
}

/**
 * VolumeZone and NodeVolumeLimits: present in the default profile under their upstream names so
 * configurations naming them are valid; they skip every pod (accept every node).
 */
export class StoragePlaceholder implements PreFilterPlugin, FilterPlugin {
  constructor(readonly name: string) {}
  /** Skip, as upstream's volume plugins do for pods without volumes they handle. */
  preFilter(): Status | null {
    return Status.skip();
  }
  filter(): Status | null {
    return null;
  }
}
