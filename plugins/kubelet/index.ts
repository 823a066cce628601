import { definePlugin } from "../../core/plugins/plugin.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { Client } from "../../core/client/client.js";
import { ClientFactory, nodeUser } from "../../core/client/client-factory.js";
import { componentUserAgent } from "../../core/client/user-agent.js";
import { ContainerRuntimes } from "../../core/cri/runtime-service.js";
import { NodeSpecToken, type NodeSpec } from "../../core/cluster/node-spec.js";
import { provide, token } from "../../core/di/token.js";
import { Kubelet } from "./kubelet.js";
import { kubeletStreams } from "./streaming.js";
import { NodeCommands } from "../../core/cluster/node-commands.js";
import { crictl, ps, pstree } from "./node-views.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { StorageDrivers } from "../../core/csi/storage-drivers.js";

export { Kubelet, LEASE_RENEW_MS, STATUS_UPDATE_MS, type KubeletOptions } from "./kubelet.js";
export { PodWorker, formatDelay } from "./pod-worker.js";
export { Backoff } from "./backoff.js";
export { admitPod, admissionRequests, podRequest, type NodeUsage } from "./admission.js";
export { KUBELET_VERSION, nodeResources } from "./node-status.js";
export { CsiVolumeManager, stagingPath, publishPath, ATTACH_AND_MOUNT_TIMEOUT_MS } from "./csi-volumes.js";
export { ANN_CSI_NODE_ID } from "./csi-registration.js";
export { kubeletCommand, KUBELET_PROCESS_PLUGINS } from "./command.js";
export { joinCommand } from "./join-command.js";

/** A node's kubelet (node scope), for streaming, node views and tests. */
export const NodeKubelet = token<Kubelet>("Kubelet");

/** The kubelet's User-Agent (client-go's default for the `kubelet` binary). */
const KUBELET_USER_AGENT = componentUserAgent("kubelet");

/** The node label choosing a node's container runtime (`containerd`, `docker`). */
export const KUBELET_NODE_LABEL_RUNTIME = "kubesim.io/container-runtime";

/**
 * The kubelet as a node agent: one per node, in the node's scope, running pods through the
 * node's container runtime (`containerd` unless the node spec's `runtime` or its
 * `kubesim.io/container-runtime` label asks for another, e.g. `docker` from runtime-docker). Load a runtime plugin (runtime-containerd) with it.
 */
export default definePlugin({
  name: "kubelet",
  description: "the kubelet: node registration, leases, pod workers, probes, restarts, volumes, streaming",
  setup(ctx) {
    const kubelets = new Map<string, Kubelet>();
    ctx.provide(PodStreams, kubeletStreams(ctx.resolve(Client), kubelets));
    ctx.contribute(NodeCommands, "crictl", crictl);
    ctx.contribute(NodeCommands, "ps", ps);
    ctx.contribute(NodeCommands, "pstree", pstree);
    ctx.contribute(NodeAgents, "kubelet", {
      async start({ nodeName, scope }) {
        const runtimes = ctx.extensions(ContainerRuntimes);
        const spec: NodeSpec | undefined = scope.isRegistered(NodeSpecToken, true) ? scope.resolve<NodeSpec>(NodeSpecToken) : undefined;
        const chosen = spec?.runtime ?? spec?.labels?.[KUBELET_NODE_LABEL_RUNTIME];
        const wanted = chosen ?? "containerd";
        const factory = runtimes.get(wanted) ?? (runtimes.size > 0 && !chosen ? runtimes.all()[0] : undefined);
        if (!factory) throw new Error(`kubelet on node ${nodeName}: no container runtime "${wanted}" is loaded (load a runtime plugin such as runtime-containerd)`);
        // The kubelet acts as system:node:<node> (kubelet.conf): the Node authorizer and NodeRestriction apply to it.
        const client = ctx.container.isRegistered(ClientFactory, true) ? ctx.resolve(ClientFactory).clientFor(nodeUser(nodeName), KUBELET_USER_AGENT) : ctx.resolve(Client);
        const kubelet = new Kubelet({ scope, client, clock: ctx.clock, random: ctx.random, log: ctx.log.child(`kubelet/${nodeName}`), runtime: factory, storageDrivers: () => ctx.extensions(StorageDrivers).all() });
        await kubelet.start();
        provide(scope, NodeKubelet, kubelet);
        kubelets.set(nodeName, kubelet);
        return {
          stop: async () => {
            kubelets.delete(nodeName);
            await kubelet.stop();
          },
        };
      },
    });
    return () => {
      ctx.extensions(NodeAgents).withdraw("kubelet");
      for (const c of ["crictl", "ps", "pstree"]) ctx.extensions(NodeCommands).withdraw(c);
    };
  },
});
