import type { Container, Node, Pod, ResourceRequirements } from "kubernetes-types/core/v1.js";
import { parseQuantity, milliValue, unitValue } from "../../../core/api/quantity.js";

/** Default requests used for scoring containers that request nothing (upstream `schedutil.DefaultMilliCPURequest` / `DefaultMemoryRequest`). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/**
 * An amount of every resource the scheduler counts (upstream `framework.Resource`): cpu in
 * millicores, memory and ephemeral storage in bytes, a pod count, and scalar (extended,
 * hugepages, attachable volume) resources in their integer units.
 */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  scalar: Map<string, number> | undefined;

  add(other: Resource): void {
    this.milliCPU += other.milliCPU;
    this.memory += other.memory;
    this.ephemeralStorage += other.ephemeralStorage;
    this.allowedPodNumber += other.allowedPodNumber;
    if (other.scalar) for (const [k, v] of other.scalar) this.setScalar(k, (this.scalar?.get(k) ?? 0) + v);
  }

  subtract(other: Resource): void {
    this.milliCPU -= other.milliCPU;
    this.memory -= other.memory;
    this.ephemeralStorage -= other.ephemeralStorage;
    this.allowedPodNumber -= other.allowedPodNumber;
    if (other.scalar) for (const [k, v] of other.scalar) this.setScalar(k, (this.scalar?.get(k) ?? 0) - v);
  }

  /** Each resource becomes the larger of the two (used for init containers). */
  setMax(other: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, other.milliCPU);
    this.memory = Math.max(this.memory, other.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, other.ephemeralStorage);
    if (other.scalar) for (const [k, v] of other.scalar) this.setScalar(k, Math.max(this.scalar?.get(k) ?? 0, v));
  }

  setScalar(name: string, value: number): void {
    (this.scalar ??= new Map()).set(name, value);
  }

  /** The amount of `name` ("cpu" in millicores, "memory", "ephemeral-storage", "pods", or a scalar). */
  get(name: string): number {
    switch (name) {
      case "cpu":
        return this.milliCPU;
      case "memory":
        return this.memory;
      case "ephemeral-storage":
        return this.ephemeralStorage;
      case "pods":
        return this.allowedPodNumber;
      default:
        return this.scalar?.get(name) ?? 0;
    }
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar) r.scalar = new Map(this.scalar);
    return r;
  }

  /** From a resource list (node allocatable, container requests). */
  static fromList(list: Readonly<Record<string, string | number>> | undefined): Resource {
    const r = new Resource();
    if (!list) return r;
    for (const name in list) r.addQuantity(name, list[name]!);
    return r;
  }

  private addQuantity(name: string, value: string | number): void {
    switch (name) {
      case "cpu":
        this.milliCPU += milliOf(value);
        return;
      case "memory":
        this.memory += unitsOf(value);
        return;
      case "ephemeral-storage":
        this.ephemeralStorage += unitsOf(value);
        return;
      case "pods":
        this.allowedPodNumber += unitsOf(value);
        return;
      default:
        if (isScalarResourceName(name)) this.setScalar(name, (this.scalar?.get(name) ?? 0) + unitsOf(value));
    }
  }
}

/** Extended (`example.com/foo`), hugepages and attachable-volume resources (upstream `IsScalarResourceName`). */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith("hugepages-") || name.startsWith("attachable-volumes-")) return true;
  // Extended resources are domain-prefixed names outside kubernetes.io, or requests.* quota names.
  const slash = name.indexOf("/");
  return slash > 0 && !name.startsWith("kubernetes.io/");
}

// Pod specs of one workload repeat the same strings: parse each once.
const milliCache = new Map<string, number>();
const unitCache = new Map<string, number>();

function milliOf(value: string | number): number {
  const key = String(value);
  let v = milliCache.get(key);
  if (v === undefined) {
    v = Number(milliValue(parseQuantity(key)));
    if (milliCache.size < 10_000) milliCache.set(key, v);
  }
  return v;
}

function unitsOf(value: string | number): number {
  const key = String(value);
  let v = unitCache.get(key);
  if (v === undefined) {
    v = Number(unitValue(parseQuantity(key)));
    if (unitCache.size < 10_000) unitCache.set(key, v);
  }
  return v;
}

/** What a pod needs of a node: requests for fitting, and non-zero requests for scoring. */
export interface PodRequests {
  /** Effective requests (upstream `resourcehelper.PodRequests`), including overhead. */
  readonly requests: Resource;
  /** cpu and memory with defaults for containers that request none (upstream `NonZeroRequested`). */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const req = (c.resources as ResourceRequirements | undefined)?.requests;
  const r = Resource.fromList(req);
  if (nonZero) {
    if (!req || req["cpu"] === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!req || req["memory"] === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * A pod's effective requests as upstream computes them: the sum of its app containers and
 * restartable init containers (sidecars), or — when larger — what each init container needs while
 * it runs (its own request plus the sidecars started before it); then the pod overhead.
 */
function effectiveRequests(pod: Pod, nonZero: boolean): Resource {
  const spec = pod.spec!;
  const total = new Resource();
  for (const c of spec.containers ?? []) total.add(containerRequests(c, nonZero));
  const initMax = new Resource();
  const sidecars = new Resource();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === "Always") {
      sidecars.add(r);
      total.add(r);
      initMax.setMax(sidecars);
    } else {
      const during = sidecars.clone();
      during.add(r);
      initMax.setMax(during);
    }
  }
  total.setMax(initMax);
  const overhead = spec.overhead as Record<string, string> | undefined;
  if (overhead) total.add(Resource.fromList(overhead));
  return total;
}

export function podRequests(pod: Pod): PodRequests {
  const spec = pod.spec!;
  if (!spec.initContainers?.length) return appContainerRequests(spec.containers ?? [], spec.overhead as Record<string, string> | undefined);
  const requests = effectiveRequests(pod, false);
  const nz = effectiveRequests(pod, true);
  return { requests, nonZeroMilliCPU: nz.milliCPU, nonZeroMemory: nz.memory };
}

/**
 * `podRequests` of a pod without init containers, in one pass: the app containers' requests
 * summed, their non-zero cpu and memory (the defaults for a container naming none) beside them,
 * then the overhead on both.
 */
function appContainerRequests(containers: readonly Container[], overhead: Readonly<Record<string, string>> | undefined): PodRequests {
  const requests = new Resource();
  let nonZeroMilliCPU = 0;
  let nonZeroMemory = 0;
  for (const c of containers) {
    const req = (c.resources as ResourceRequirements | undefined)?.requests;
    if (!req) {
      nonZeroMilliCPU += DEFAULT_MILLI_CPU_REQUEST;
      nonZeroMemory += DEFAULT_MEMORY_REQUEST;
      continue;
    }
    const r = Resource.fromList(req);
    requests.add(r);
    nonZeroMilliCPU += req["cpu"] === undefined ? DEFAULT_MILLI_CPU_REQUEST : r.milliCPU;
    nonZeroMemory += req["memory"] === undefined ? DEFAULT_MEMORY_REQUEST : r.memory;
  }
  if (overhead) {
    const o = Resource.fromList(overhead);
    requests.add(o);
    nonZeroMilliCPU += o.milliCPU;
    nonZeroMemory += o.memory;
  }
  return { requests, nonZeroMilliCPU, nonZeroMemory };
}

/** A node's allocatable resources. */
export function nodeAllocatable(node: Node): Resource {
  return Resource.fromList((node.status?.allocatable ?? node.status?.capacity) as Record<string, string> | undefined);
}
