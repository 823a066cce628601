/**
 * kube-controller-manager as a plugin: the workload and housekeeping controllers of
 * kube-controller-manager, run in-process over the cluster's client and shared informers,
 * leader-elected on kube-system/kube-controller-manager. `kubesim controller-manager --kubeconfig K`
 * runs the same component against a server over HTTP ({@link runControllerManager}).
 */
import { AggregatedApiToken, Controllers, definePlugin, NetworkConfigToken, NodeAgents, type DefinedPlugin } from "../../core/index.js";
import { Images } from "../../core/cri/images.js";
import { controlPlaneComponentAgent } from "../../core/cluster/control-plane-component-agent.js";
import { KUBE_CONTROLLER_MANAGER_PORT, kubeControllerManagerPod } from "../../core/cluster/kubeadm-static-pods.js";
import { KUBE_CONTROLLER_MANAGER_IMAGE } from "./image.js";
import { KubeControllerManager } from "./controller-manager.js";
import { fieldError } from "../../core/api/status.js";
import { PluginConfigError } from "../../core/plugins/plugin-config.js";
import { ClusterCredentialsToken } from "../../core/apiserver/serviceaccount/cluster-credentials.js";
import type { KubeControllerManagerOptions } from "./options.js";
import { ClientFactory, KUBE_CONTROLLER_MANAGER_USER } from "../../core/client/client-factory.js";
import { componentUserAgent } from "../../core/client/user-agent.js";
import { inProcessServiceAccountClients } from "./service-account-credentials.js";

export const PLUGIN_NAME = "kube-controller-manager";

