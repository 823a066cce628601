import type { Connection, Datagram, UdpSocket } from "./sockets.js";

/** A listening TCP socket's registration. */
export interface TcpBinding {
  readonly address: number;
  readonly port: number;
  readonly onConnection: (conn: Connection) => void;
}

/** A bound UDP socket's registration. */
export interface UdpBinding {
  readonly address: number;
  readonly port: number;
  readonly socket: UdpSocket;
  readonly onMessage: (msg: Datagram, socket: UdpSocket) => void;
}

/** Linux's default ephemeral port range (net.ipv4.ip_local_port_range). */
export const EPHEMERAL = { first: 32768, last: 60999 } as const;

/**
 * A namespace's bound sockets: TCP listeners and UDP sockets by port then address (0 = 0.0.0.0),
 * and the ephemeral ports in use. Lookups are two map probes.
 */
export class SocketTable {
  // Made on first bind: most pod namespaces never open a socket, and a node holds hundreds.
  private tcp: Map<number, Map<number, TcpBinding>> | undefined;
  private udp: Map<number, Map<number, UdpBinding>> | undefined;
  private ephemeralInUse: Set<number> | undefined;
  private nextEphemeral: number = EPHEMERAL.first;

  listenTcp(b: TcpBinding): boolean {
    return this.bind((this.tcp ??= new Map()), b);
  }

  bindUdp(b: UdpBinding): boolean {
    return this.bind((this.udp ??= new Map()), b);
  }

  private bind<T extends { address: number; port: number }>(table: Map<number, Map<number, T>>, b: T): boolean {
    let byAddr = table.get(b.port);
    if (byAddr && (byAddr.has(b.address) || byAddr.has(0) || (b.address === 0 && byAddr.size > 0))) return false;
    if (!byAddr) table.set(b.port, (byAddr = new Map()));
    byAddr.set(b.address, b);
    return true;
  }

  unlistenTcp(address: number, port: number): void {
    this.tcp?.get(port)?.delete(address);
  }

  unbindUdp(address: number, port: number): void {
    this.udp?.get(port)?.delete(address);
    this.ephemeralInUse?.delete(port);
  }

  tcpListener(address: number, port: number): TcpBinding | undefined {
    const byAddr = this.tcp?.get(port);
    return byAddr?.get(address) ?? byAddr?.get(0);
  }

  udpSocket(address: number, port: number): UdpBinding | undefined {
    const byAddr = this.udp?.get(port);
    return byAddr?.get(address) ?? byAddr?.get(0);
  }

  /** A free ephemeral port (sequential with wrap-around, skipping bound ones). */
  allocateEphemeral(): number {
    const span = EPHEMERAL.last - EPHEMERAL.first + 1;
    const inUse = (this.ephemeralInUse ??= new Set());
    for (let i = 0; i < span; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p === EPHEMERAL.last ? EPHEMERAL.first : p + 1;
      if (!inUse.has(p) && !this.tcp?.has(p) && !this.udp?.get(p)?.size) {
        inUse.add(p);
        return p;
      }
    }
    throw new Error("EADDRNOTAVAIL: no free ephemeral port");
  }

  releaseEphemeral(port: number): void {
    this.ephemeralInUse?.delete(port);
  }
}
