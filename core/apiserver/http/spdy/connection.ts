import type { Duplex } from "node:stream";
import {
  ControlType, FLAG_FIN, FrameReader, HeaderCompressor, HeaderDecompressor, RST_CANCEL, dataFrame, goAwayFrame, pingFrame,
  rstStreamFrame, synReplyFrame, type Frame,
} from "./frames.js";

/** The bytes under a SPDY connection: a raw upgraded socket, or a WebSocket tunnelling SPDY. */
export interface ByteTransport {
  write(data: Buffer): void;
  /** Closes the transport (idempotent). */
  close(): void;
  onData(fn: (chunk: Buffer) => void): void;
  onClose(fn: () => void): void;
}

const MAX_DATA = 0xffffff;

/**
 * The transport of a raw upgraded socket (after the 101): `head` (bytes read past the request) is
 * delivered first; closing ends the socket gracefully so the last frames (a final status, GOAWAY)
 * reach the client before the FIN.
 */
export function upgradedSocketTransport(socket: Duplex, head: Buffer): ByteTransport {
  return {
    write: (d) => void (socket.writable && socket.write(d)),
    close: () => {
      if (socket.writable) socket.end();
      else socket.destroy();
    },
    onData: (fn) => {
      if (head.length) queueMicrotask(() => fn(head));
      socket.on("data", (d: Buffer) => fn(d));
    },
    onClose: (fn) => {
      socket.on("close", fn);
      socket.on("error", fn);
    },
  };
}

/**
 * One stream a client opened (SYN_STREAM). Data the client sends is buffered until a consumer is
 * set with {@link receive}; `end` half-closes our side (FIN), `reset` aborts (RST_STREAM CANCEL).
 */
export class SpdyStream {
  private buffered: Buffer[] = [];
  private remoteEnded = false;
  private consumer: { data: (chunk: Buffer) => void; end: () => void } | undefined;
  private localEnded = false;
  private resetListeners: (() => void)[] = [];
  private isReset = false;

  constructor(readonly id: number, readonly headers: Readonly<Record<string, string>>, private readonly conn: SpdyServerConnection) {}

  /** Delivers the client's data (what was buffered first) and its FIN. */
  receive(data: (chunk: Buffer) => void, end: () => void): void {
    this.consumer = { data, end };
    for (const c of this.buffered) data(c);
    this.buffered = [];
    if (this.remoteEnded) end();
  }

  /** Called when the client resets the stream or the connection goes away. */
  onReset(fn: () => void): void {
    if (this.isReset) fn();
    else this.resetListeners.push(fn);
  }

  write(data: Uint8Array | string): void {
    if (this.localEnded || this.isReset) return;
    const buf = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let off = 0; off < buf.length; off += MAX_DATA) this.conn.send(dataFrame(this.id, buf.subarray(off, off + MAX_DATA), false));
  }

  /** Half-closes our side (a FIN data frame). */
  end(): void {
    if (this.localEnded || this.isReset) return;
    this.localEnded = true;
    this.conn.send(dataFrame(this.id, Buffer.alloc(0), true));
    this.conn.settle(this);
  }

  reset(): void {
    if (this.isReset) return;
    this.conn.send(rstStreamFrame(this.id, RST_CANCEL));
    this.resetByPeer();
  }

  get finished(): boolean {
    return this.isReset || (this.localEnded && this.remoteEnded);
  }

  /** @internal */
  deliver(chunk: Buffer, fin: boolean): void {
    if (this.remoteEnded || this.isReset) return;
    if (chunk.length) {
      if (this.consumer) this.consumer.data(chunk);
      else this.buffered.push(chunk);
    }
    if (fin) {
      this.remoteEnded = true;
      this.consumer?.end();
      this.conn.settle(this);
    }
  }

  /** @internal */
  resetByPeer(): void {
    if (this.isReset) return;
    this.isReset = true;
    const fns = this.resetListeners;
    this.resetListeners = [];
    for (const f of fns) f();
    this.conn.settle(this);
  }
}

/**
 * The server side of a SPDY/3.1 connection as spdystream (what kubectl and client-go use) speaks
 * it: accepts the client's streams with an empty SYN_REPLY, echoes PINGs, carries DATA frames, and
 * honours RST_STREAM and GOAWAY. Flow control is not enforced (nor is it by spdystream). Frames
 * are handled strictly in order: header blocks share one zlib stream per direction.
 */
export class SpdyServerConnection {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly reader: FrameReader;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private lastStreamId = 0;
  private closeListeners: (() => void)[] = [];

  constructor(private readonly transport: ByteTransport, private readonly onStream: (stream: SpdyStream) => void) {
    this.reader = new FrameReader((frame) => {
      this.chain = this.chain.then(() => this.handle(frame)).catch(() => this.close());
    });
    transport.onData((chunk) => this.reader.push(chunk));
    transport.onClose(() => this.close());
  }

  /** Called once the connection is gone (either side). */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeListeners.push(fn);
  }

  /** Sends GOAWAY, resets every open stream and closes the transport (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.transport.write(goAwayFrame(this.lastStreamId, 0));
    } catch {
      /* the transport may already be gone */
    }
    for (const s of [...this.streams.values()]) s.resetByPeer();
    this.streams.clear();
    this.transport.close();
    this.decompressor.close();
    const fns = this.closeListeners;
    this.closeListeners = [];
    for (const f of fns) f();
  }

  /** @internal */
  send(frame: Buffer): void {
    if (!this.closed) this.transport.write(frame);
  }

  /** @internal: forgets a stream both sides are done with. */
  settle(stream: SpdyStream): void {
    if (stream.finished) this.streams.delete(stream.id);
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.closed) return;
    if (!frame.control) {
      const s = this.streams.get(frame.streamId);
      if (s) s.deliver(frame.data, (frame.flags & FLAG_FIN) !== 0);
      return;
    }
    const p = frame.payload;
    switch (frame.type) {
      case ControlType.SynStream: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.decompressor.decompress(p.subarray(10));
        if (this.closed) return;
        this.lastStreamId = Math.max(this.lastStreamId, id);
        const stream = new SpdyStream(id, headers, this);
        this.streams.set(id, stream);
        this.send(synReplyFrame(id, this.compressor.compress({}), false));
        this.onStream(stream);
        if (frame.flags & FLAG_FIN) stream.deliver(Buffer.alloc(0), true);
        return;
      }
      case ControlType.Headers:
        await this.decompressor.decompress(p.subarray(4)); // keeps the zlib stream in step
        return;
      case ControlType.RstStream:
        this.streams.get(p.readUInt32BE(0) & 0x7fffffff)?.resetByPeer();
        return;
      case ControlType.Ping:
        this.send(pingFrame(p.readUInt32BE(0)));
        return;
      case ControlType.GoAway:
        this.close();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, SYN_REPLY (clients open no server streams here)
    }
  }
}