/** The plugin with these settings (flags); the default export uses upstream's defaults. */
export function kubeControllerManager(defaults: KubeControllerManagerOptions = {}): DefinedPlugin {
  return definePlugin({
    name: PLUGIN_NAME,
    description: "kube-controller-manager: namespace, serviceaccount, garbage collector and workload controllers",
    config: { description: "kube-controller-manager settings: controllers (`--controllers`, e.g. [\"*\", \"bootstrapsigner\"])", parse: parseKcmConfig },
    setup(ctx) {
      const options: KubeControllerManagerOptions = { ...defaults, ...(ctx.config as KubeControllerManagerOptions | undefined) };
      let running: KubeControllerManager | undefined;
      // kubeadm's kube-controller-manager static pod on the control-plane nodes, and its secure port
      // :10257 (metrics and the health its probes read) in the host network it runs in.
      ctx.contribute(Images, KUBE_CONTROLLER_MANAGER_IMAGE.repository, KUBE_CONTROLLER_MANAGER_IMAGE);
      ctx.contribute(
        NodeAgents,
        `${PLUGIN_NAME}-metrics`,
        controlPlaneComponentAgent({
          port: KUBE_CONTROLLER_MANAGER_PORT,
          metrics: () => running?.metrics.metrics() ?? "",
          healthPaths: ["/healthz"],
          health: () => (running ? { healthy: true } : { healthy: false, reason: "the controller manager is not running" }),
          staticPod: (network, node) => kubeControllerManagerPod({ advertiseAddress: node.ip, nodeName: node.name, apiServerPort: 6443, serviceCidr: network.serviceCidr, podNetworkCidr: network.podNetworkCidr }),
        }),
      );
      ctx.contribute(Controllers, PLUGIN_NAME, {
        name: PLUGIN_NAME,
        async setup(mgr) {
          if (!mgr.registry) throw new Error("kube-controller-manager needs the cluster's resource registry");
          // In a Cluster, node IPAM cuts node CIDRs from the cluster's pod network (kubeadm's --pod-network-cidr).
          const network = ctx.container.isRegistered(NetworkConfigToken, true) ? ctx.resolve(NetworkConfigToken) : undefined;
          const settings: KubeControllerManagerOptions = network ? { allocateNodeCidrs: true, clusterCidr: network.podNetworkCidr, serviceClusterIpRange: network.serviceCidr, ...options } : options;
          const credentials = ctx.container.isRegistered(ClusterCredentialsToken, true) ? ctx.resolve(ClusterCredentialsToken) : undefined;
          const rootCA = credentials ? { pem: () => credentials.caCertPem(), onChange: (fn: () => void) => credentials.onCaChange(fn) } : undefined;
          const signingCA = credentials ? () => credentials.signingCa() : undefined;
          // The HPA reads metrics.k8s.io through the cluster's aggregation layer.
          const aggregatedApi = ctx.container.isRegistered(AggregatedApiToken, true) ? ctx.resolve(AggregatedApiToken) : undefined;
          const aggregated = aggregatedApi
            ? async (group: string, version: string, path: string) => aggregatedApi.request(group, version, { method: "GET", path, headers: { Accept: "application/json" } }, { username: "system:kube-controller-manager", groups: ["system:authenticated"] })
            : undefined;
          // Its own user (controller-manager.conf) and, per controller, its service account (kubeadm's --use-service-account-credentials).
          const clients = ctx.container.isRegistered(ClientFactory, true) ? ctx.resolve(ClientFactory) : undefined;
          // User-Agents as upstream's client builders set them: `kube-controller-manager/...`, and per
          // controller `.../system:serviceaccount:kube-system:<name>` (rest.AddUserAgent).
          const client = clients ? clients.clientFor(KUBE_CONTROLLER_MANAGER_USER, componentUserAgent(PLUGIN_NAME)) : mgr.client;
          const serviceAccountClients = clients ? inProcessServiceAccountClients(client, (u) => clients.clientFor(u, componentUserAgent(PLUGIN_NAME, u.username))) : undefined;
          const kcm = new KubeControllerManager({ client, ...(serviceAccountClients ? { serviceAccountClients } : {}), informers: mgr.informers, clock: mgr.clock, log: ctx.log, registry: mgr.registry, random: ctx.random, ...(rootCA ? { rootCA } : {}), ...(signingCA ? { signingCA } : {}), ...(aggregated ? { aggregated } : {}) }, settings);
          running = kcm;
          // Controllers register now, so their informers start and sync with the cluster's.
          await kcm.setup();
          mgr.add({
            name: PLUGIN_NAME,
            needLeaderElection: false,
            async start(signal) {
              await kcm.start(signal);
              if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
              await kcm.stop();
            },
          });
        },
      });
      return () => {
        ctx.extensions(NodeAgents).withdraw(`${PLUGIN_NAME}-metrics`);
        ctx.extensions(Images).withdraw(KUBE_CONTROLLER_MANAGER_IMAGE.repository);
      };
    },
  });
}

/** The configuration section a Cluster or cluster.yaml gives the plugin: `controllers` (a list or upstream's comma-separated text). */
function parseKcmConfig(raw: unknown): KubeControllerManagerOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new PluginConfigError([fieldError.invalid("", raw, "must be an object")]);
  const { controllers, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new PluginConfigError(unknown.map((k) => fieldError.notSupported(k, k, ["controllers"])));
  if (controllers === undefined) return {};
  if (typeof controllers === "string") return { controllers };
  if (Array.isArray(controllers) && controllers.every((c) => typeof c === "string")) return { controllers: controllers as string[] };
  throw new PluginConfigError([fieldError.invalid("controllers", controllers, "must be a list of controller names")]);
}

export default kubeControllerManager();

export { KubeControllerManager, type KubeControllerManagerDeps } from "./controller-manager.js";
export { KNOWN_CONTROLLERS } from "./known-controllers.js";
export { selectControllers, parseControllerList, UnknownControllerError } from "./controller-selection.js";
export type { ControllerDescriptor, ControllerContext } from "./controller-descriptor.js";
export { LEASE_NAME, LEASE_NAMESPACE, type KubeControllerManagerOptions } from "./options.js";
export { runControllerManager, type StandaloneOptions, type StandaloneHandle } from "./standalone.js";
export { controllerManagerCommand } from "./command.js";
