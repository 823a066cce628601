import type { Container, Pod } from "kubernetes-types/core/v1.js";
import { milliValue, parseQuantity } from "../../core/api/quantity.js";
import { parseLabelSelector } from "../../core/api/selectors/label-selector.js";

const RESOURCES = ["cpu", "memory", "ephemeral-storage"] as const;

function requestOf(containers: readonly Container[] | undefined, resource: string): bigint {
  let sum = 0n;
  for (const c of containers ?? []) {
    const q = c.resources?.requests?.[resource];
    if (q !== undefined) sum += milliValue(parseQuantity(q));
  }
  return sum;
}

/** A pod's effective request (max of the sum of containers + sidecars and the largest init container), plus overhead. */
export function podRequest(pod: Pod, resource: string): bigint {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  let initMax = 0n;
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === "Always") continue;
    const q = c.resources?.requests?.[resource];
    if (q !== undefined) {
      const v = milliValue(parseQuantity(q)) + requestOf(sidecars, resource);
      if (v > initMax) initMax = v;
    }
  }
  const regular = requestOf(pod.spec?.containers, resource) + requestOf(sidecars, resource);
  const overhead = pod.spec?.overhead?.[resource];
  return (regular > initMax ? regular : initMax) + (overhead !== undefined ? milliValue(parseQuantity(overhead)) : 0n);
}

/**
 * A pod's effective requests of the resources admission checks (cpu, memory, ephemeral-storage, in
 * that order). Frozen, and one list per distinct value (a Deployment's pods request the same):
 * each pod worker keeps its pod's for its lifetime. Up to {@link MAX_SHARED_REQUESTS} lists are
 * shared; past that a pod's is its own.
 */
export function admissionRequests(pod: Pod): readonly bigint[] {
  const requests = RESOURCES.map((r) => podRequest(pod, r));
  const key = requests.join(",");
  const shared = sharedRequests.get(key);
  if (shared) return shared;
  const own = Object.freeze(requests);
  if (sharedRequests.size < MAX_SHARED_REQUESTS) sharedRequests.set(key, own);
  return own;
}

/** Request lists by their values (`cpu,memory,ephemeral-storage` in milli-units), shared by the pods that request the same. */
const sharedRequests = new Map<string, readonly bigint[]>();
const MAX_SHARED_REQUESTS = 1024;

/** What the pods already admitted on a node use: how many, and their summed {@link admissionRequests}. */
export interface NodeUsage {
  pods: number;
  requests: readonly bigint[];
}

const display = (resource: string, milli: bigint): string => (resource === "cpu" ? String(milli) : String(milli / 1000n));

/**
 * The kubelet's admission of a pod bound to its node (upstream's predicate admit handler): the
 * node must still fit it (OutOfcpu, OutOfmemory, OutOfpods, ...) next to `used` and match its node
 * selector and required node affinity (NodeAffinity). `wants`: the pod's {@link admissionRequests}
 * when the caller has them. Returns the rejection or undefined.
 */
export function admitPod(pod: Pod, used: NodeUsage, allocatable: Record<string, string>, nodeLabels: Record<string, string>, wants: readonly bigint[] = admissionRequests(pod)): { reason: string; message: string } | undefined {
  if (!matchesNode(pod, nodeLabels)) return { reason: "NodeAffinity", message: "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector" };
  if (used.pods + 1 > Number(allocatable["pods"] ?? 110)) return { reason: "OutOfpods", message: `Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: ${used.pods}, capacity: ${allocatable["pods"]}` };
  for (let i = 0; i < RESOURCES.length; i++) {
    const r = RESOURCES[i]!;
    const want = wants[i]!;
    if (want === 0n || allocatable[r] === undefined) continue;
    const inUse = used.requests[i] ?? 0n;
    const cap = milliValue(parseQuantity(allocatable[r]!));
    if (inUse + want > cap) {
      return { reason: `OutOf${r}`, message: `Pod was rejected: Node didn't have enough resource: ${r}, requested: ${display(r, want)}, used: ${display(r, inUse)}, capacity: ${display(r, cap)}` };
    }
  }
  return undefined;
}

function matchesNode(pod: Pod, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return true;
  return terms.some((t) =>
    (t.matchExpressions ?? []).every((e) => {
      const sel = e.operator === "In" || e.operator === "NotIn" ? `${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(",")})` : e.operator === "Exists" ? e.key : e.operator === "DoesNotExist" ? `!${e.key}` : undefined;
      if (sel === undefined) {
        const v = Number(labels[e.key]);
        const bound = Number(e.values?.[0]);
        return e.operator === "Gt" ? v > bound : v < bound;
      }
      return parseLabelSelector(sel).matches(labels);
    }),
  );
}
