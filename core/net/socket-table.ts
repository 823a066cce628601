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
 * What is bound to one port: the binding itself while it is the only one (most ports: a pod's
 * server listens on one address), else the bindings by address; {@link NOTHING} once emptied.
 */
type PortBindings<T> = T | Map<number, T>;

/** A port whose bindings all went (it still counts as used for ephemeral ports, as an emptied address map did). Shared and never changed. */
const NOTHING: Map<number, never> = new Map<number, never>();

/**
 * A namespace's bound sockets: TCP listeners and UDP sockets by port then address (0 = 0.0.0.0),
 * and the ephemeral ports in use. Lookups are at most two map probes; a port with one binding
 * holds it without a map of its own (a node holds hundreds of pod namespaces, each listening).
 */
export class SocketTable {
  // Made on first bind: most pod namespaces never open a socket, and a node holds hundreds.
  private tcp: Map<number, PortBindings<TcpBinding>> | undefined;
  private udp: Map<number, PortBindings<UdpBinding>> | undefined;
  private ephemeralInUse: Set<number> | undefined;
  private nextEphemeral: number = EPHEMERAL.first;

  listenTcp(b: TcpBinding): boolean {
    return bind((this.tcp ??= new Map()), b);
  }

  bindUdp(b: UdpBinding): boolean {
    return bind((this.udp ??= new Map()), b);
  }

  unlistenTcp(address: number, port: number): void {
    if (this.tcp) unbind(this.tcp, address, port);
  }

  unbindUdp(address: number, port: number): void {
    if (this.udp) unbind(this.udp, address, port);
    this.ephemeralInUse?.delete(port);
  }

  tcpListener(address: number, port: number): TcpBinding | undefined {
    return this.tcp && lookup(this.tcp, address, port);
  }

  udpSocket(address: number, port: number): UdpBinding | undefined {
    return this.udp && lookup(this.udp, address, port);
  }

  /** A free ephemeral port (sequential with wrap-around, skipping bound ones). */
  allocateEphemeral(): number {
    const span = EPHEMERAL.last - EPHEMERAL.first + 1;
    const inUse = (this.ephemeralInUse ??= new Set());
    for (let i = 0; i < span; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p === EPHEMERAL.last ? EPHEMERAL.first : p + 1;
      if (!inUse.has(p) && !this.tcp?.has(p) && !(this.udp && boundCount(this.udp.get(p)))) {
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

function bind<T extends { address: number; port: number }>(table: Map<number, PortBindings<T>>, b: T): boolean {
  const bound = table.get(b.port);
  if (bound === undefined || bound === NOTHING) {
    table.set(b.port, b);
    return true;
  }
  if (bound instanceof Map) {
    if (bound.has(b.address) || bound.has(0) || (b.address === 0 && bound.size > 0)) return false;
    bound.set(b.address, b);
    return true;
  }
  if (bound.address === b.address || bound.address === 0 || b.address === 0) return false;
  table.set(b.port, new Map([[bound.address, bound], [b.address, b]]));
  return true;
}

function unbind<T extends { address: number }>(table: Map<number, PortBindings<T>>, address: number, port: number): void {
  const bound = table.get(port);
  if (bound === undefined || bound === NOTHING) return;
  if (bound instanceof Map) bound.delete(address);
  else if (bound.address === address) table.set(port, NOTHING);
}

/** The binding for `address` (or the wildcard 0.0.0.0) on `port`. */
function lookup<T extends { address: number }>(table: Map<number, PortBindings<T>>, address: number, port: number): T | undefined {
  const bound = table.get(port);
  if (bound === undefined) return undefined;
  if (bound instanceof Map) return bound.get(address) ?? bound.get(0);
  return bound.address === address || bound.address === 0 ? bound : undefined;
}

function boundCount(bound: PortBindings<unknown> | undefined): number {
  return bound === undefined ? 0 : bound instanceof Map ? bound.size : 1;
}
