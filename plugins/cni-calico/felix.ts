import type { DataPlane } from "../../core/net/data-plane.js";
import type { NetDevice } from "../../core/net/device.js";
import { uint32ToIpv4 } from "../../core/net/ipv4.js";
import { randomMac } from "../../core/net/mac.js";
import type { NetNamespace } from "../../core/net/netns.js";
import type { Block, PoolSpec } from "./ipam.js";
import { ruleId } from "./workload-name.js";

/** Felix's route protocol number (`proto 80` in `ip route`). */
export const FELIX_PROTO = "80";
export const VXLAN_CALICO = { name: "vxlan.calico", vni: 4096, port: 4789 } as const;

/** True when `ip` is on the node's own underlay subnet (CrossSubnet's test). */
export function sameSubnet(root: NetNamespace, ip: number): boolean {
  const r = root.route(ip, 0, 0);
  return !!r && r.route.type === "unicast" && r.route.via === undefined && r.route.dev === "eth0";
}

/** What Felix knows of another node's VXLAN tunnel endpoint (from its Calico Node). */
export interface RemoteVtep {
  readonly node: string;
  readonly nodeIP: number;
  readonly tunnelIP: number;
  readonly mac: string;
}

/**
 * Felix's routing half on one node: the tunnel devices (tunl0 for IPIP, vxlan.calico for VXLAN),
 * a blackhole route per block the node owns, which routes BIRD learns go over tunl0 (as the
 * pool's ipipMode says: {@link encapsulates}), and in VXLAN mode the neighbour/FDB/route
 * entries for every remote block, which Felix programs itself from the datastore.
 */
export class FelixRoutes {
  tunnel: NetDevice | undefined;
  private readonly vxlanPeers = new Map<string, RemoteVtep>();
  private readonly remoteBlocks = new Map<string, { network: number; prefix: number; node: string }>();

  constructor(
    private readonly plane: DataPlane,
    readonly root: NetNamespace,
    readonly node: string,
    readonly pool: PoolSpec,
  ) {}

  /** tunl0 (IPIP, MTU 1480) with the node's tunnel address. */
  setupIpip(tunnelIP: number): void {
    if (!this.root.devices.has("tunl0")) this.tunnel = this.root.addDevice("tunl0", "ipip", "00:00:00:00:00:00", 1480);
    this.root.addAddress("tunl0", tunnelIP, 32);
  }

  /** vxlan.calico (VNI 4096, port 4789, MTU 1450, learning off) with the node's tunnel address; returns its MAC. */
  setupVxlan(tunnelIP: number, nodeIP: number): string {
    const dev = this.root.addDevice(VXLAN_CALICO.name, "vxlan", randomMac(this.plane.random), 1450);
    dev.vxlan = { vni: VXLAN_CALICO.vni, local: nodeIP, dev: "eth0", port: VXLAN_CALICO.port, learning: false };
    this.root.addAddress(VXLAN_CALICO.name, tunnelIP, 32);
    this.tunnel = dev;
    return dev.mac;
  }

  /** `blackhole <block> proto bird` (BIRD's static protocol) or `proto 80` (Felix, VXLAN mode). */
  ownBlock(block: Block, proto: string): void {
    this.root.main.replace({ type: "blackhole", network: block.network, prefix: block.prefix, proto, scope: "global" });
    this.root.changed();
  }

  releaseBlock(block: Block): void {
    this.root.main.delete(block.network, block.prefix, undefined, (r) => r.type === "blackhole");
    this.root.changed();
  }

  /** Whether routes to `nextHop` go over tunl0 (calico_kernel_programming's krt_tunnel): IPIP Always, or CrossSubnet across subnets. */
  encapsulates(nextHop: number): boolean {
    return this.pool.ipipMode === "Always" || (this.pool.ipipMode === "CrossSubnet" && !sameSubnet(this.root, nextHop));
  }

  private vxlanEncap(peer: RemoteVtep): boolean {
    return this.pool.vxlanMode === "Always" || (this.pool.vxlanMode === "CrossSubnet" && !sameSubnet(this.root, peer.nodeIP));
  }

