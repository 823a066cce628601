import type { Service } from "kubernetes-types/core/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { PodNetwork, type PodNetworkAttachment, type PodNetworkRequest } from "../../core/cni/pod-network.js";

/** What the network tests play instead of a kubelet and the EndpointSlice controller. */

/** A pod sandbox set up directly through the node's pod network (CNI ADD), in namespace default. */
export async function podSandbox(cluster: Cluster, node: string, name: string, extra: Partial<PodNetworkRequest> = {}): Promise<PodNetworkAttachment> {
  return cluster.nodes.get(node)!.scope.resolve<PodNetwork>(PodNetwork).setUpPod({ sandboxId: `sb-${name}`, podName: name, podNamespace: "default", podUid: `uid-${name}`, ...extra });
}

/** The Service's EndpointSlice `<name>-abcde` with ready endpoints on port 8080, then one kube-proxy sync period. */
export async function endpointSlice(cluster: Cluster, name: string, endpoints: readonly { ip: string; node: string }[]): Promise<void> {
  await cluster.apply({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${name}-abcde`, namespace: "default", labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: true }, nodeName: e.node })),
    ports: [{ name: "", port: 8080, protocol: "TCP" }],
  } as never);
  await cluster.clock.sleep(1500);
}

/** Service `name` (port 80 → 8080/TCP, `spec` merged over it) with its EndpointSlice (none when `endpoints` is empty). */
export async function serviceWithEndpoints(cluster: Cluster, name: string, endpoints: readonly { ip: string; node: string }[], spec: Record<string, unknown> = {}): Promise<Service> {
  await cluster.apply({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }], ...spec } } as never);
  if (endpoints.length) await endpointSlice(cluster, name, endpoints);
  else await cluster.clock.sleep(1500);
  return cluster.client.resource<Service>("Service").get(name, { namespace: "default" });
}
