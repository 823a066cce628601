import type { Node, NodeCondition, Taint } from "kubernetes-types/core/v1.js";

/** The taints the node lifecycle controller owns (k8s.io/api/core/v1 well_known_taints.go). */
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
export const TAINT_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure";
export const TAINT_DISK_PRESSURE = "node.kubernetes.io/disk-pressure";
export const TAINT_PID_PRESSURE = "node.kubernetes.io/pid-pressure";
export const TAINT_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable";

/** Which NoSchedule taint each condition status maps to (upstream's nodeConditionToTaintKeyStatusMap). */
const CONDITION_TAINTS: readonly { type: string; status: string; key: string }[] = [
  { type: "Ready", status: "False", key: TAINT_NOT_READY },
  { type: "Ready", status: "Unknown", key: TAINT_UNREACHABLE },
  { type: "MemoryPressure", status: "True", key: TAINT_MEMORY_PRESSURE },
  { type: "DiskPressure", status: "True", key: TAINT_DISK_PRESSURE },
  { type: "NetworkUnavailable", status: "True", key: TAINT_NETWORK_UNAVAILABLE },
  { type: "PIDPressure", status: "True", key: TAINT_PID_PRESSURE },
];

/** Every key the NoSchedule pass manages. */
const NO_SCHEDULE_KEYS = new Set([...CONDITION_TAINTS.map((c) => c.key), TAINT_UNSCHEDULABLE]);

export function conditionOf(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** The NoSchedule taint keys a node's conditions and `spec.unschedulable` call for, sorted. */
export function wantedNoScheduleKeys(node: Node): string[] {
  const keys: string[] = [];
  for (const c of CONDITION_TAINTS) if (conditionOf(node, c.type)?.status === c.status) keys.push(c.key);
  if (node.spec?.unschedulable) keys.push(TAINT_UNSCHEDULABLE);
  return keys.sort();
}

/**
 * The node's taints with the managed NoSchedule taints made to match `wanted` (others kept in
 * place; new ones stamped `timeAdded`), or undefined when nothing changes.
 */
export function withNoScheduleTaints(node: Node, wanted: readonly string[], timeAdded: string): Taint[] | undefined {
  const taints = node.spec?.taints ?? [];
  const kept = taints.filter((t) => !(t.effect === "NoSchedule" && NO_SCHEDULE_KEYS.has(t.key) && !wanted.includes(t.key)));
  const added = wanted.filter((k) => !taints.some((t) => t.effect === "NoSchedule" && t.key === k)).map((key): Taint => ({ key, effect: "NoSchedule", timeAdded }));
  if (kept.length === taints.length && added.length === 0) return undefined;
  return [...kept, ...added];
}

/** The node's NoExecute not-ready/unreachable taint, if it has one. */
export function noExecuteHealthTaint(node: Node): Taint | undefined {
  return node.spec?.taints?.find((t) => t.effect === "NoExecute" && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE));
}

/**
 * The node's taints with exactly one NoExecute health taint `key` (or none when undefined),
 * replacing the other; undefined when nothing changes.
 */
export function withNoExecuteHealthTaint(node: Node, key: string | undefined, timeAdded: string): Taint[] | undefined {
  const taints = node.spec?.taints ?? [];
  const current = noExecuteHealthTaint(node);
  if (current?.key === key && taints.filter((t) => t.effect === "NoExecute" && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE)).length === (key ? 1 : 0)) return undefined;
  const kept = taints.filter((t) => !(t.effect === "NoExecute" && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE)));
  return key ? [...kept, { key, effect: "NoExecute", timeAdded }] : kept;
}

/** Upstream's zone key (utilnode.GetZoneKey): region and zone labels, "" when the node has neither. */
export function zoneKeyOf(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone = labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\u0000:${zone}`;
}
