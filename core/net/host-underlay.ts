import type { Node } from "kubernetes-types/core/v1.js";
import type { CtEntry } from "./conntrack.js";
import type { DataPlane } from "./data-plane.js";
import { ipv4ToUint32, uint32ToIpv4 } from "./ipv4.js";
import type { NetNamespace } from "./netns.js";
import { makePacket, type Packet } from "./packet.js";
import type { DropReason } from "./packet-walk.js";
import { underlayMac, type RemoteNode, type RemoteUnderlay } from "./remote-underlay.js";
import { END, SimConnection, type ConnectionPeer } from "./sim-connection.js";
import { connectFailure, enterTimeWait } from "./socket-stack.js";
import { NetError, type Connection } from "./sockets.js";
import { MAX_UNDERLAY_PAYLOAD, UnderlayLink, type UnderlayEndpoint, type UnderlayMessage } from "./underlay-link.js";

/** The Node annotation publishing a node process's underlay socket (`127.0.0.1:40123`). */
export const UNDERLAY_ENDPOINT_ANNOTATION = "kubesim.io/underlay-endpoint";

type Direction = "c2s" | "s2c";

interface PendingConnect {
  readonly to: UnderlayEndpoint;
  readonly from: NetNamespace;
  readonly syn: Packet;
  readonly sport: number;
  readonly onClosed: () => void;
  resolve(conn: Connection): void;
  reject(err: unknown): void;
}

interface Remote extends RemoteNode {
  readonly endpoint: UnderlayEndpoint;
}

/** The far end of a connection in another process: what the local end writes goes over the link. */
class RemotePeer implements ConnectionPeer {
  /** The far end's state is not known here: the local end closes by itself (its `onClosed` runs then). */
  readonly closed = true;

  constructor(
    private readonly underlay: HostUnderlay,
    private readonly to: UnderlayEndpoint,
    private readonly id: number,
    private readonly dir: Direction,
  ) {}

  enqueue(item: Uint8Array | typeof END): void {
    if (item === END) return this.underlay.sendTo(this.to, { header: { t: "fin", id: this.id, d: this.dir } });
    for (let off = 0; off < item.byteLength || off === 0; off += MAX_UNDERLAY_PAYLOAD) {
      this.underlay.sendTo(this.to, { header: { t: "data", id: this.id, d: this.dir }, payload: item.subarray(off, off + MAX_UNDERLAY_PAYLOAD) });
      if (item.byteLength === 0) break;
    }
  }

  reset(): void {
    this.underlay.sendTo(this.to, { header: { t: "rst", id: this.id, d: this.dir } });
  }
}

/**
 * A node process's share of the underlay (the VXLAN-like wire between node processes): its data
 * plane sends a frame whose next hop on eth0 is a node of another process through one UDP socket
 * on the host ({@link UnderlayLink}), and frames arriving there enter this node's eth0 and walk on
 * through its routes, netfilter and pod network. UDP datagrams travel as their packet plus payload;
 * a TCP connection's handshake travels as its SYN and SYN-ACK packets (each walked on the node it
 * reaches, so kube-proxy's DNAT on the sender and conntrack on both ends apply), then its byte
 * stream as ordered messages. The peers are the Nodes publishing {@link UNDERLAY_ENDPOINT_ANNOTATION}.
 */
export class HostUnderlay implements RemoteUnderlay {
  private readonly byIp = new Map<number, Remote>();
  private readonly byName = new Map<string, Remote>();
  private readonly pending = new Map<number, PendingConnect>();
  private readonly clients = new Map<number, { conn: SimConnection; to: UnderlayEndpoint; onClosed: () => void }>();
  private readonly servers = new Map<string, { conn: SimConnection; onConnection: (conn: Connection) => void; onClosed: () => void }>();
  private nextId = 1;
  private link!: UnderlayLink;

  private constructor(
    private readonly plane: DataPlane,
    private readonly nodeName: string,
  ) {}

  /** Binds the node's underlay socket on `host:port` (0: a free port) and plugs it into `plane`. */
  static async start(plane: DataPlane, nodeName: string, host = "127.0.0.1", port = 0): Promise<HostUnderlay> {
    const u = new HostUnderlay(plane, nodeName);
    u.link = await UnderlayLink.bind(
      host,
      port,
      (from, msg) => u.onMessage(from, msg),
      (from) => u.peerRestarted(from),
    );
    plane.remote = u;
    return u;
  }

  /** Where the socket listens (what the Node's annotation publishes). */
  get endpoint(): UnderlayEndpoint {
    return this.link.endpoint;
  }

