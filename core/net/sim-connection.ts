import { EventEmitter } from "eventemitter3";
import { NetError, type Connection, type ConnectionEvents } from "./sockets.js";

/** A FIN in a connection's queue. */
export const END = Symbol("end");
const encoder = new TextEncoder();
/** A settled promise whose reactions schedule deliveries. */
const DELIVERED = Promise.resolve();

/** The other end of a {@link SimConnection}: another SimConnection, or a connection's far end in another process. */
export interface ConnectionPeer {
  readonly closed: boolean;
  /** What the local end wrote: bytes, text (UTF-8 on the wire) or END for its FIN. */
  enqueue(item: Uint8Array | string | typeof END): void;
  reset(): void;
}

/**
 * One end of an established TCP connection. Data written goes straight to the peer's queue and is
 * delivered in order on a microtask: O(1) per message, no walk (the path was walked by the
 * handshake, and conntrack holds the NAT for it). Text written stays text until the reader asks:
 * a reader that called `setEncoding("utf8")` gets it as written (no encode and decode per message),
 * others get its UTF-8 bytes.
 */
export class SimConnection extends EventEmitter<ConnectionEvents> implements Connection {
  peer!: ConnectionPeer;
  private queue: (Uint8Array | string | typeof END)[] = [];
  /** An empty array the next delivery's queue becomes (the two take turns: no array per delivery). */
  private spare: (Uint8Array | string | typeof END)[] = [];
  /** Set by `setEncoding("utf8")`: data is delivered as `text` events (bytes decoded as a stream). */
  private textDecoder: InstanceType<typeof TextDecoder> | undefined;
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
    this.peer.enqueue(data);
  }

  setEncoding(encoding: "utf8"): void {
    if (encoding !== "utf8") throw new TypeError(`unsupported encoding ${String(encoding)}`);
    this.textDecoder ??= new TextDecoder();
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
  enqueue(item: Uint8Array | string | typeof END): void {
    if (this.closed) return;
    this.queue.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      // A reaction of a settled promise: the same microtask turn as queueMicrotask, without the
      // AsyncResource and bound function Node's queueMicrotask makes per call (one per message).
      void DELIVERED.then(this.flushJob);
    }
  }

  /** Runs the delivery; a listener's exception is rethrown as queueMicrotask would raise it (uncaught). */
  private readonly flushJob = (): void => {
    try {
      this.flush();
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  };

  private flush(): void {
    this.scheduled = false;
    const q = this.queue;
    this.queue = this.spare;
    this.spare = q;
    try {
      for (let i = 0; i < q.length; i++) {
        const item = q[i]!;
        if (this.closed) return;
        if (item === END) {
          const rest = this.textDecoder?.decode();
          if (rest) this.emit("text", rest);
          this.remoteEnded = true;
          this.emit("end");
          this.maybeClose();
        } else if (this.textDecoder) this.emit("text", typeof item === "string" ? item : this.textDecoder.decode(item, { stream: true }));
        else this.emit("data", typeof item === "string" ? encoder.encode(item) : item);
      }
    } finally {
      // What was not delivered (closed, or a listener threw) is dropped, as before.
      q.length = 0;
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
