import type { EventEmitter } from "eventemitter3";

/**
 * The socket layer of one network namespace: what a container process (an image behaviour), a
 * probe or a port-forward uses to talk over the simulated network. Implemented by the data-plane
 * model (core/net); a connection's first packet walks the path hop by hop (routes, netfilter, NAT,
 * conntrack), then data flows on the established path.
 */

export type SocketProtocol = "TCP" | "UDP";

/** The errors a socket call surfaces, named as the kernel names them. */
export type NetErrorCode = "ECONNREFUSED" | "ETIMEDOUT" | "EHOSTUNREACH" | "ENETUNREACH" | "EADDRINUSE" | "EADDRNOTAVAIL" | "ECONNRESET" | "EMSGSIZE";

export class NetError extends Error {
  override readonly name = "NetError";
  constructor(readonly code: NetErrorCode, message: string) {
    super(`${code}: ${message}`);
  }
}

export interface ConnectionEvents {
  data: (chunk: Uint8Array) => void;
  /** Data as text, instead of `data`, once the reader called `setEncoding("utf8")`. */
  text: (chunk: string) => void;
  /** The peer closed its side (FIN). */
  end: () => void;
  /** Both sides are closed. */
  close: () => void;
  error: (err: NetError) => void;
}

/** One end of an established TCP connection: a byte stream. */
export interface Connection extends EventEmitter<ConnectionEvents> {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  write(data: Uint8Array | string): void;
  /**
   * Optional, as Node's `socket.setEncoding`: from now on data arrives as UTF-8 text in `text`
   * events (text the peer wrote as a string is handed over as is). See {@link readText}.
   */
  setEncoding?(encoding: "utf8"): void;
  /** Half-closes (sends FIN); the connection closes when both sides have ended. */
  end(): void;
  /** Aborts (RST). */
  destroy(): void;
}

/**
 * Reads `conn` as UTF-8 text: through `setEncoding` where the connection offers it (no bytes in
 * between when the peer writes text), else by decoding its bytes as a stream.
 */
export function readText(conn: Connection, onText: (text: string) => void): void {
  if (conn.setEncoding) {
    conn.setEncoding("utf8");
    conn.on("text", onText);
    return;
  }
  const decoder = new TextDecoder();
  conn.on("data", (chunk) => onText(decoder.decode(chunk, { stream: true })));
}

/** A bound listening socket. */
export interface Listener {
  readonly protocol: SocketProtocol;
  readonly address: string;
  readonly port: number;
  close(): void;
}

/** A datagram as received by a UDP socket. */
export interface Datagram {
  readonly data: Uint8Array;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** A bound UDP socket. */
export interface UdpSocket {
  readonly address: string;
  readonly port: number;
  send(data: Uint8Array, address: string, port: number): void;
  close(): void;
}

/** The socket API of one network namespace (a pod sandbox's, or a node's root namespace). */
export interface NetworkStack {
  /** The namespace's IPv4 addresses (not loopback). */
  readonly addresses: readonly string[];
  /** Listens on `port` (`address` default 0.0.0.0). Throws NetError EADDRINUSE if taken. */
  listen(protocol: "TCP", port: number, onConnection: (conn: Connection) => void, options?: { address?: string }): Listener;
  /** Binds a UDP socket (`port` 0 picks an ephemeral port). Throws NetError EADDRINUSE if taken. */
  bindUdp(port: number, onMessage: (msg: Datagram, socket: UdpSocket) => void, options?: { address?: string }): UdpSocket;
  /** Opens a TCP connection. Rejects with NetError (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ...). */
  connect(address: string, port: number, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<Connection>;
}
