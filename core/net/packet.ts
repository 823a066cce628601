/**
 * Packets of the data-plane model: IPv4 with real header sizes and a TTL. Addresses are unsigned
 * 32-bit integers (core/net/ipv4.ts); `size` is the IP datagram's total length (IP header and
 * everything after it), the figure an MTU is compared with.
 */

/** Transport protocols, plus `ipip` for an IPIP tunnel's outer packet (IP protocol 4). */
export type L4Protocol = "tcp" | "udp" | "icmp" | "ipip";

/** Header sizes in bytes, as on the wire. */
export const HEADER = {
  ethernet: 14,
  ipv4: 20,
  tcp: 20,
  udp: 8,
  icmp: 8,
  /** VXLAN's outer headers: Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
  vxlan: 50,
  /** IPIP adds one outer IPv4 header. */
  ipip: 20,
  /** A userspace UDP tunnel (flannel's udp backend): outer IPv4 20 + UDP 8 around the inner IP packet. */
  udpTunnel: 28,
} as const;

export const PROTOCOL_NUMBER: Record<L4Protocol, number> = { tcp: 6, udp: 17, icmp: 1, ipip: 4 };

/** TCP flags a walk cares about. */
export type TcpFlags = "SYN" | "SYN,ACK" | "ACK" | "FIN,ACK" | "RST";

export interface Packet {
  proto: L4Protocol;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  ttl: number;
  /** IP total length in bytes. */
  size: number;
  /** Don't Fragment (set on every TCP segment by Linux's path MTU discovery). */
  df: boolean;
  /** skb->mark (fwmark), set by `-j MARK`. */
  mark: number;
  flags?: TcpFlags;
  /** An encapsulated packet (VXLAN, IPIP or a userspace UDP tunnel's datagram): the inner packet this one carries. */
  inner?: Packet;
  encap?: "vxlan" | "ipip" | "udp";
}

/** A packet of `payload` bytes with the L4 header of `proto`. Linux starts at TTL 64. */
export function makePacket(proto: L4Protocol, src: number, sport: number, dst: number, dport: number, payload = 0, flags?: TcpFlags): Packet {
  const l4 = proto === "tcp" ? HEADER.tcp : proto === "udp" ? HEADER.udp : HEADER.icmp;
  return { proto, src, dst, sport, dport, ttl: 64, size: HEADER.ipv4 + l4 + payload, df: proto === "tcp", mark: 0, ...(flags ? { flags } : {}) };
}
