import type { Node, NodeSelectorTerm, VolumeNodeAffinity } from "kubernetes-types/core/v1.js";
import type { CSINode, StorageClass } from "kubernetes-types/storage/v1.js";
import type { csi, Lister } from "../../core/index.js";

type Topology = csi.Topology;

/** The topology keys the driver registered for the node (CSINode `spec.drivers[].topologyKeys`). */
export function driverTopologyKeys(csiNode: CSINode | undefined, driver: string): string[] {
  return csiNode?.spec?.drivers?.find((d) => d.name === driver)?.topologyKeys ?? [];
}

/** The node's segment for the driver: its labels for the driver's topology keys; undefined when it lacks one. */
export function nodeSegment(node: Node | undefined, keys: readonly string[]): Topology | undefined {
  if (!node || keys.length === 0) return undefined;
  const segments: Record<string, string> = {};
  for (const k of keys) {
    const v = node.metadata?.labels?.[k];
    if (v === undefined) return undefined;
    segments[k] = v;
  }
  return { segments };
}

const segmentKey = (t: Topology): string => JSON.stringify(Object.entries(t.segments).sort());

/** Every distinct segment of nodes where the driver is registered. */
export function clusterSegments(driver: string, csiNodes: Lister<CSINode>, nodes: Lister<Node>): Topology[] {
  const out = new Map<string, Topology>();
  for (const cn of csiNodes.list()) {
    const seg = nodeSegment(nodes.get(cn.metadata!.name!), driverTopologyKeys(cn, driver));
    if (seg) out.set(segmentKey(seg), seg);
  }
  return [...out.values()].sort((a, b) => segmentKey(a).localeCompare(segmentKey(b)));
}

/** The class's allowedTopologies as segments (each term's values multiplied out). */
function allowedSegments(sc: StorageClass): Topology[] {
  const out: Topology[] = [];
  for (const term of sc.allowedTopologies ?? []) {
    let partial: Record<string, string>[] = [{}];
    for (const expr of term.matchLabelExpressions ?? []) partial = partial.flatMap((p) => expr.values.map((v) => ({ ...p, [expr.key]: v })));
    for (const segments of partial) out.push({ segments });
  }
  return out;
}

/**
 * The CreateVolume accessibility requirements (external-provisioner's GenerateAccessibilityRequirements,
 * non-strict topology): requisite is the class's allowedTopologies, else every segment where the
 * driver runs; preferred puts the selected node's segment first. Undefined when the driver has no
 * topology.
 */
export function accessibilityRequirements(driver: string, sc: StorageClass, selectedNode: string | undefined, csiNodes: Lister<CSINode>, nodes: Lister<Node>): csi.TopologyRequirement | undefined {
  const allowed = allowedSegments(sc);
  const requisite = allowed.length ? allowed : clusterSegments(driver, csiNodes, nodes);
  let selected: Topology | undefined;
  if (selectedNode) {
    selected = nodeSegment(nodes.get(selectedNode), driverTopologyKeys(csiNodes.get(selectedNode), driver));
    if (!selected) throw new Error(`topology labels for driver ${driver} not found on selected node ${selectedNode}`);
  }
  if (requisite.length === 0 && !selected) return undefined;
  const all = requisite.length ? requisite : [selected!];
  const preferred = selected ? [selected, ...all.filter((t) => segmentKey(t) !== segmentKey(selected!))] : all;
  return { requisite: all, preferred };
}

/** The PV's required node affinity from the volume's accessible topology: one term per segment. */
export function nodeAffinityFor(accessible: readonly Topology[] | undefined): VolumeNodeAffinity | undefined {
  if (!accessible?.length) return undefined;
  const terms: NodeSelectorTerm[] = accessible.map((t) => ({ matchExpressions: Object.entries(t.segments).map(([key, value]) => ({ key, operator: "In", values: [value] })) }));
  return { required: { nodeSelectorTerms: terms } };
}
