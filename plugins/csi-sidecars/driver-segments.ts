import type { Node } from "kubernetes-types/core/v1.js";
import type { CSINode } from "kubernetes-types/storage/v1.js";
import type { csi, Lister } from "../../core/index.js";
import { driverTopologyKeys, nodeSegment } from "./topology.js";

/**
 * A segment's identity: its labels as a label selector reads them (`key=value,...`, keys sorted).
 * Label keys and values hold neither `=` nor `,`, so two segments share a key only when equal.
 */
export function segmentKey(segments: Readonly<Record<string, string>> | null | undefined): string {
  if (!segments) return "";
  return Object.keys(segments)
    .sort()
    .map((k) => `${k}=${segments[k]}`)
    .join(",");
}

/**
 * The topology segments where one CSI driver runs, kept per node as the external-provisioner's
 * topology informer keeps them (pkg/capacity/topology/nodes.go): a node contributes the segment of
 * its labels for the topology keys its CSINode registered for the driver. `refresh(node)` re-reads
 * that one node from the listers (level-based: call it on any CSINode or Node event) and says which
 * segments appeared or disappeared, so a change costs O(1), not a pass over every node.
 */
export class DriverSegments {
  /** Each node's segment key (nodes without a segment are absent). */
  private readonly byNode = new Map<string, string>();
  /** Each segment with the number of nodes in it. */
  private readonly segments = new Map<string, { topology: csi.Topology; nodes: number }>();

  constructor(
    private readonly driver: string,
    private readonly csiNodes: Lister<CSINode>,
    private readonly nodes: Lister<Node>,
  ) {}

  /** Re-reads `nodeName`'s segment; returns the keys of segments that appeared and of those that disappeared. */
  refresh(nodeName: string): { added: string[]; removed: string[] } {
    const seg = nodeSegment(this.nodes.get(nodeName), driverTopologyKeys(this.csiNodes.get(nodeName), this.driver));
    const key = seg ? segmentKey(seg.segments) : undefined;
    const before = this.byNode.get(nodeName);
    if (before === key) return { added: [], removed: [] };
    const added: string[] = [];
    const removed: string[] = [];
    if (before !== undefined) {
      this.byNode.delete(nodeName);
      const entry = this.segments.get(before)!;
      if (--entry.nodes === 0) {
        this.segments.delete(before);
        removed.push(before);
      }
    }
    if (key !== undefined) {
      this.byNode.set(nodeName, key);
      const entry = this.segments.get(key);
      if (entry) entry.nodes++;
      else {
        this.segments.set(key, { topology: seg!, nodes: 1 });
        added.push(key);
      }
    }
    return { added, removed };
  }

  /** The segment with this key, while some node is in it. */
  get(key: string): csi.Topology | undefined {
    return this.segments.get(key)?.topology;
  }

  /** Every segment with a node in it, by key. */
  list(): { key: string; topology: csi.Topology }[] {
    return [...this.segments].map(([key, s]) => ({ key, topology: s.topology }));
  }
}
