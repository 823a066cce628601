import { createSocket, type Socket } from "node:dgram";
import { randomInt } from "node:crypto";

/** Where a host underlay socket listens: `127.0.0.1:40123`. */
export type UnderlayEndpoint = string;

/** One message between two node processes: a JSON header and optional bytes. */
export interface UnderlayMessage {
  readonly header: Record<string, unknown>;
  readonly payload?: Uint8Array;
}

const DATA = 1;
const ACK = 2;
/** Frame header: type u8, sender epoch u32, seq u32, base u32 (the sender's oldest unacknowledged seq). */
const FRAME_HEADER = 13;
/** Resend what is unacknowledged this often (real time: the socket is real I/O). */
const RETRANSMIT_MS = 200;
/** Largest payload per message; larger writes are split by the sender. */
export const MAX_UNDERLAY_PAYLOAD = 32 * 1024;

interface Sender {
  seq: number;
  readonly unacked: Map<number, Buffer>;
}

interface Receiver {
  epoch: number;
  next: number;
  readonly early: Map<number, Buffer>;
  ackScheduled: boolean;
}

/**
 * The wire between node processes: one UDP socket on the host (as a node's eth0 sits on kind's
 * docker network) over which messages to each other node process arrive in order and exactly once
 * — sequence numbers, cumulative acknowledgements and retransmission, since even loopback UDP drops
 * datagrams when a receive buffer is full. Each socket has a random epoch: a peer that sees a new
 * epoch from an endpoint knows that process restarted (`onPeerRestart`) and starts over with it.
 */
export class UnderlayLink {
  private readonly socket: Socket;
  private readonly epoch = randomInt(1, 0xffffffff);
  private readonly senders = new Map<UnderlayEndpoint, Sender>();
  private readonly receivers = new Map<UnderlayEndpoint, Receiver>();
  private timer: NodeJS.Timeout | undefined;
  private endpointValue: UnderlayEndpoint | undefined;
  private closed = false;

  private constructor(
    private readonly onMessage: (from: UnderlayEndpoint, msg: UnderlayMessage) => void,
    private readonly onPeerRestart: (from: UnderlayEndpoint) => void,
  ) {
    this.socket = createSocket({ type: "udp4" });
    this.socket.on("message", (buf, rinfo) => this.receive(buf, `${rinfo.address}:${rinfo.port}`));
    this.socket.on("error", () => undefined);
  }

  /** Binds a link on `host:port` (port 0: a free one). */
  static async bind(host: string, port: number, onMessage: (from: UnderlayEndpoint, msg: UnderlayMessage) => void, onPeerRestart: (from: UnderlayEndpoint) => void): Promise<UnderlayLink> {
    const link = new UnderlayLink(onMessage, onPeerRestart);
    await new Promise<void>((resolve, reject) => {
      link.socket.once("error", reject);
      link.socket.bind(port, host, () => {
        link.socket.off("error", reject);
        resolve();
      });
    });
    const a = link.socket.address();
    link.endpointValue = `${a.address}:${a.port}`;
    return link;
  }

  /** This link's address, as other processes send to it. */
  get endpoint(): UnderlayEndpoint {
    return this.endpointValue!;
  }

  /** Sends `msg` to `to`; delivered once and in order with every other message to `to`. */
  send(to: UnderlayEndpoint, msg: UnderlayMessage): void {
    let s = this.senders.get(to);
    if (!s) this.senders.set(to, (s = { seq: 0, unacked: new Map() }));
    const json = Buffer.from(JSON.stringify(msg.header));
    const payload = msg.payload ?? new Uint8Array(0);
    const frame = Buffer.allocUnsafe(FRAME_HEADER + 4 + json.length + payload.byteLength);
    const seq = s.seq++;
    frame.writeUInt8(DATA, 0);
    frame.writeUInt32BE(this.epoch, 1);
    frame.writeUInt32BE(seq, 5);
    frame.writeUInt32BE(json.length, FRAME_HEADER);
    json.copy(frame, FRAME_HEADER + 4);
    frame.set(payload, FRAME_HEADER + 4 + json.length);
    s.unacked.set(seq, frame);
    this.transmit(to, s, frame);
    this.timer ??= setInterval(() => this.retransmit(), RETRANSMIT_MS).unref();
  }

  /** Forgets everything about `peer` (it is gone): nothing more is resent to it. */
  forget(peer: UnderlayEndpoint): void {
    this.senders.delete(peer);
    this.receivers.delete(peer);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.socket.close();
    } catch {
      /* already closed */
    }
  }

  private transmit(to: UnderlayEndpoint, s: Sender, frame: Buffer): void {
    // The base (oldest unacknowledged) lets a receiver that restarted pick up where the sender is.
    frame.writeUInt32BE(s.unacked.keys().next().value ?? s.seq, 9);
    this.write(to, frame);
  }

  private write(to: UnderlayEndpoint, frame: Buffer): void {
    if (this.closed) return;
    const i = to.lastIndexOf(":");
    this.socket.send(frame, Number(to.slice(i + 1)), to.slice(0, i));
  }

  private retransmit(): void {
    let pending = false;
    for (const [to, s] of this.senders) {
      for (const frame of s.unacked.values()) this.transmit(to, s, frame);
      pending ||= s.unacked.size > 0;
    }
    if (!pending) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private receive(buf: Buffer, from: UnderlayEndpoint): void {
    if (buf.length < FRAME_HEADER) return;
    const type = buf.readUInt8(0);
    const epoch = buf.readUInt32BE(1);
    const seq = buf.readUInt32BE(5);
    if (type === ACK) {
      const s = this.senders.get(from);
      if (!s || epoch !== this.epoch) return;
      for (const k of s.unacked.keys()) {
        if (k >= seq) break;
        s.unacked.delete(k);
      }
      return;
    }
    if (type !== DATA) return;
    let r = this.receivers.get(from);
    if (r && r.epoch !== epoch) {
      this.receivers.delete(from);
      r = undefined;
      this.onPeerRestart(from);
    }
    if (!r) this.receivers.set(from, (r = { epoch, next: buf.readUInt32BE(9), early: new Map(), ackScheduled: false }));
    if (seq === r.next) {
      this.deliver(from, buf);
      r.next++;
      for (let b = r.early.get(r.next); b; b = r.early.get(r.next)) {
        r.early.delete(r.next);
        this.deliver(from, b);
        r.next++;
      }
    } else if (seq > r.next && r.early.size < 4096) r.early.set(seq, buf);
    this.scheduleAck(from, r);
  }

  /** One acknowledgement per burst of frames from a peer. */
  private scheduleAck(to: UnderlayEndpoint, r: Receiver): void {
    if (r.ackScheduled) return;
    r.ackScheduled = true;
    setImmediate(() => {
      r.ackScheduled = false;
      const ack = Buffer.alloc(FRAME_HEADER);
      ack.writeUInt8(ACK, 0);
      ack.writeUInt32BE(r.epoch, 1);
      ack.writeUInt32BE(r.next, 5);
      this.write(to, ack);
    });
  }

  private deliver(from: UnderlayEndpoint, frame: Buffer): void {
    const len = frame.readUInt32BE(FRAME_HEADER);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(frame.subarray(FRAME_HEADER + 4, FRAME_HEADER + 4 + len).toString()) as Record<string, unknown>;
    } catch {
      return;
    }
    const payload = frame.subarray(FRAME_HEADER + 4 + len);
    try {
      this.onMessage(from, payload.length ? { header, payload } : { header });
    } catch {
      /* a handler's failure must not stop the link */
    }
  }
}
