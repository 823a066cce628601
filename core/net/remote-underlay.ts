import type { NetNamespace } from "./netns.js";
import type { Packet } from "./packet.js";
import type { Connection } from "./sockets.js";

/** A node whose kernel model lives in another process, reached over the host's underlay socket. */
export interface RemoteNode {
  readonly name: string;
  /** Its address on the underlay (the Node's InternalIP). */
  readonly ip: number;
  /** Its eth0's MAC, as the sender's neighbour table records it. */
  readonly mac: string;
}

/**
 * The part of the underlay that is not in this process's data plane: the nodes of the cluster
 * that run in other processes (`kubesim kubelet`), and how to put a frame on the wire to them.
 * A walk whose next hop on the underlay is one of them ends with outcome `remote`; the socket
 * layer then hands the packet (after every NAT and encapsulation this node applied) to the
 * underlay, whose far end injects it into that node's eth0, where the walk goes on.
 */
export interface RemoteUnderlay {
  /** The remote node owning `ip` on the underlay, if any. */
  lookup(ip: number): RemoteNode | undefined;
  /** Puts a UDP datagram's packet, with its payload, on the wire to `to` (fire and forget, as UDP). */
  datagram(to: RemoteNode, pkt: Packet, data: Uint8Array): void;
  /**
   * Completes a TCP handshake whose SYN (`syn`, as it left this node) went to `to`: resolves with
   * the connection once the SYN-ACK came back to `from` on port `sport`; rejects with a NetError
   * (ECONNREFUSED for a RST, the far end's drop reason, ETIMEDOUT after `timeoutMs`).
   */
  connect(to: RemoteNode, syn: Packet, from: NetNamespace, sport: number, timeoutMs: number, onClosed: () => void, signal?: AbortSignal): Promise<Connection>;
}

/** The MAC docker gives a container on its network (02:42 and the IPv4 address), which a kind node's eth0 has. */
export function underlayMac(ip: number): string {
  const b = [2, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}
