import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { PodInfo, type HostPort } from "./pod-info.js";
import { Resource, nodeAllocatable } from "./resource.js";

/**
 * The scheduler's view of one node (upstream `framework.NodeInfo`): the Node, the pods on it
 * (bound and assumed), their summed requests, host ports in use, and the pods with (anti-)affinity.
 * Maintained incrementally by the cache; `clone` gives preemption and nominated-pod simulations
 * a copy they may change.
 */
export class NodeInfo {
  node: Node | undefined;
  readonly pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  /** ip → set of `protocol/port`. */
  usedPorts = new Map<string, Set<string>>();
  requested = new Resource();
  nonZeroRequested = new Resource();
  allocatable = new Resource();
  /** Bumped on every change. */
  generation = 0;

  constructor(readonly name: string) {}

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
    this.generation++;
  }

  addPodInfo(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.requested.add(pi.requests.requests);
    this.nonZeroRequested.milliCPU += pi.requests.nonZeroMilliCPU;
    this.nonZeroRequested.memory += pi.requests.nonZeroMemory;
    for (const p of pi.hostPorts) this.addPort(p);
    this.generation++;
  }

  addPod(pod: Pod): void {
    this.addPodInfo(PodInfo.of(pod));
  }

  /** Removes the pod with `pod`'s uid; false when it is not on this node. */
  removePod(pod: Pod): boolean {
    const uid = pod.metadata?.uid;
    const i = this.pods.findIndex((p) => p.pod.metadata?.uid === uid);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods[i] = this.pods[this.pods.length - 1]!;
    this.pods.pop();
    if (pi.hasAffinity) this.podsWithAffinity = this.podsWithAffinity.filter((p) => p !== pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p !== pi);
    this.requested.subtract(pi.requests.requests);
    this.nonZeroRequested.milliCPU -= pi.requests.nonZeroMilliCPU;
    this.nonZeroRequested.memory -= pi.requests.nonZeroMemory;
    for (const p of pi.hostPorts) this.usedPorts.get(p.ip)?.delete(`${p.protocol}/${p.port}`);
    this.generation++;
    return true;
  }

  /** Whether `port` conflicts with a port in use (0.0.0.0 conflicts with every address). */
  portInUse(port: HostPort): boolean {
    const key = `${port.protocol}/${port.port}`;
    if (port.ip === "0.0.0.0") {
      for (const set of this.usedPorts.values()) if (set.has(key)) return true;
      return false;
    }
    return !!this.usedPorts.get(port.ip)?.has(key) || !!this.usedPorts.get("0.0.0.0")?.has(key);
  }

  private addPort(p: HostPort): void {
    let set = this.usedPorts.get(p.ip);
    if (!set) this.usedPorts.set(p.ip, (set = new Set()));
    set.add(`${p.protocol}/${p.port}`);
  }

  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.pods.push(...this.pods);
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    for (const [ip, set] of this.usedPorts) c.usedPorts.set(ip, new Set(set));
    c.requested = this.requested.clone();
    c.nonZeroRequested = this.nonZeroRequested.clone();
    c.allocatable = this.allocatable;
    c.generation = this.generation;
    return c;
  }
}