  /** VXLAN: a remote node's VTEP appeared (neighbour + FDB), then its blocks get routes. */
  addVtep(peer: RemoteVtep): void {
    if (!this.tunnel || peer.node === this.node) return;
    this.vxlanPeers.set(peer.node, peer);
    this.root.neigh.set(VXLAN_CALICO.name, peer.tunnelIP, peer.mac, "PERMANENT", this.plane.clock.now());
    this.tunnel.fdb!.addPermanent(peer.mac, VXLAN_CALICO.name, peer.nodeIP);
    for (const b of this.remoteBlocks.values()) if (b.node === peer.node) this.vxlanRoute(b.network, b.prefix, peer);
    this.root.changed();
  }

  removeVtep(node: string): void {
    const peer = this.vxlanPeers.get(node);
    if (!peer || !this.tunnel) return;
    this.vxlanPeers.delete(node);
    this.root.neigh.delete(VXLAN_CALICO.name, peer.tunnelIP);
    this.tunnel.fdb!.delete(peer.mac);
    for (const [key, b] of [...this.remoteBlocks]) if (b.node === node) {
      this.root.main.delete(b.network, b.prefix, undefined, (r) => r.proto === FELIX_PROTO);
      this.remoteBlocks.delete(key);
    }
    this.root.changed();
  }

  private vxlanRoute(network: number, prefix: number, peer: RemoteVtep): void {
    this.root.main.delete(network, prefix, undefined, (r) => r.proto === FELIX_PROTO && r.type === "unicast");
    if (this.vxlanEncap(peer)) this.root.main.add({ type: "unicast", network, prefix, via: peer.tunnelIP, dev: VXLAN_CALICO.name, proto: FELIX_PROTO, scope: "global", onlink: true });
    else this.root.main.add({ type: "unicast", network, prefix, via: peer.nodeIP, dev: "eth0", proto: FELIX_PROTO, scope: "global" });
  }

  /** VXLAN: a remote block (or borrowed /32) and its owner. */
  addRemoteBlock(network: number, prefix: number, node: string): void {
    if (node === this.node) return;
    this.remoteBlocks.set(`${network}/${prefix}`, { network, prefix, node });
    const peer = this.vxlanPeers.get(node);
    if (peer) this.vxlanRoute(network, prefix, peer);
    this.root.changed();
  }

  removeRemoteBlock(network: number, prefix: number): void {
    if (!this.remoteBlocks.delete(`${network}/${prefix}`)) return;
    this.root.main.delete(network, prefix, undefined, (r) => r.proto === FELIX_PROTO && r.type === "unicast");
    this.root.changed();
  }

  /** natOutgoing (cali-nat-outgoing) and the ipsets of the pools. */
  natOutgoing(pool: PoolSpec): void {
    const masq = this.root.ipsets.ensure("cali40masq-ipam-pools", "hash:net");
    const all = this.root.ipsets.ensure("cali40all-ipam-pools", "hash:net");
    all.members.add(pool.cidr);
    if (pool.natOutgoing) masq.members.add(pool.cidr);
    const rules: [chain: string, matches: string, target: string][] = [
      ["POSTROUTING", "", "cali-POSTROUTING"],
      ["cali-POSTROUTING", "", "cali-nat-outgoing"],
      ["cali-nat-outgoing", "-m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst ", "MASQUERADE --random-fully"],
    ];
    const lines = ["*nat", ":cali-POSTROUTING - [0:0]", ":cali-nat-outgoing - [0:0]"];
    rules.forEach(([chain, matches, target], i) => lines.push(`-A ${chain} -m comment --comment "${ruleId(chain, i, matches + target)}" ${matches}-j ${target}`));
    lines.push("COMMIT", "");
    this.root.netfilter.restore(lines.join("\n"), { noflush: true });
  }

  /** The node's tunnel address, as text. */
  tunnelAddress(): string | undefined {
    const ip = this.tunnel?.primaryAddress;
    return ip === undefined ? undefined : uint32ToIpv4(ip);
  }
}

