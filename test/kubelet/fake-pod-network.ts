import { definePlugin } from "../../core/plugins/plugin.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { NodeIP, NodePodCidr } from "../../core/cluster/node-spec.js";
import { provide } from "../../core/di/token.js";
import { PodNetwork, type PodNetworkAttachment, type PodNetworkRequest } from "../../core/cni/pod-network.js";
import { ipv4ToUint32, parseIpv4Cidr, uint32ToIpv4 } from "../../core/net/ipv4.js";
import { LocalFabric, type LocalStack } from "../../plugins/runtime-containerd/local-network.js";

/**
 * A test double of the pod network: every node hands out pod IPs from its pod CIDR (.2, .3, ...)
 * and all namespaces of the cluster reach each other on one flat in-memory fabric. The real
 * implementation (core/cni + the data-plane model) replaces it.
 */
export class FakePodNetwork implements PodNetwork {
  private readonly sandboxes = new Map<string, { ip: string; stack: LocalStack }>();
  private readonly used = new Set<number>();
  private readonly host: LocalStack;
  ready = true;

  constructor(private readonly fabric: LocalFabric, private readonly podCidr: string, nodeIP: string) {
    this.host = fabric.stack([nodeIP]);
  }

  status() {
    return this.ready ? { ready: true } : { ready: false, reason: "NetworkPluginNotReady", message: "Network plugin returns error: cni plugin not initialized" };
  }

  async setUpPod(req: PodNetworkRequest): Promise<PodNetworkAttachment> {
    let s = this.sandboxes.get(req.sandboxId);
    if (!s) {
      const { network } = parseIpv4Cidr(this.podCidr);
      let host = 2;
      while (this.used.has(host)) host++;
      this.used.add(host);
      const ip = uint32ToIpv4(network + host);
      s = { ip, stack: this.fabric.stack([ip]) };
      this.sandboxes.set(req.sandboxId, s);
    }
    return { ips: [s.ip], interfaceName: "eth0", stack: s.stack };
  }

  async tearDownPod(req: PodNetworkRequest): Promise<void> {
    const s = this.sandboxes.get(req.sandboxId);
    if (!s) return;
    this.sandboxes.delete(req.sandboxId);
    this.used.delete(ipv4ToUint32(s.ip) - parseIpv4Cidr(this.podCidr).network);
    this.fabric.remove(s.stack);
  }

  hostStack() {
    return this.host;
  }
}

/** A plugin providing a {@link FakePodNetwork} in every node's scope (list it before the kubelet). */
export function fakePodNetworkPlugin(options: { ready?: boolean } = {}) {
  const fabric = new LocalFabric();
  const networks = new Map<string, FakePodNetwork>();
  return {
    plugin: definePlugin({
      name: "fake-pod-network",
      setup(ctx) {
        ctx.contribute(NodeAgents, "fake-pod-network", {
          start({ nodeName, scope }) {
            const net = new FakePodNetwork(fabric, scope.resolve<string>(NodePodCidr), scope.resolve<string>(NodeIP));
            net.ready = options.ready ?? true;
            networks.set(nodeName, net);
            provide(scope, PodNetwork, net);
            return { stop: () => void networks.delete(nodeName) };
          },
        });
      },
    }),
    networks,
    fabric,
  };
}
