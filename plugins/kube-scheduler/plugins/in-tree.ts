import type { PluginFactory } from "../framework/interface.js";
import { DefaultBinder } from "./default-binder.js";
import { DefaultPreemption, type DefaultPreemptionArgs } from "./default-preemption.js";
import { ImageLocality } from "./image-locality.js";
import { InterPodAffinity, type InterPodAffinityArgs } from "./inter-pod-affinity.js";
import { NodeAffinity } from "./node-affinity.js";
import { NodeResourcesBalancedAllocation, NodeResourcesFit, type NodeResourcesFitArgs, type ResourceSpec } from "./node-resources.js";
import { PodTopologySpread, type DefaultSelectorFn, type PodTopologySpreadArgs } from "./pod-topology-spread.js";
import { NodeName, NodePorts, NodeUnschedulable, PrioritySort, SchedulingGates, StoragePlaceholder } from "./simple.js";
import { TaintToleration } from "./taint-toleration.js";
import { VolumeBinding } from "./volume-binding.js";
import { VolumeRestrictions } from "./volume-restrictions.js";

/** Services the scheduler gives in-tree plugins beyond the handle. */
export interface InTreeServices {
  defaultSelector: DefaultSelectorFn;
  clearLowerNominations(node: string, priority: number): Promise<void>;
}

/** The in-tree registry (upstream `plugins.NewInTreeRegistry`). */
export function inTreeRegistry(services: InTreeServices): Map<string, PluginFactory> {
  return new Map<string, PluginFactory>([
    [PrioritySort.pluginName, () => new PrioritySort()],
    [SchedulingGates.pluginName, () => new SchedulingGates()],
    [NodeUnschedulable.pluginName, () => new NodeUnschedulable()],
    [NodeName.pluginName, () => new NodeName()],
    [TaintToleration.pluginName, () => new TaintToleration()],
    [NodeAffinity.pluginName, () => new NodeAffinity()],
    [NodePorts.pluginName, () => new NodePorts()],
    [NodeResourcesFit.pluginName, (args) => new NodeResourcesFit(args as NodeResourcesFitArgs)],
    [NodeResourcesBalancedAllocation.pluginName, (args) => new NodeResourcesBalancedAllocation(args as { resources?: ResourceSpec[] })],
    [ImageLocality.pluginName, (_args, handle) => new ImageLocality(handle)],
    [InterPodAffinity.pluginName, (args, handle) => new InterPodAffinity((args ?? {}) as InterPodAffinityArgs, handle)],
    [PodTopologySpread.pluginName, (args, handle) => new PodTopologySpread((args ?? {}) as PodTopologySpreadArgs, services.defaultSelector, () => handle.snapshot.list(), handle.snapshot)],
    [VolumeRestrictions.pluginName, (_args, handle) => new VolumeRestrictions(handle)],
    ["NodeVolumeLimits", () => new StoragePlaceholder("NodeVolumeLimits")],
    [VolumeBinding.pluginName, (_args, handle) => new VolumeBinding(handle)],
    ["VolumeZone", () => new StoragePlaceholder("VolumeZone")],
    [DefaultPreemption.pluginName, (args, handle) => new DefaultPreemption((args ?? {}) as DefaultPreemptionArgs, handle, services)],
    [DefaultBinder.pluginName, (_args, handle) => new DefaultBinder(handle)],
  ]);
}

/** The default profile's plugins, in upstream's multiPoint order, with score weights (v1 defaults). */
export const DEFAULT_MULTI_POINT: readonly { name: string; weight?: number }[] = [
  { name: "SchedulingGates" },
  { name: "PrioritySort" },
  { name: "NodeUnschedulable" },
  { name: "NodeName" },
  { name: "TaintToleration", weight: 3 },
  { name: "NodeAffinity", weight: 2 },
  { name: "NodePorts" },
  { name: "NodeResourcesFit", weight: 1 },
  { name: "VolumeRestrictions" },
  { name: "NodeVolumeLimits" },
  { name: "VolumeBinding" },
  { name: "VolumeZone" },
  { name: "PodTopologySpread", weight: 2 },
  { name: "InterPodAffinity", weight: 2 },
  { name: "DefaultPreemption" },
  { name: "NodeResourcesBalancedAllocation", weight: 1 },
  { name: "ImageLocality", weight: 1 },
  { name: "DefaultBinder" },
];

