import type { Pod, PodCondition, PodStatus, ContainerStatus } from "kubernetes-types/core/v1.js";
import { rfc3339 } from "../../core/api/time.js";
import { podQOSClass } from "../../core/api/builtin/core/qos.js";
import type { ContainerSlot } from "./container-slot.js";

const OWN_CONDITIONS = new Set(["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"]);
/** No readiness gates missing (shared: most pods have no gates). */
const NO_GATES: readonly string[] = [];

/** The condition of `type` among `conditions` (the first, as a search from the front finds it). */
function conditionOf(conditions: readonly PodCondition[] | undefined, type: string): PodCondition | undefined {
  if (conditions) for (const c of conditions) if (c.type === type) return c;
  return undefined;
}

/** A condition as the kubelet writes it: Go's null `lastProbeTime`, then the transition time, reason and message when set. */
function condition(type: string, status: boolean, lastTransitionTime: string, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status: status ? "True" : "False", lastProbeTime: null as never, lastTransitionTime };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** A container's status as the API shows it. */
export function containerStatus(slot: ContainerSlot, runtimeName: string): ContainerStatus {
  const state = slot.waiting ? { waiting: slot.waiting } : (slot.state ?? { waiting: { reason: "ContainerCreating" } });
  // Fields in the order the API shows them, set one after another (no spread of a temporary object).
  const status: ContainerStatus = {
    name: slot.name,
    state,
    lastState: slot.last ? { terminated: slot.last } : {},
    ready: slot.ready,
    restartCount: slot.restartCount,
    image: slot.spec.image ?? "",
    imageID: slot.imageID ?? "",
  };
  if (slot.id) status.containerID = `${runtimeName}://${slot.id}`;
  status.started = slot.started;
  return status;
}

/** An ephemeral container's status: as a container's, without `started` (the kubelet tracks startup for regular and init containers only). */
function ephemeralStatus(slot: ContainerSlot, runtimeName: string): ContainerStatus {
  const status = containerStatus(slot, runtimeName);
  delete status.started;
  return status;
}

export interface PodStatusInput {
  pod: Pod;
  init: ContainerSlot[];
  regular: ContainerSlot[];
  /** Ephemeral containers (`kubectl debug`): reported, never part of phase or readiness. */
  ephemeral?: ContainerSlot[];
  runtimeName: string;
  sandboxReady: boolean;
  podIPs: string[];
  hostIP: string;
  startTime?: number;
  now: number;
  /** A terminal phase decided by the kubelet (admission rejection, deadline, eviction). */
  terminal?: { phase: "Failed" | "Succeeded"; reason?: string; message?: string };
  /** Rejected at admission: the status is only phase, reason and message (no containers ever existed). */
  rejected?: boolean;
}

/** The phase from container states (upstream's getPhase). */
export function podPhase(input: PodStatusInput): PodStatus["phase"] {
  if (input.terminal) return input.terminal.phase;
  const policy = input.pod.spec?.restartPolicy ?? "Always";
  let pendingInit = false;
  for (const s of input.init) {
    if (s.kind === "sidecar") {
      if (!s.started && !s.state?.running) pendingInit = true;
      continue;
    }
    const t = s.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (t && policy === "Never") return "Failed";
    pendingInit = true;
  }
  if (pendingInit) return "Pending";
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of input.regular) {
    if (s.state?.running && !s.waiting) running++;
    else if (s.state?.terminated && !(s.waiting && !s.last)) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.waiting && s.last) {
      stopped++;
      if (s.last.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "OnFailure") return "Running";
    return "Failed";
  }
  return "Pending";
}

/**
 * The pod's status as the kubelet reports it: phase, conditions (keeping their transition times and
 * any condition another component owns, such as PodScheduled and readiness gates), IPs, and every
 * container's status.
 */
