import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { NodeInfo, NodeRows } from "../framework/node-info.js";
import { PodInfo } from "../framework/pod-info.js";
import type { NodeInfoLister } from "../framework/interface.js";
import { normalizedImageName } from "../plugins/image-locality.js";
import { sameStringMap } from "../../../core/collections/same-string-map.js";
import { AntiAffinityGroups, PodCountIndex, TopologyValues } from "./pod-counts.js";
import type { AntiAffinityGroup, DomainCounts, DomainCountsById, PodCountQuery, TopologyDomainIds } from "../framework/pod-count-query.js";

interface PodState {
  pod: Pod;
  nodeName: string;
  assumed: boolean;
  /** The PodInfo placed on the node for `pod` (what the NodeInfo holds). */
  info: PodInfo;
}

/**
 * The scheduler's cache (upstream `internal/cache`): NodeInfo per node, kept up to date
 * incrementally from the node and pod informers — O(1) work per event, never a rebuild per pod —
 * plus pods assumed on a node before their binding is confirmed.
 *
 * It doubles as the cycle's snapshot: a scheduling cycle runs PreFilter → Filter → Score →
 * Reserve → assume without yielding to the event loop, so no informer event can change the
 * cache in the middle of a cycle (upstream copies changed NodeInfos into a snapshot because its
 * informers run on other goroutines).
 */
export class SchedulerCache implements NodeInfoLister {
  private readonly nodes = new Map<string, NodeInfo>();
  /** The numbers of every NodeInfo, contiguous in node order. */
  private readonly rows = new NodeRows();
  /** Nodes with a Node object, in the order they were added (the iteration order of Filter). */
  private readonly nodeList: NodeInfo[] = [];
  private readonly nodeIndex = new Map<string, number>();
  private readonly pods = new Map<string, PodState>();
  private readonly imageNodes = new Map<string, Set<string>>();
  /** Nodes that hold (or held) pods with affinity terms; pruned when the lists are rebuilt. */
  private readonly affinityNodes = new Set<NodeInfo>();
  private withAffinity: NodeInfo[] | undefined;
  /** Placed pods whose terms score other pods. */
  private scoringAffinityPods = 0;
  private withAntiAffinity: NodeInfo[] | undefined;
  private readonly countIndex = new PodCountIndex(() => this.nodeList, (key) => this.topologyValues.domainIds(key));
  private readonly antiAffinityGroups = new AntiAffinityGroups(() => this.nodeList);
  private readonly topologyValues = new TopologyValues(() => this.nodeList, this.rows);

  podCounts(query: PodCountQuery): DomainCounts {
    return this.countIndex.counts(query);
  }

  podCountsById(query: PodCountQuery): DomainCountsById | undefined {
    return this.countIndex.countsById(query);
  }

  existingAntiAffinity(): ReadonlyMap<string, AntiAffinityGroup> {
    return this.antiAffinityGroups.all();
  }

  nodesPerTopologyValue(key: string): ReadonlyMap<string, number> {
    return this.topologyValues.of(key);
  }

  topologyDomainIds(key: string): TopologyDomainIds {
    return this.topologyValues.domainIds(key);
  }

  nodesWithLabel(key: string): number {
    return this.topologyValues.nodesWith(key);
  }

  /** Pods moved between topology domains (a node came, went or changed labels): drop what was counted per domain. */
  private domainsChanged(): void {
    this.countIndex.clear();
    this.antiAffinityGroups.clear();
    this.topologyValues.clear();
  }

  list(): readonly NodeInfo[] {
    return this.nodeList;
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.nodes.get(name);
    return ni?.node ? ni : undefined;
  }

  havePodsWithAffinity(): readonly NodeInfo[] {
    return (this.withAffinity ??= [...this.affinityNodes].filter((n) => n.node && n.podsWithAffinity.length > 0));
  }

  havePodsWithRequiredAntiAffinity(): readonly NodeInfo[] {
    return (this.withAntiAffinity ??= [...this.affinityNodes].filter((n) => n.node && n.podsWithRequiredAntiAffinity.length > 0));
  }

  scoringAffinityPodCount(): number {
    return this.scoringAffinityPods;
  }

  imageNodeCount(name: string): number {
    return this.imageNodes.get(name)?.size ?? 0;
  }

  get nodeCount(): number {
    return this.nodeList.length;
  }

