import type { Pod } from "kubernetes-types/core/v1.js";
import { parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import type { StatsSummary } from "./stats.js";

/** Eviction signals the kubelet measures (upstream's `evictionapi.Signal`s kubesim models). */
export type EvictionSignal = "memory.available" | "nodefs.available" | "imagefs.available" | "pid.available";

/** A hard threshold: `memory.available<100Mi`, `nodefs.available<10%`. */
export interface Threshold {
  readonly signal: EvictionSignal;
  /** The threshold as configured (`100Mi`, `10%`). */
  readonly value: string;
}

/** The kubelet's default `evictionHard` (Linux). */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = { "memory.available": "100Mi", "nodefs.available": "10%", "imagefs.available": "15%" };

/** Which node condition each signal drives, and the resource it reclaims. */
export const SIGNAL_CONDITION: Readonly<Record<EvictionSignal, { condition: "MemoryPressure" | "DiskPressure" | "PIDPressure"; resource: string }>> = {
  "memory.available": { condition: "MemoryPressure", resource: "memory" },
  "nodefs.available": { condition: "DiskPressure", resource: "ephemeral-storage" },
  "imagefs.available": { condition: "DiskPressure", resource: "ephemeral-storage" },
  "pid.available": { condition: "PIDPressure", resource: "pids" },
};

export function parseThresholds(evictionHard: Readonly<Record<string, string>>): Threshold[] {
  const out: Threshold[] = [];
  for (const [signal, value] of Object.entries(evictionHard)) if (signal in SIGNAL_CONDITION) out.push({ signal: signal as EvictionSignal, value });
  return out;
}

/** A signal's observation: what is available of how much. */
export interface Observation {
  available: number;
  capacity: number;
}

export function observe(summary: StatsSummary): Record<EvictionSignal, Observation> {
  const n = summary.node;
  const mem = n.memory.availableBytes ?? 0;
  return {
    "memory.available": { available: mem, capacity: mem + n.memory.workingSetBytes },
    "nodefs.available": { available: n.fs.availableBytes, capacity: n.fs.capacityBytes },
    "imagefs.available": { available: n.runtime.imageFs.availableBytes, capacity: n.runtime.imageFs.capacityBytes },
    "pid.available": { available: n.rlimit.maxpid - n.rlimit.curproc, capacity: n.rlimit.maxpid },
  };
}

/** The threshold in the signal's unit (bytes or pids). */
export function thresholdQuantity(t: Threshold, capacity: number): number {
  if (t.value.endsWith("%")) return Math.round((capacity * Number(t.value.slice(0, -1))) / 100);
  return quantityToNumber(parseQuantity(t.value));
}

/** A byte count as a BinarySI quantity prints (`51200Ki`, `100Mi`, `12345`). */
export function binaryQuantity(bytes: number): string {
  const n = Math.max(0, Math.floor(bytes));
  for (const [suffix, size] of [["Ei", 2 ** 60], ["Pi", 2 ** 50], ["Ti", 2 ** 40], ["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size}${suffix}`;
  }
  return String(n);
}

/** Requests of a container resource in bytes (0 when none). */
function requestBytes(c: { resources?: { requests?: Record<string, unknown> } }, resource: string): number {
  const q = c.resources?.requests?.[resource];
  return q === undefined ? 0 : quantityToNumber(parseQuantity(q as string));
}

/**
 * Orders pods for eviction under a resource's pressure, as upstream's rankMemoryPressure /
 * rankDiskPressure do: pods using more than they request first, then lower priority, then by how
 * far usage exceeds requests.
 */
export function rankForEviction(pods: readonly Pod[], usage: (pod: Pod) => number, resource: string): Pod[] {
  const request = (p: Pod): number => (p.spec?.containers ?? []).reduce((n, c) => n + requestBytes(c, resource), 0);
  return [...pods].sort((a, b) => {
    const ea = usage(a) > request(a) ? 1 : 0;
    const eb = usage(b) > request(b) ? 1 : 0;
    if (ea !== eb) return eb - ea;
    const pa = a.spec?.priority ?? 0;
    const pb = b.spec?.priority ?? 0;
    if (pa !== pb) return pa - pb;
    return usage(b) - request(b) - (usage(a) - request(a));
  });
}

/**
 * The evicted pod's message (pkg/kubelet/eviction/helpers.go evictionMessage): the resource, the
 * threshold and what was available, and each container using more than it requested.
 */
export function evictionMessage(resource: string, threshold: string, available: number, pod: Pod, containerUsage: ReadonlyMap<string, number>): string {
  let message = `The node was low on resource: ${resource}. Threshold quantity: ${threshold}, available: ${binaryQuantity(available)}. `;
  for (const c of pod.spec?.containers ?? []) {
    const used = containerUsage.get(c.name);
    if (used === undefined) continue;
    const req = c.resources?.requests?.[resource];
    if (used > requestBytes(c, resource)) message += `Container ${c.name} was using ${binaryQuantity(used)}, request is ${req ?? 0}, has larger consumption of ${resource}. `;
  }
  return message;
}
