/**
 * cloud-controller-manager as a plugin: the cloud-facing controllers (service load balancers)
 * over the provider `--cloud-provider` names, contributed to the cluster's controller manager.
 * The built-in `kubesim` provider hands out load balancer addresses from a pool; a third-party
 * provider is a plugin that contributes to {@link CloudProviders} (see docs/operations.md).
 */
import { Controllers, definePlugin, type DefinedPlugin } from "../../core/index.js";
import { KubeletCloudProvider } from "../../core/cluster/node-spec.js";
import { CloudProviders } from "./cloud-provider.js";
import { kubesimCloudProvider } from "./kubesim-provider.js";
import { serviceController } from "./service-controller.js";
import { cloudNodeController, cloudNodeLifecycleController } from "./cloud-node-controller.js";
import type { KubesimInstances } from "./kubesim-provider.js";

export const PLUGIN_NAME = "cloud-controller-manager";

export interface CloudControllerManagerOptions {
  /** `--cloud-provider` (default `kubesim`). */
  cloudProvider?: string;
  /** `--cluster-name` (default `kubernetes`), passed to the provider. */
  clusterName?: string;
  /** The `kubesim` provider's address pool (default 172.18.255.200-172.18.255.250). */
  loadBalancerPool?: string;
  /** The `kubesim` provider's instance table (shut down or terminate instances through it). */
  instances?: KubesimInstances;
  /** `--node-monitor-period` of the cloud node lifecycle controller in ms (default 5 s). */
  nodeMonitorPeriodMs?: number;
  /**
   * Run the cluster's kubelets with `--cloud-provider=external` (default true, as kubeadm does for
   * a cluster with an external cloud provider): Nodes register with the uninitialized taint, which
   * the cloud node controller removes once it has initialised them.
   */
  externalKubelets?: boolean;
}

export function cloudControllerManager(options: CloudControllerManagerOptions = {}): DefinedPlugin {
  return definePlugin({
    name: PLUGIN_NAME,
    description: "cloud-controller-manager: service load balancers, node initialization and node lifecycle through a cloud provider (built in: kubesim)",
    setup(ctx) {
      if (options.externalKubelets !== false) ctx.provide(KubeletCloudProvider, "external");
      ctx.contribute(CloudProviders, "kubesim", kubesimCloudProvider({ ...(options.loadBalancerPool ? { loadBalancerPool: options.loadBalancerPool } : {}), ...(options.instances ? { instances: options.instances } : {}) }));
      ctx.contribute(Controllers, PLUGIN_NAME, {
        name: PLUGIN_NAME,
        setup(mgr) {
          const name = options.cloudProvider ?? "kubesim";
          const provider = ctx.extensions(CloudProviders).get(name);
          if (!provider) throw new Error(`cloud-controller-manager: unknown --cloud-provider "${name}" (known: ${ctx.extensions(CloudProviders).all().map((p) => p.name).join(", ")})`);
          const lb = provider.loadBalancer?.();
          if (lb) serviceController(mgr, lb, options.clusterName ?? "kubernetes");
          const instances = provider.instancesV2?.();
          if (instances) {
            cloudNodeController(mgr, instances);
            cloudNodeLifecycleController(mgr, instances, options.nodeMonitorPeriodMs);
          }
        },
      });
    },
  });
}

export default cloudControllerManager();

export { CloudProviders, type CloudProvider, type LoadBalancer, type InstancesV2, type InstanceMetadata } from "./cloud-provider.js";
export { kubesimCloudProvider, DEFAULT_LOAD_BALANCER_POOL, KubesimInstances, type KubesimInstance } from "./kubesim-provider.js";
export { cloudNodeController, cloudNodeLifecycleController, UNINITIALIZED_TAINT, SHUTDOWN_TAINT } from "./cloud-node-controller.js";
export { IpPool } from "./ip-pool.js";
export { serviceController, LOAD_BALANCER_CLEANUP_FINALIZER } from "./service-controller.js";
