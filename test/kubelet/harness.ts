import type { Pod } from "kubernetes-types/core/v1.js";
import { summarizePod } from "../../core/apiserver/printers/pod-printer.js";
import { Cluster, type ClusterOptions } from "../../core/cluster/cluster.js";
import type { PluginRef } from "../../core/plugins/plugin-loader.js";
import images from "../../plugins/images/index.js";
import kubelet, { NodeKubelet } from "../../plugins/kubelet/index.js";
import type { Kubelet } from "../../plugins/kubelet/kubelet.js";
import runtime from "../../plugins/runtime-containerd/index.js";
import cniPlugins from "../../plugins/cni-plugins/index.js";
import kindnet from "../../plugins/cni-kindnet/index.js";

/** The pod network kubelet tests run on: kind's (kindnet on the CNI reference plugins). */
export const POD_NETWORK: PluginRef[] = [cniPlugins, kindnet];

/** A virtual-clock cluster with kubelets, containerd, the built-in images and kind's pod network (`network: false`: none). */
export async function kubeletCluster(options: ClusterOptions & { network?: boolean; extra?: PluginRef[] } = {}) {
  const plugins: PluginRef[] = [...(options.network === false ? [] : POD_NETWORK), images, runtime, kubelet, ...(options.extra ?? [])];
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: [{ name: "node-1", role: "worker" }], ...options, plugins });
  await cluster.start();
  const kubeletOf = (node = "node-1"): Kubelet => cluster.nodes.get(node)!.scope.resolve<Kubelet>(NodeKubelet);
  const pods = cluster.client.resource<Pod>("Pod");
  return { cluster, kubeletOf, pods };
}

/** A pod bound to `node` (no scheduler needed). */
export function pod(name: string, spec: Partial<Pod["spec"]> & object, node = "node-1", extra: Partial<Pod> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", ...(extra.metadata ?? {}) }, spec: { nodeName: node, containers: [], ...spec } as Pod["spec"] };
}

/** kubectl's READY/STATUS/RESTARTS for a pod (the API server's printer). */
export function columns(p: Pod): string {
  const s = summarizePod(p);
  return `${s.ready} ${s.status} ${s.restarts}`;
}