  /** Takes a Node's InternalIP and underlay endpoint as a peer (or drops it when it has none). Ignores this node. */
  nodeChanged(node: Node): void {
    const name = node.metadata?.name;
    if (!name || name === this.nodeName) return;
    const endpoint = node.metadata?.annotations?.[UNDERLAY_ENDPOINT_ANNOTATION];
    const address = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    const old = this.byName.get(name);
    if (old && old.endpoint === endpoint && uint32ToIpv4(old.ip) === address) return;
    this.nodeRemoved(name);
    if (!endpoint || !address) return;
    const ip = ipv4ToUint32(address);
    const remote: Remote = { name, ip, mac: underlayMac(ip), endpoint };
    this.byName.set(name, remote);
    this.byIp.set(ip, remote);
    this.plane.generation++;
  }

  nodeRemoved(name: string): void {
    const old = this.byName.get(name);
    if (!old) return;
    this.byName.delete(name);
    if (this.byIp.get(old.ip) === old) this.byIp.delete(old.ip);
    this.plane.generation++;
  }

  lookup(ip: number): RemoteNode | undefined {
    return this.byIp.get(ip);
  }

  datagram(to: RemoteNode, pkt: Packet, data: Uint8Array): void {
    const remote = this.byName.get(to.name);
    if (remote) this.sendTo(remote.endpoint, { header: { t: "pkt", p: pkt }, payload: data });
  }

  connect(to: RemoteNode, syn: Packet, from: NetNamespace, sport: number, timeoutMs: number, onClosed: () => void, signal?: AbortSignal): Promise<Connection> {
    const remote = this.byName.get(to.name);
    if (!remote) return Promise.reject(new NetError("EHOSTUNREACH", `connect EHOSTUNREACH ${uint32ToIpv4(syn.dst)}:${syn.dport}`));
    const id = this.nextId++;
    const clock = this.plane.clock;
    return new Promise<Connection>((resolve, reject) => {
      const timer = clock.setTimeout(() => finish(() => reject(new NetError("ETIMEDOUT", `connect ETIMEDOUT ${uint32ToIpv4(syn.dst)}:${syn.dport}`))), timeoutMs);
      const onAbort = (): void => finish(() => reject(signal!.reason ?? new Error("aborted")));
      const finish = (fn: () => void): void => {
        if (!this.pending.delete(id)) return;
        clock.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        fn();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, { to: remote.endpoint, from, syn, sport, onClosed, resolve: (c) => finish(() => resolve(c)), reject: (e) => finish(() => reject(e)) });
      this.sendTo(remote.endpoint, { header: { t: "syn", id, p: syn } });
    });
  }

  /** Sends a message to another node process. */
  sendTo(to: UnderlayEndpoint, msg: UnderlayMessage): void {
    this.link.send(to, msg);
  }

  close(): void {
    if (this.plane.remote === this) this.plane.remote = undefined;
    for (const c of this.clients.values()) c.conn.destroy();
    for (const s of this.servers.values()) s.conn.destroy();
    this.link.close();
  }

  private onMessage(from: UnderlayEndpoint, msg: UnderlayMessage): void {
    const h = msg.header as { t: string; id?: number; d?: Direction; p?: Packet; reason?: DropReason };
    switch (h.t) {
      case "pkt":
        return this.receiveDatagram(h.p!, msg.payload ?? new Uint8Array(0));
      case "syn":
        return this.receiveSyn(from, h.id!, h.p!);
      case "synack":
        return this.receiveSynAck(h.id!, h.p!);
      case "refused":
        return void this.pending.get(h.id!)?.reject(new NetError("ECONNREFUSED", `connect ECONNREFUSED ${this.target(h.id!)}`));
      case "synerr":
        return this.receiveSynError(h.id!, h.reason);
      case "ack": {
        const s = this.servers.get(`${from}/${h.id}`);
        if (s) queueMicrotask(() => s.onConnection(s.conn));
        return;
      }
      case "data":
      case "fin":
      case "rst": {
        const end = h.d === "c2s" ? this.servers.get(`${from}/${h.id}`) : this.clients.get(h.id!);
        if (!end) {
          if (h.t !== "rst") this.sendTo(from, { header: { t: "rst", id: h.id, d: h.d === "c2s" ? "s2c" : "c2s" } });
          return;
        }
        if (h.t === "data") end.conn.enqueue(msg.payload ?? new Uint8Array(0));
        else if (h.t === "fin") end.conn.enqueue(END);
        else {
          end.conn.reset();
          end.onClosed();
        }
        return;
      }
    }
  }