  private nodeInfo(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo(name, this.rows)));
    return ni;
  }

  addNode(node: Node): void {
    const name = node.metadata!.name!;
    const ni = this.nodeInfo(name);
    if (ni.node) this.removeImages(ni.node);
    if (!ni.node || !sameStringMap(ni.node.metadata?.labels, node.metadata?.labels)) this.domainsChanged();
    ni.setNode(node);
    this.addImages(node);
    if (!this.nodeIndex.has(name)) {
      this.nodeIndex.set(name, this.nodeList.length);
      this.nodeList.push(ni);
      this.affinityChanged();
    }
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(node: Node): void {
    const name = node.metadata!.name!;
    const ni = this.nodes.get(name);
    if (!ni) return;
    if (ni.node) this.removeImages(ni.node);
    this.domainsChanged();
    const i = this.nodeIndex.get(name);
    if (i !== undefined) {
      const last = this.nodeList.pop()!;
      if (last !== ni) {
        this.nodeList[i] = last;
        this.nodeIndex.set(last.name, i);
      }
      this.nodeIndex.delete(name);
    }
    // Pods still bound to a deleted node keep a NodeInfo without a node (as upstream) until they go.
    if (ni.pods.length === 0) {
      this.nodes.delete(name);
      this.rows.detach(ni);
      this.affinityNodes.delete(ni);
    } else ni.node = undefined;
    this.affinityChanged();
  }

  private addImages(node: Node): void {
    for (const img of node.status?.images ?? []) {
      for (const n of img.names ?? []) {
        const key = normalizedImageName(n);
        let set = this.imageNodes.get(key);
        if (!set) this.imageNodes.set(key, (set = new Set()));
        set.add(node.metadata!.name!);
      }
    }
  }

  private removeImages(node: Node): void {
    for (const img of node.status?.images ?? []) for (const n of img.names ?? []) this.imageNodes.get(normalizedImageName(n))?.delete(node.metadata!.name!);
  }

  private affinityChanged(): void {
    this.withAffinity = undefined;
    this.withAntiAffinity = undefined;
  }

  /** Places `pi` (the PodInfo of its pod) on `nodeName`; returns it. */
  private place(pi: PodInfo, nodeName: string): PodInfo {
    const ni = this.nodeInfo(nodeName);
    ni.addPodInfo(pi);
    this.countIndex.podChanged(pi, ni, 1);
    this.antiAffinityGroups.podChanged(pi, ni, 1);
    if (pi.scoresOthers) this.scoringAffinityPods++;
    if (pi.hasAffinity) {
      this.affinityNodes.add(ni);
      this.affinityChanged();
    }
    return pi;
  }

  private unplace(pod: Pod, nodeName: string): void {
    const ni = this.nodes.get(nodeName);
    if (!ni) return;
    const pi = ni.removePod(pod);
    if (pi) {
      if (pi.scoresOthers) this.scoringAffinityPods--;
      this.countIndex.podChanged(pi, ni, -1);
      this.antiAffinityGroups.podChanged(pi, ni, -1);
    }
    if (pod.spec?.affinity?.podAffinity || pod.spec?.affinity?.podAntiAffinity) {
      if (ni.podsWithAffinity.length === 0) this.affinityNodes.delete(ni);
      this.affinityChanged();
    }
    if (!ni.node && ni.pods.length === 0) {
      this.nodes.delete(nodeName);
      this.rows.detach(ni);
    }
  }

  /** Counts the pod on `nodeName` before its binding is confirmed; `info`: its PodInfo, when the caller has one. */
  assumePod(pod: Pod, nodeName: string, info?: PodInfo): void {
    const uid = pod.metadata!.uid!;
    if (this.pods.has(uid)) throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} is already in the cache`);
    this.pods.set(uid, { pod, nodeName, assumed: true, info: this.place(info ?? PodInfo.of(pod), nodeName) });
  }

  /** Drops an assumed pod whose binding failed. */
  forgetPod(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    const s = this.pods.get(uid);
    if (!s || !s.assumed) return;
    this.pods.delete(uid);
    this.unplace(s.pod, s.nodeName);
  }

  isAssumed(uid: string): boolean {
    return this.pods.get(uid)?.assumed ?? false;
  }

  /**
   * An assigned pod seen by the informer (confirms an assumed pod). When the newer object is on
   * the same node and derives the same requests, terms and ports, with the same labels and
   * deletion state (the binding's confirmation of an assumed pod), it takes the old one's place
   * and its parsed data: nothing counted changes. A newer object that derives the same but
   * changed labels or deletion state is placed again with that parsed data (no new parse).
   */
  addPod(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    const s = this.pods.get(uid);
    let info: PodInfo | undefined;
    if (s) {
      const shares = PodInfo.sharesDerivation(s.pod, pod);
      if (shares && s.nodeName === pod.spec!.nodeName && this.replace(s, pod)) return;
      this.unplace(s.pod, s.nodeName);
      if (shares) info = new PodInfo(pod, s.info);
    }
    const nodeName = pod.spec!.nodeName!;
    this.pods.set(uid, { pod, nodeName, assumed: false, info: this.place(info ?? PodInfo.of(pod), nodeName) });
  }

  /** Puts `pod`, which derives what `s.pod` does, in its place when its labels and deletion state are the same too. */
  private replace(s: PodState, pod: Pod): boolean {
    const pm = s.pod.metadata!;
    const m = pod.metadata!;
    if (pm.deletionTimestamp !== m.deletionTimestamp || !sameStringMap(pm.labels, m.labels)) return false;
    const ni = this.nodes.get(s.nodeName);
    const next = new PodInfo(pod, s.info);
    if (!ni || !ni.replacePodInfo(s.info, next)) return false;
    s.pod = pod;
    s.info = next;
    s.assumed = false;
    return true;
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    const s = this.pods.get(uid);
    if (!s) return;
    this.pods.delete(uid);
    this.unplace(s.pod, s.nodeName);
  }

  /** The pod the cache holds for `uid` and where. */
  podState(uid: string): { readonly pod: Pod; readonly nodeName: string; readonly assumed: boolean } | undefined {
    return this.pods.get(uid);
  }
}
