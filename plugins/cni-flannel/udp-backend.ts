import type { DataPlane } from "../../core/net/data-plane.js";
import type { NetDevice } from "../../core/net/device.js";
import { prefixMask } from "../../core/net/ipv4.js";
import { HEADER } from "../../core/net/packet.js";
import type { NetNamespace } from "../../core/net/netns.js";
import type { UdpSocket } from "../../core/net/sockets.js";
import { uint32ToIpv4 } from "../../core/net/ipv4.js";
import type { Backend } from "./backend.js";
import type { Lease } from "./lease.js";

/** flannel's udp backend's default port (`Backend.Port`). */
export const FLANNEL_UDP_PORT = 8285;

/**
 * flannel's udp backend (debugging only, upstream says): the TUN device `flannel0` (MTU = underlay −
 * 28 for the outer IPv4 and UDP headers, the node subnet's .0 as a /32, one kernel route for the
 * whole flannel network `dev flannel0`), and flanneld itself as a userspace relay — it reads every
 * packet routed into flannel0, finds the lease whose subnet holds the destination, and sends the
 * packet whole in a UDP datagram from `<public IP>:8285` to that node's flanneld, which writes it
 * into its own flannel0. Remote subnets are the relay's own table, not kernel routes, so `ip route`
 * shows only the network route. The lease carries no backend type or data (upstream's LeaseAttrs
 * for udp hold only PublicIP).
 */
export class UdpBackend implements Backend {
  /** Upstream publishes an empty backend type for udp leases (`flannel.alpha.coreos.com/backend-type: ""`). */
  readonly type = "";
  readonly mtu: number;
  readonly data = null;
  readonly errors: string[] = [];
  readonly port: number;
  private readonly dev: NetDevice;
  /** The relay's table: remote subnet network → { prefix, public IP } (the C proxy's route table). */
  private readonly peers = new Map<number, { prefix: number; publicIP: number }>();
  private readonly prefixes = new Set<number>();
  private readonly socket: UdpSocket;

  constructor(
    plane: DataPlane,
    private readonly root: NetNamespace,
    local: { network: number; publicIP: number },
    flannelNetwork: { network: number; prefix: number },
    port = FLANNEL_UDP_PORT,
  ) {
    this.port = port || FLANNEL_UDP_PORT;
    const underlay = root.devices.get("eth0")!;
    this.mtu = underlay.mtu - HEADER.udpTunnel;
    root.removeDevice("flannel0");
    this.dev = root.addDevice("flannel0", "tun", "00:00:00:00:00:00", this.mtu);
    root.addAddress("flannel0", local.network, 32);
    root.main.replace({ type: "unicast", network: flannelNetwork.network, prefix: flannelNetwork.prefix, dev: "flannel0", scope: "global" });
    this.dev.tunRelay = { port: this.port, local: local.publicIP, peerFor: (dst) => this.peerFor(dst) };
    // flanneld's UDP socket (net.ListenUDP on the external address): what `ss -lun` shows on the node.
    this.socket = plane.stack(root).bindUdp(this.port, () => undefined, { address: uint32ToIpv4(local.publicIP) });
    root.changed();
  }

  private peerFor(dst: number): number | undefined {
    for (const prefix of this.prefixes) {
      const p = this.peers.get((dst & prefixMask(prefix)) >>> 0);
      if (p && p.prefix === prefix) return p.publicIP;
    }
    return undefined;
  }

  added(lease: Lease): void {
    this.peers.set(lease.network, { prefix: lease.prefix, publicIP: lease.publicIP });
    this.prefixes.add(lease.prefix);
  }

  removed(lease: Lease): void {
    const p = this.peers.get(lease.network);
    if (p && p.publicIP === lease.publicIP) this.peers.delete(lease.network);
  }

  /** The relay's table as flanneld logs it (`Subnet added: ...`), for views and tests. */
  relayTable(): { subnet: string; publicIP: string }[] {
    return [...this.peers].map(([net, p]) => ({ subnet: `${uint32ToIpv4(net)}/${p.prefix}`, publicIP: uint32ToIpv4(p.publicIP) }));
  }

  teardown(): void {
    this.socket.close();
    this.root.removeDevice("flannel0");
  }
}
