import { EventEmitter } from "eventemitter3";
import { NetError, type Connection, type ConnectionEvents, type Datagram, type Listener, type NetworkStack, type UdpSocket } from "../../core/net/sockets.js";

/**
 * A flat in-memory network: namespaces ({@link LocalStack}) joined so that any of them can reach
 * any address another one holds, with no routing, NAT or latency. The runtime uses it for the
 * node's own namespace while no pod network is installed (hostNetwork pods, probes of them); tests
 * use it as a stand-in pod network. The data-plane model replaces it with real paths.
 */
export class LocalFabric {
  private readonly byAddress = new Map<string, LocalStack>();

  /** A namespace holding `addresses` (plus loopback). */
  stack(addresses: readonly string[]): LocalStack {
    const stack = new LocalStack(this, addresses);
    for (const a of addresses) this.byAddress.set(a, stack);
    return stack;
  }

  /** Forgets a namespace: its addresses become unreachable and its listeners close. */
  remove(stack: LocalStack): void {
    for (const a of stack.addresses) if (this.byAddress.get(a) === stack) this.byAddress.delete(a);
    stack.closeAll();
  }

  /** @internal */
  lookup(address: string): LocalStack | undefined {
    return this.byAddress.get(address);
  }
}

type TcpHandler = { address: string; onConnection: (conn: Connection) => void };
type UdpHandler = { address: string; socket: LocalUdpSocket };

/** One namespace of a {@link LocalFabric}. */
export class LocalStack implements NetworkStack {
  private readonly tcp = new Map<number, TcpHandler[]>();
  private readonly udp = new Map<number, UdpHandler[]>();
  private nextEphemeral = 32768;

  constructor(
    private readonly fabric: LocalFabric,
    readonly addresses: readonly string[],
  ) {}

  listen(_protocol: "TCP", port: number, onConnection: (conn: Connection) => void, options?: { address?: string }): Listener {
    const address = options?.address ?? "0.0.0.0";
    const list = this.tcp.get(port) ?? [];
    if (list.some((h) => h.address === "0.0.0.0" || address === "0.0.0.0" || h.address === address)) throw new NetError("EADDRINUSE", `address already in use: ${address}:${port}`);
    const handler = { address, onConnection };
    list.push(handler);
    this.tcp.set(port, list);
    return {
      protocol: "TCP",
      address,
      port,
      close: () => {
        const l = this.tcp.get(port);
        if (!l) return;
        const i = l.indexOf(handler);
        if (i >= 0) l.splice(i, 1);
        if (l.length === 0) this.tcp.delete(port);
      },
    };
  }

  bindUdp(port: number, onMessage: (msg: Datagram, socket: UdpSocket) => void, options?: { address?: string }): UdpSocket {
    const address = options?.address ?? "0.0.0.0";
    if (port === 0) port = this.nextEphemeral++;
    const list = this.udp.get(port) ?? [];
    if (list.some((h) => h.address === "0.0.0.0" || address === "0.0.0.0" || h.address === address)) throw new NetError("EADDRINUSE", `address already in use: ${address}:${port}`);
    const socket = new LocalUdpSocket(this, address === "0.0.0.0" ? (this.addresses[0] ?? "127.0.0.1") : address, port, onMessage, () => {
      const l = this.udp.get(port);
      const i = l?.findIndex((h) => h.socket === socket) ?? -1;
      if (l && i >= 0) l.splice(i, 1);
      if (l?.length === 0) this.udp.delete(port);
    });
    list.push({ address, socket });
    this.udp.set(port, list);
    return socket;
  }

  async connect(address: string, port: number): Promise<Connection> {
    const target = this.resolve(address);
    if (!target) throw new NetError("EHOSTUNREACH", `connect ${address}:${port}: no route to host`);
    const handler = target.tcpHandler(address, port);
    if (!handler) throw new NetError("ECONNREFUSED", `connect ${address}:${port}: connection refused`);
    const localAddress = address === "127.0.0.1" || address === "localhost" ? "127.0.0.1" : (this.addresses[0] ?? "127.0.0.1");
    const [client, server] = connectionPair(localAddress, this.nextEphemeral++, address, port);
    // The server side learns of the connection after connect() resolves, as accept() follows the handshake.
    queueMicrotask(() => handler.onConnection(server));
    return client;
  }

  /** @internal */
  deliverUdp(address: string, port: number, msg: Datagram): void {
    const h = this.udp.get(port)?.find((x) => x.address === "0.0.0.0" || x.address === address);
    h?.socket.receive(msg);
  }

  /** @internal */
  resolve(address: string): LocalStack | undefined {
    if (address === "127.0.0.1" || address === "localhost" || this.addresses.includes(address)) return this;
    return this.fabric.lookup(address);
  }

  /** @internal */
  closeAll(): void {
    this.tcp.clear();
    this.udp.clear();
  }

  private tcpHandler(address: string, port: number): TcpHandler | undefined {
    const list = this.tcp.get(port);
    if (!list) return undefined;
    const loopback = address === "127.0.0.1" || address === "localhost";
    return list.find((h) => h.address === "0.0.0.0" || h.address === address || (loopback && h.address === "127.0.0.1"));
  }
}

class LocalUdpSocket implements UdpSocket {
  constructor(
    private readonly owner: LocalStack,
    readonly address: string,
    readonly port: number,
    private readonly onMessage: (msg: Datagram, socket: UdpSocket) => void,
    private readonly onClose: () => void,
  ) {}

  send(data: Uint8Array, address: string, port: number): void {
    const target = this.owner.resolve(address);
    const msg = { data, remoteAddress: this.address, remotePort: this.port };
    if (target) queueMicrotask(() => target.deliverUdp(address, port, msg));
  }

  receive(msg: Datagram): void {
    this.onMessage(msg, this);
  }

  close(): void {
    this.onClose();
  }
}

/** The two ends of an in-memory TCP connection. */
export function connectionPair(clientAddress: string, clientPort: number, serverAddress: string, serverPort: number): [Connection, Connection] {
  const a = new LocalConnection(clientAddress, clientPort, serverAddress, serverPort);
  const b = new LocalConnection(serverAddress, serverPort, clientAddress, clientPort);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

const encoder = new TextEncoder();

class LocalConnection extends EventEmitter<ConnectionEvents> implements Connection {
  peer!: LocalConnection;
  private ended = false;
  private peerEnded = false;
  private closed = false;

  constructor(
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super();
  }

  write(data: Uint8Array | string): void {
    if (this.ended || this.closed) return;
    const chunk = typeof data === "string" ? encoder.encode(data) : data;
    const peer = this.peer;
    queueMicrotask(() => {
      if (!peer.closed) peer.emit("data", chunk);
    });
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    const peer = this.peer;
    queueMicrotask(() => peer.receiveEnd());
    this.maybeClose();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close");
    const peer = this.peer;
    queueMicrotask(() => {
      if (peer.closed) return;
      peer.emit("error", new NetError("ECONNRESET", "connection reset by peer"));
      peer.closed = true;
      peer.emit("close");
    });
  }

  private receiveEnd(): void {
    if (this.closed || this.peerEnded) return;
    this.peerEnded = true;
    this.emit("end");
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.ended && this.peerEnded && !this.closed) {
      this.closed = true;
      this.emit("close");
    }
  }
}