export function buildPodStatus(input: PodStatusInput): PodStatus {
  const { pod, now } = input;
  const prev = pod.status;
  if (input.rejected && input.terminal) {
    return { phase: input.terminal.phase, reason: input.terminal.reason!, message: input.terminal.message!, ...(input.startTime !== undefined ? { startTime: rfc3339(input.startTime) } : {}), qosClass: prev?.qosClass ?? podQOSClass(pod.spec ?? { containers: [] }), ...(prev?.conditions ? { conditions: prev.conditions.filter((c) => !OWN_CONDITIONS.has(c.type)) } : {}) };
  }
  const phase = podPhase(input);
  const terminal = phase === "Succeeded" || phase === "Failed";
  // The names of the containers not done initializing, and of those not ready, as the messages list them (space-separated; "" for none).
  let unreadyInit = "";
  for (const s of input.init) if (s.kind === "sidecar" ? !s.started : s.state?.terminated?.exitCode !== 0) unreadyInit = unreadyInit ? `${unreadyInit} ${s.name}` : s.name;
  const initDone = unreadyInit === "";
  let unready = "";
  for (const s of input.init) if (s.kind === "sidecar" && !s.ready) unready = unready ? `${unready} ${s.name}` : s.name;
  for (const s of input.regular) if (!s.ready) unready = unready ? `${unready} ${s.name}` : s.name;
  const containersReady = unready === "" && !terminal;
  const previous = prev?.conditions;
  const gates = pod.spec?.readinessGates;
  const missingGates = gates?.length ? gates.filter((g) => conditionOf(previous, g.conditionType)?.status !== "True").map((g) => g.conditionType) : NO_GATES;
  const ready = containersReady && missingGates.length === 0;
  // Formatted once, and only when a condition changes status.
  let at: string | undefined;
  const since = (type: string, status: "True" | "False"): string => {
    const old = conditionOf(previous, type);
    return old && old.status === status ? old.lastTransitionTime! : (at ??= rfc3339(now));
  };
  const notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
  const initialized = initDone || terminal;
  const gated = missingGates.length > 0 && containersReady;
  const conditions: PodCondition[] = [
    condition("PodReadyToStartContainers", input.sandboxReady, since("PodReadyToStartContainers", input.sandboxReady ? "True" : "False")),
    condition("Initialized", initialized, since("Initialized", initialized ? "True" : "False"), initialized ? (terminal && !initDone ? "PodCompleted" : undefined) : "ContainersNotInitialized", initialized ? undefined : `containers with incomplete status: [${unreadyInit}]`),
    condition("Ready", ready, since("Ready", ready ? "True" : "False"), ready ? undefined : gated ? "ReadinessGatesNotReady" : notReadyReason, ready ? undefined : gated ? `corresponding condition of pod readiness gate "${missingGates[0]}" does not exist.` : terminal ? undefined : `containers with unready status: [${unready}]`),
    condition("ContainersReady", containersReady, since("ContainersReady", containersReady ? "True" : "False"), containersReady ? undefined : notReadyReason, containersReady || terminal ? undefined : `containers with unready status: [${unready}]`),
  ];
  // The kubelet's own four come first, in order; then PodScheduled; then the others as they were
  // (the order the kubelet lists them in, built in that order rather than sorted per status).
  const evicted = input.terminal?.reason === "Evicted";
  const others = prev?.conditions;
  if (others) {
    for (const c of others) if (c.type === "PodScheduled") conditions.push(c);
    for (const c of others) if (c.type !== "PodScheduled" && !OWN_CONDITIONS.has(c.type) && !(c.type === "DisruptionTarget" && evicted)) conditions.push(c);
  }
  // An evicted pod says why it was disrupted (upstream's DisruptionTarget, reason TerminationByKubelet).
  if (evicted) conditions.push(condition("DisruptionTarget", true, since("DisruptionTarget", "True"), "TerminationByKubelet", input.terminal!.message));
  // Fields in the order the API shows them, set one after another (no spread of a temporary object).
  const status: PodStatus = { phase, conditions, hostIP: input.hostIP, hostIPs: [{ ip: input.hostIP }] };
  if (input.podIPs.length) {
    status.podIP = input.podIPs[0];
    status.podIPs = input.podIPs.map((ip) => ({ ip }));
  }
  if (input.startTime !== undefined) status.startTime = rfc3339(input.startTime);
  if (input.init.length) status.initContainerStatuses = input.init.map((s) => containerStatus(s, input.runtimeName));
  status.containerStatuses = input.regular.map((s) => containerStatus(s, input.runtimeName));
  // A static pod has no API-computed class yet: the kubelet computes it (GetPodQOS), as for every pod.
  status.qosClass = prev?.qosClass ?? podQOSClass(pod.spec ?? { containers: [] });
  if (input.ephemeral?.length) status.ephemeralContainerStatuses = input.ephemeral.map((slot) => ephemeralStatus(slot, input.runtimeName));
  if (prev?.nominatedNodeName) status.nominatedNodeName = prev.nominatedNodeName;
  if (input.terminal?.reason) status.reason = input.terminal.reason;
  if (input.terminal?.message) status.message = input.terminal.message;
  return status;
}
