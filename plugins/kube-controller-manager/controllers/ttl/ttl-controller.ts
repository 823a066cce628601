import type { Node } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, type Manager } from "../../../../core/index.js";

export const TTL_ANNOTATION = "node.alpha.kubernetes.io/ttl";

/** Upstream's ttlBoundaries: overlapping size ranges, so the TTL does not flap at a boundary. */
export const TTL_BOUNDARIES: readonly { min: number; max: number; ttl: number }[] = [
  { min: 0, max: 100, ttl: 0 },
  { min: 90, max: 500, ttl: 15 },
  { min: 450, max: 1000, ttl: 30 },
  { min: 900, max: 2000, ttl: 60 },
  { min: 1800, max: 10000, ttl: 300 },
  { min: 9000, max: Number.MAX_SAFE_INTEGER, ttl: 600 },
];

/** The boundary step for `nodes` nodes starting from `step`: up past max, down below min. */
export function ttlStep(step: number, nodes: number): number {
  let s = step;
  while (nodes > TTL_BOUNDARIES[s]!.max && s < TTL_BOUNDARIES.length - 1) s++;
  while (nodes < TTL_BOUNDARIES[s]!.min && s > 0) s--;
  return s;
}

/**
 * The TTL controller (pkg/controller/ttl): annotates every Node with
 * `node.alpha.kubernetes.io/ttl`, the seconds kubelets may cache Secrets and ConfigMaps, from the
 * cluster's size (0 up to 100 nodes, 15 up to 500, ... 600 past 10,000, with hysteresis).
 */
export function ttlController(mgr: Manager, workers: number): void {
  const nodes = mgr.informers.forResource<Node>("Node");
  let step = 0;
  let count = -1;
  controllerFor(mgr)
    .named("ttl")
    .for<Node>("Node")
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        // The cache's size, not a listing: every Node event comes here, so a list would make them O(n²).
        if (nodes.indexer.size !== count) {
          count = nodes.indexer.size;
          step = ttlStep(step, count);
        }
        const node = nodes.lister().get(req.name);
        const want = String(TTL_BOUNDARIES[step]!.ttl);
        if (!node || node.metadata?.annotations?.[TTL_ANNOTATION] === want) return undefined;
        try {
          await mgr.client.resource<Node>("Node").patch(req.name, "merge", { metadata: { annotations: { [TTL_ANNOTATION]: want } } });
        } catch (err) {
          if (!isStatusError(err, "NotFound")) throw err;
        }
        return undefined;
      },
    });
}