  private target(id: number): string {
    const p = this.pending.get(id);
    return p ? `${uint32ToIpv4(p.syn.dst)}:${p.syn.dport}` : "";
  }

  /** A datagram from another node enters eth0; delivered to a UDP socket here, or sent on to the next node process. */
  private receiveDatagram(pkt: Packet, data: Uint8Array): void {
    const res = this.plane.underlayReceive(this.nodeName, pkt);
    if (res?.outcome === "remote") return this.datagram(res.remote!, res.packet, data);
    if (res?.outcome !== "delivered" || res.packet.proto !== "udp") return;
    const binding = res.ns.sockets.udpSocket(res.packet.dst, res.packet.dport);
    if (binding) queueMicrotask(() => binding.onMessage({ data, remoteAddress: uint32ToIpv4(res.packet.src), remotePort: res.packet.sport }, binding.socket));
  }

  /** A SYN from another node: walks in; a listener there answers with a SYN-ACK walked back out. */
  private receiveSyn(from: UnderlayEndpoint, id: number, syn: Packet): void {
    const res = this.plane.underlayReceive(this.nodeName, syn);
    if (!res || res.outcome === "dropped") return this.sendTo(from, { header: { t: "synerr", id, ...(res?.reason ? { reason: res.reason } : {}) } });
    // Handshakes through a third node process are not carried: the SYN is lost (the client times out).
    if (res.outcome === "remote") return;
    const p = res.packet;
    const listener = res.ns.sockets.tcpListener(p.dst, p.dport);
    if (!listener) return this.sendTo(from, { header: { t: "refused", id } });
    const synAck = this.plane.walk(res.ns, makePacket("tcp", p.dst, p.dport, p.src, p.sport, 0, "SYN,ACK"));
    if (synAck.outcome !== "remote" || this.byName.get(synAck.remote!.name)?.endpoint !== from) return;
    const entries: { entry: CtEntry }[] = [...res.conntrack, ...synAck.conntrack];
    const key = `${from}/${id}`;
    const onClosed = (): void => {
      if (this.servers.get(key)?.conn !== conn) return;
      this.servers.delete(key);
      enterTimeWait(entries, this.plane.clock.now());
    };
    const conn = new SimConnection(uint32ToIpv4(p.dst), p.dport, uint32ToIpv4(p.src), p.sport, onClosed);
    conn.peer = new RemotePeer(this, from, id, "s2c");
    this.servers.set(key, { conn, onConnection: listener.onConnection, onClosed });
    this.sendTo(from, { header: { t: "synack", id, p: synAck.packet } });
  }

  /** The SYN-ACK came back: it walks in to the connecting namespace, whose ACK completes the handshake. */
  private receiveSynAck(id: number, synAck: Packet): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    const res = this.plane.underlayReceive(this.nodeName, synAck);
    if (res?.outcome !== "delivered" || res.ns !== pending.from || res.packet.dport !== pending.sport) return;
    const { syn, sport, from } = pending;
    this.plane.walk(from, makePacket("tcp", res.packet.dst, sport, syn.dst, syn.dport, 0, "ACK"));
    const onClosed = (): void => {
      if (this.clients.get(id)?.conn !== conn) return;
      this.clients.delete(id);
      pending.onClosed();
    };
    const conn = new SimConnection(uint32ToIpv4(res.packet.dst), sport, uint32ToIpv4(res.packet.src), res.packet.sport, onClosed);
    conn.peer = new RemotePeer(this, pending.to, id, "c2s");
    this.clients.set(id, { conn, to: pending.to, onClosed });
    this.sendTo(pending.to, { header: { t: "ack", id } });
    pending.resolve(conn);
  }

  private receiveSynError(id: number, reason: DropReason | undefined): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    const [code, message, delayMs] = connectFailure(reason, uint32ToIpv4(pending.syn.dst), pending.syn.dport, Number.POSITIVE_INFINITY);
    // An error the kernel reports at once fails now; a lost SYN waits for the connect timeout.
    if (Number.isFinite(delayMs)) {
      const clock = this.plane.clock;
      void clock.sleep(delayMs).then(() => pending.reject(new NetError(code, message)));
    }
  }

  /** A peer process restarted: its connections with this node are gone. */
  private peerRestarted(from: UnderlayEndpoint): void {
    for (const [key, s] of this.servers) {
      if (!key.startsWith(from + "/")) continue;
      s.conn.reset();
      s.onClosed();
    }
    for (const c of this.clients.values()) {
      if (c.to !== from) continue;
      c.conn.reset();
      c.onClosed();
    }
  }
}
