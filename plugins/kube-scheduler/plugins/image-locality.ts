import type { Pod } from "kubernetes-types/core/v1.js";
import type { FrameworkHandle, PreScorePlugin, ScorePlugin } from "../framework/interface.js";
import { Status } from "../framework/status.js";
import { MAX_NODE_SCORE } from "../framework/normalize.js";
import type { CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";

const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** `nginx` → `nginx:latest` (upstream `normalizedImageName`). */
export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf("/");
  if (name.lastIndexOf(":") <= lastSlash && !name.includes("@")) return `${name}:latest`;
  return name;
}

/**
 * Favors nodes that already hold the pod's images: the sizes of present images, each scaled by
 * the fraction of nodes holding it (so an image everywhere does not pull every pod to one node),
 * clamped between 23 MB and 1000 MB per container and mapped to 0-100.
 */
export class ImageLocality implements PreScorePlugin, ScorePlugin {
  static readonly pluginName = "ImageLocality";
  readonly name = ImageLocality.pluginName;

  constructor(private readonly handle: Pick<FrameworkHandle, "snapshot">) {}

  /** Skip when no node holds any of the pod's images: every node would score 0. */
  preScore(_state: CycleState, pod: Pod): Status | null {
    for (const c of pod.spec?.initContainers ?? []) if (c.image && this.handle.snapshot.imageNodeCount(normalizedImageName(c.image)) > 0) return null;
    for (const c of pod.spec?.containers ?? []) if (c.image && this.handle.snapshot.imageNodeCount(normalizedImageName(c.image)) > 0) return null;
    return Status.skip();
  }

  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const images = nodeInfo.node?.status?.images;
    // No image on the node: the sum is below the 23 MB floor, whatever the pod runs.
    if (!images?.length) return 0;
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const maxThreshold = MAX_CONTAINER_THRESHOLD * containers.length;
    let sum = 0;
    if (images?.length) {
      const total = this.handle.snapshot.list().length || 1;
      for (const c of containers) {
        if (!c.image) continue;
        const want = normalizedImageName(c.image);
        const found = images.find((img) => (img.names ?? []).some((n) => normalizedImageName(n) === want));
        if (!found) continue;
        sum += Math.trunc((found.sizeBytes ?? 0) * (this.handle.snapshot.imageNodeCount(want) / total));
      }
    }
    if (sum < MIN_THRESHOLD) sum = MIN_THRESHOLD;
    else if (sum > maxThreshold) sum = maxThreshold;
    if (maxThreshold <= MIN_THRESHOLD) return 0;
    return Math.trunc((MAX_NODE_SCORE * (sum - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
  }
}
