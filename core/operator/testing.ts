import type { Condition } from "kubernetes-types/meta/v1.js";
import type { ObjectLike } from "../api/object.js";
import type { ResourceRef } from "../client/client.js";
import { Cluster, type ClusterOptions } from "../cluster/cluster.js";
import type { PluginRef } from "../plugins/plugin-loader.js";

export interface OperatorTestOptions extends Omit<ClusterOptions, "clock"> {
  /** The operator plugins under test (objects, built-in names, paths or package names). */
  operators: readonly PluginRef[];
}

/** A started cluster on the virtual clock with the operators loaded (stop it with `cluster.stop()`). */
export interface OperatorTestCluster {
  readonly cluster: Cluster;
  /**
   * Waits (on the cluster clock, default 60 s) until the object `name` has the status condition
   * `type` with `status`, and `observedGeneration` (when the condition carries it) equal to its
   * generation — the condition speaks of the current spec. Resolves with the object.
   */
  waitForCondition<T extends ObjectLike = ObjectLike>(resource: ResourceRef, key: { namespace?: string; name: string }, type: string, status?: "True" | "False" | "Unknown", options?: { timeout?: number }): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The operator testing harness (controller-runtime's envtest, with the workloads running too): a
 * {@link Cluster} on a virtual clock (seed 1 unless given) with `operators` loaded on top of the
 * given plugins (default: the default distribution; `plugins: []` is an API-only cluster for
 * operators whose tests need no pods). Minutes of cluster time pass in milliseconds.
 */
export async function startOperatorTestCluster(options: OperatorTestOptions): Promise<OperatorTestCluster> {
  const { operators, ...clusterOptions } = options;
  const cluster = new Cluster({ seed: 1, ...clusterOptions, clock: "virtual" });
  for (const op of operators) cluster.use(op);
  await cluster.start();
  return {
    cluster,
    waitForCondition: (resource, key, type, status = "True", o = {}) =>
      cluster.waitFor(
        resource,
        (obj: ObjectLike & { status?: { conditions?: Condition[] } }) => {
          if (obj.metadata?.name !== key.name) return false;
          const c = obj.status?.conditions?.find((x) => x.type === type);
          return c?.status === status && (c.observedGeneration === undefined || c.observedGeneration === obj.metadata?.generation);
        },
        { ...(key.namespace ? { namespace: key.namespace } : {}), timeout: o.timeout ?? 60_000 },
      ) as never,
    stop: () => cluster.stop(),
  };
}
