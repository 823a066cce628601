import type { CtEntry } from "./conntrack.js";
import { CT_TIMEOUT } from "./conntrack.js";
import type { DataPlane } from "./data-plane.js";
import { ipv4ToUint32, uint32ToIpv4 } from "./ipv4.js";
import type { NetNamespace } from "./netns.js";
import { makePacket } from "./packet.js";
import type { DropReason } from "./packet-walk.js";
import { NetError, type Connection, type Datagram, type Listener, type NetworkStack, type UdpSocket } from "./sockets.js";
import { SimConnection } from "./sim-connection.js";

/** Linux gives up a SYN after tcp_syn_retries=6: about 127 s. */
const DEFAULT_CONNECT_TIMEOUT_MS = 127_000;
/** An unanswered ARP request fails after 3 probes, one second apart. */
const ARP_TIMEOUT_MS = 3_000;

function parseAddress(address: string): number {
  try {
    return ipv4ToUint32(address === "localhost" ? "127.0.0.1" : address);
  } catch {
    throw new NetError("EADDRNOTAVAIL", `invalid IPv4 address ${JSON.stringify(address)}`);
  }
}

class SimUdpSocket implements UdpSocket {
  private readonly flows = new Map<string, { generation: number; ns: NetNamespace; src: number; sport: number; dst: number; dport: number; cts: readonly { ns: NetNamespace; entry: CtEntry }[] }>();
  closed = false;

  constructor(
    private readonly stack: NamespaceStack,
    readonly address: string,
    readonly port: number,
    private readonly release: () => void,
  ) {}

  send(data: Uint8Array, address: string, port: number): void {
    if (this.closed) throw new NetError("ECONNRESET", "socket is closed");
    const plane = this.stack.plane;
    const key = `${address}:${port}`;
    let flow = this.flows.get(key);
    const now = plane.clock.now();
    if (!flow || flow.generation !== plane.generation || flow.cts.some((c) => c.entry.expires <= now)) {
      const pkt = makePacket("udp", this.address === "0.0.0.0" ? 0 : parseAddress(this.address), this.port, parseAddress(address), port, data.byteLength);
      const res = plane.walk(this.stack.ns, pkt);
      if (res.outcome === "remote") {
        // To a node in another process: every datagram walks (that node's conntrack sees it there).
        this.flows.delete(key);
        plane.remote?.datagram(res.remote!, res.packet, data);
        return;
      }
      if (res.outcome !== "delivered") {
        this.flows.delete(key);
        return;
      }
      flow = { generation: plane.generation, ns: res.ns, src: res.packet.src, sport: res.packet.sport, dst: res.packet.dst, dport: res.packet.dport, cts: res.conntrack };
      this.flows.set(key, flow);
    } else for (const c of flow.cts) c.ns.conntrack.see(c.entry, c.entry.original.src === flow.src ? "original" : "reply");
    const binding = flow.ns.sockets.udpSocket(flow.dst, flow.dport);
    if (!binding) return;
    const msg: Datagram = { data, remoteAddress: uint32ToIpv4(flow.src), remotePort: flow.sport };
    queueMicrotask(() => binding.onMessage(msg, binding.socket));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }
}

/**
 * The {@link NetworkStack} of one namespace. `connect` walks the handshake (SYN, SYN-ACK, ACK)
 * through the data plane, so routes, kube-proxy's rules, NAT and conntrack decide where it lands
 * and what errors it gets: REJECT → ECONNREFUSED, no listener → ECONNREFUSED (RST), no route →
 * ENETUNREACH, no ARP answer → EHOSTUNREACH after 3 s, a silent drop → ETIMEDOUT.
 */
export class NamespaceStack implements NetworkStack {
  constructor(
    readonly plane: DataPlane,
    readonly ns: NetNamespace,
  ) {}

  get addresses(): readonly string[] {
    return this.ns.addresses().map(uint32ToIpv4);
  }

  listen(protocol: "TCP", port: number, onConnection: (conn: Connection) => void, options: { address?: string } = {}): Listener {
    const address = parseAddress(options.address ?? "0.0.0.0");
    if (address !== 0 && !this.ns.isLocal(address)) throw new NetError("EADDRNOTAVAIL", `${options.address} is not an address of this namespace`);
    if (!this.ns.sockets.listenTcp({ address, port, onConnection })) throw new NetError("EADDRINUSE", `address already in use ${uint32ToIpv4(address)}:${port}`);
    let closed = false;
    return {
      protocol,
      address: uint32ToIpv4(address),
      port,
      close: () => {
        if (closed) return;
        closed = true;
        this.ns.sockets.unlistenTcp(address, port);
      },
    };
  }

