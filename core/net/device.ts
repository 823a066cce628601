import { BridgeFdb } from "./bridge-fdb.js";
import type { NetNamespace } from "./netns.js";
import type { Packet } from "./packet.js";

export type DeviceKind = "loopback" | "ether" | "veth" | "bridge" | "vxlan" | "ipip" | "dummy" | "tun";

/** An IPv4 address on a device (`inet 10.244.0.1/24 brd ... scope global cni0`). */
export interface DeviceAddress {
  readonly ip: number;
  readonly prefix: number;
  readonly scope: "global" | "host" | "link";
}

/** A VXLAN device's parameters (`ip -d link show flannel.1`). */
export interface VxlanConfig {
  readonly vni: number;
  /** The local VTEP address (outer source). */
  readonly local: number;
  /** The underlay device (`dev eth0`). */
  readonly dev: string;
  /** UDP destination port (8472 for flannel, 4789 IANA). */
  readonly port: number;
  readonly learning: boolean;
}

/**
 * A userspace UDP tunnel behind a TUN device (flannel's udp backend): the process holding the device
 * reads each packet routed out of it and sends it whole, in one UDP datagram from `local:port`, to
 * the peer responsible for its destination, whose process writes it into its own TUN device.
 */
export interface TunRelay {
  /** The UDP port the relay sends from and listens on (flannel: 8285). */
  readonly port: number;
  /** The address its datagrams leave from (the node's public IP). */
  readonly local: number;
  /** The peer (public IP) that handles `dst`, or undefined when the relay knows none (the packet is dropped). */
  peerFor(dst: number): number | undefined;
}

/** An L2 network joining `ether` devices: the nodes' underlay (kind's docker network). */
export interface Segment {
  readonly name: string;
  readonly members: Set<NetDevice>;
}

/**
 * A network device in one namespace, with the state `ip link`/`ip addr` show. Kind-specific parts:
 * a veth's `peer`, a bridge port's `master` and `hairpin`, a bridge's or VXLAN device's `fdb`, an
 * underlay device's `segment`.
 */
export class NetDevice {
  /** Replaced, not pushed to, when an address is added (a pushed-to array keeps room for 16 more). */
  addresses: DeviceAddress[] = [];
  up = true;
  /** veth: the other end (usually in another namespace). */
  peer?: NetDevice;
  /** A bridge port's bridge. */
  master?: NetDevice;
  /** net.ipv4.conf.<dev>.proxy_arp: the device answers ARP for any address with its own MAC (Calico's `cali*` veths). */
  proxyArp = false;
  /** A bridge port forwards frames back out the port they came in on (CNI bridge `hairpinMode`). */
  hairpin = false;
  /** bridge: learned/static MACs → ports; vxlan: MACs → remote VTEPs. */
  fdb?: BridgeFdb;
  /** bridge: its ports. */
  ports?: Set<NetDevice>;
  vxlan?: VxlanConfig;
  /** ipip: the tunnel's local address (`tunl0` has none fixed: `local any`). */
  segment?: Segment;
  /**
   * tun: the process holding the device open (`/dev/net/tun`) reads every packet routed out of
   * it here; while none does the device has no carrier and such packets are dropped. What the
   * process writes back enters the namespace through {@link DataPlane.tunWrite}.
   */
  tunReader?: (pkt: Packet) => void;
  /** tun: the process relays what it reads to peers over UDP ({@link TunRelay}); it has the device open. */
  tunRelay?: TunRelay;
  rxPackets = 0;
  txPackets = 0;
  rxBytes = 0;
  txBytes = 0;

  constructor(
    readonly ns: NetNamespace,
    readonly index: number,
    public name: string,
    readonly kind: DeviceKind,
    public mac: string,
    public mtu: number,
  ) {
    if (kind === "bridge") {
      this.fdb = new BridgeFdb();
      this.ports = new Set();
    } else if (kind === "vxlan") this.fdb = new BridgeFdb();
  }

  /** The primary address (first global one), if any. */
  get primaryAddress(): number | undefined {
    return this.addresses.find((a) => a.scope !== "host")?.ip ?? this.addresses[0]?.ip;
  }

  owns(ip: number): boolean {
    for (const a of this.addresses) if (a.ip === ip) return true;
    return false;
  }
}
