import { EventEmitter } from "eventemitter3";
import { NetError, type Connection, type ConnectionEvents } from "./sockets.js";

/** A FIN in a connection's queue. */
export const END = Symbol("end");
const encoder = new TextEncoder();

/** The other end of a {@link SimConnection}: another SimConnection, or a connection's far end in another process. */
export interface ConnectionPeer {
  readonly closed: boolean;
  enqueue(item: Uint8Array | typeof END): void;
  reset(): void;
}

/**
 * One end of an established TCP connection. Data written goes straight to the peer's queue and is
 * delivered in order on a microtask: O(1) per message, no walk (the path was walked by the
 * handshake, and conntrack holds the NAT for it).
 */
export class SimConnection extends EventEmitter<ConnectionEvents> implements Connection {
  peer!: ConnectionPeer;
  private queue: (Uint8Array | typeof END)[] = [];
  private scheduled = false;
  private localEnded = false;
  private remoteEnded = false;
  closed = false;

  constructor(
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly onClosed: () => void,
  ) {
    super();
  }

  write(data: Uint8Array | string): void {
    if (this.localEnded || this.closed) {
      queueMicrotask(() => this.emit("error", new NetError("ECONNRESET", "write after end")));
      return;
    }
    this.peer.enqueue(typeof data === "string" ? encoder.encode(data) : data);
  }

  end(): void {
    if (this.localEnded || this.closed) return;
    this.localEnded = true;
    this.peer.enqueue(END);
    this.maybeClose();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.localEnded = this.remoteEnded = true;
    this.queue = [];
    this.peer.reset();
    queueMicrotask(() => this.emit("close"));
    this.onClosed();
  }

  /** Queues what the peer sent (bytes, or END for its FIN), delivered in order on a microtask. */
  enqueue(item: Uint8Array | typeof END): void {
    if (this.closed) return;
    this.queue.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const q = this.queue;
    this.queue = [];
    for (const item of q) {
      if (this.closed) return;
      if (item === END) {
        this.remoteEnded = true;
        this.emit("end");
        this.maybeClose();
      } else this.emit("data", item);
    }
  }

  private maybeClose(): void {
    if (this.localEnded && this.remoteEnded && !this.closed) {
      this.closed = true;
      queueMicrotask(() => this.emit("close"));
      if (this.peer.closed) this.onClosed();
    }
  }

  /** The peer aborted (RST). */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    queueMicrotask(() => {
      this.emit("error", new NetError("ECONNRESET", "connection reset by peer"));
      this.emit("close");
    });
  }
}