  bindUdp(port: number, onMessage: (msg: Datagram, socket: UdpSocket) => void, options: { address?: string } = {}): UdpSocket {
    const address = parseAddress(options.address ?? "0.0.0.0");
    const p = port || this.ns.sockets.allocateEphemeral();
    const socket = new SimUdpSocket(this, uint32ToIpv4(address), p, () => this.ns.sockets.unbindUdp(address, p));
    if (!this.ns.sockets.bindUdp({ address, port: p, socket, onMessage })) throw new NetError("EADDRINUSE", `address already in use ${uint32ToIpv4(address)}:${p}`);
    return socket;
  }

  async connect(address: string, port: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Connection> {
    const dst = parseAddress(address);
    const clock = this.plane.clock;
    const sport = this.ns.sockets.allocateEphemeral();
    const fail = async (code: NetError["code"], message: string, delayMs = 0): Promise<never> => {
      this.ns.sockets.releaseEphemeral(sport);
      if (delayMs > 0) await clock.sleep(delayMs, options.signal);
      throw new NetError(code, message);
    };
    const timeout = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const syn = this.plane.walk(this.ns, makePacket("tcp", 0, sport, dst, port, 0, "SYN"));
    if (syn.outcome === "dropped") return fail(...connectFailure(syn.reason, address, port, timeout));
    if (syn.outcome === "remote") {
      // The SYN left for a node in another process: the handshake completes over the host underlay.
      const entries = syn.conntrack;
      const onClosed = (): void => this.closed(entries, sport);
      try {
        return await this.plane.remote!.connect(syn.remote!, syn.packet, this.ns, sport, timeout, onClosed, options.signal);
      } catch (err) {
        this.ns.sockets.releaseEphemeral(sport);
        throw err;
      }
    }
    const server = syn.ns;
    const p = syn.packet;
    const listener = server.sockets.tcpListener(p.dst, p.dport);
    if (!listener) return fail("ECONNREFUSED", `connect ECONNREFUSED ${address}:${port}`);
    const synAck = this.plane.walk(server, makePacket("tcp", p.dst, p.dport, p.src, p.sport, 0, "SYN,ACK"));
    if (synAck.outcome === "dropped" || synAck.ns !== this.ns || synAck.packet.dport !== sport) return fail("ETIMEDOUT", `connect ETIMEDOUT ${address}:${port} (the SYN-ACK did not come back)`, timeout);
    const ack = this.plane.walk(this.ns, makePacket("tcp", syn.source, sport, dst, port, 0, "ACK"));
    const entries = [...syn.conntrack, ...synAck.conntrack, ...ack.conntrack];
    const onClosed = (): void => this.closed(entries, sport);
    const client = new SimConnection(uint32ToIpv4(syn.source), sport, uint32ToIpv4(synAck.packet.src), synAck.packet.sport, onClosed);
    const serverConn = new SimConnection(uint32ToIpv4(p.dst), p.dport, uint32ToIpv4(p.src), p.sport, onClosed);
    client.peer = serverConn;
    serverConn.peer = client;
    queueMicrotask(() => listener.onConnection(serverConn));
    return client;
  }

  /** A connection from `sport` closed: its conntrack entries go to TIME_WAIT, the port is free again. */
  private closed(entries: readonly { entry: CtEntry }[], sport: number): void {
    enterTimeWait(entries, this.plane.clock.now());
    this.ns.sockets.releaseEphemeral(sport);
  }
}

/** The error (and how long the kernel takes to give it) of a connect whose SYN was dropped for `reason`. */
export function connectFailure(reason: DropReason | undefined, address: string, port: number, timeout: number): [NetError["code"], string, number] {
  switch (reason) {
    case "rejected":
      return ["ECONNREFUSED", `connect ECONNREFUSED ${address}:${port}`, 0];
    case "no-route":
      return ["ENETUNREACH", `connect ENETUNREACH ${address}:${port}`, 0];
    case "host-unreachable":
      return ["EHOSTUNREACH", `connect EHOSTUNREACH ${address}:${port}`, Math.min(ARP_TIMEOUT_MS, timeout)];
    case "mtu-exceeded":
      return ["EMSGSIZE", `connect EMSGSIZE ${address}:${port}`, 0];
    default:
      return ["ETIMEDOUT", `connect ETIMEDOUT ${address}:${port} (${reason})`, timeout];
  }
}

/** A closed connection's conntrack entries move to TIME_WAIT (and expire after it). */
export function enterTimeWait(entries: readonly { entry: CtEntry }[], now: number): void {
  const expires = now + CT_TIMEOUT.TIME_WAIT * 1000;
  for (const { entry } of entries) {
    entry.tcpState = "TIME_WAIT";
    entry.expires = expires;
  }
}
