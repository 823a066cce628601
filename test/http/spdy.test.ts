/** SPDY/3.1 framing and the server connection behind `pods/portforward`, against a client compressing headers with real zlib. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { constants, createDeflate, createInflate } from "node:zlib";
import { SPDY3_HEADER_DICTIONARY } from "../../core/apiserver/http/spdy/dictionary.js";
import { FrameReader, HeaderCompressor, dataFrame, parseHeaderBlock, type Frame } from "../../core/apiserver/http/spdy/frames.js";
import { SpdyServerConnection, type ByteTransport, type SpdyStream } from "../../core/apiserver/http/spdy/connection.js";

test("the header dictionary is the spec's 1423 bytes", () => {
  assert.is(SPDY3_HEADER_DICTIONARY.length, 1423);
  assert.is(createHash("sha256").update(SPDY3_HEADER_DICTIONARY).digest("hex"), "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02");
});

/** Inflates successive blocks of one zlib stream, as a peer does. */
function inflater(): (block: Buffer) => Promise<Buffer> {
  const inflate = createInflate({ dictionary: SPDY3_HEADER_DICTIONARY });
  return (block) =>
    new Promise((resolve) => {
      inflate.write(block);
      inflate.flush(constants.Z_SYNC_FLUSH, () => {
        const out: Buffer[] = [];
        for (let c; (c = inflate.read() as Buffer | null) !== null; ) out.push(c);
        resolve(Buffer.concat(out));
      });
    });
}

/** A header block as spdystream writes it: zlib with the dictionary, sync-flushed. */
function deflater(): (headers: Record<string, string>) => Promise<Buffer> {
  const deflate = createDeflate({ dictionary: SPDY3_HEADER_DICTIONARY, level: 9 });
  return (headers) =>
    new Promise((resolve) => {
      const parts: Buffer[] = [];
      const entries = Object.entries(headers);
      const n = Buffer.alloc(4);
      n.writeUInt32BE(entries.length);
      parts.push(n);
      for (const [k, v] of entries) for (const s of [k, v]) {
        const l = Buffer.alloc(4);
        l.writeUInt32BE(Buffer.byteLength(s));
        parts.push(l, Buffer.from(s));
      }
      deflate.write(Buffer.concat(parts));
      deflate.flush(constants.Z_SYNC_FLUSH, () => {
        const out: Buffer[] = [];
        for (let c; (c = deflate.read() as Buffer | null) !== null; ) out.push(c);
        resolve(Buffer.concat(out));
      });
    });
}

test("compressed header blocks read back with any zlib inflater, block after block on one stream", async () => {
  const c = new HeaderCompressor();
  const inflate = inflater();
  assert.equal(parseHeaderBlock(await inflate(c.compress({ streamtype: "error", port: "80" }))), { streamtype: "error", port: "80" });
  assert.equal(parseHeaderBlock(await inflate(c.compress({}))), {});
  assert.equal(parseHeaderBlock(await inflate(c.compress({ requestid: "7" }))), { requestid: "7" });
});

function synStream(id: number, block: Buffer, fin = false): Buffer {
  const head = Buffer.alloc(18);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(1, 2);
  head[4] = fin ? 1 : 0;
  head.writeUIntBE(10 + block.length, 5, 3);
  head.writeUInt32BE(id, 8);
  return Buffer.concat([head, block]);
}

function control(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

test("the server connection accepts streams with SYN_REPLY, echoes PING, carries data both ways, FIN and RST", async () => {
  const sent: Frame[] = [];
  const reader = new FrameReader((f) => sent.push(f));
  let deliver: (b: Buffer) => void = () => undefined;
  let closed = false;
  const transport: ByteTransport = { write: (d) => reader.push(d), close: () => void (closed = true), onData: (fn) => void (deliver = fn), onClose: () => undefined };
  const streams: SpdyStream[] = [];
  const conn = new SpdyServerConnection(transport, (s) => streams.push(s));
  const compress = deflater();
  const until = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  };

  const syn = synStream(1, await compress({ streamtype: "data", port: "80", requestid: "0" }));
  deliver(syn.subarray(0, 5)); // frames may arrive split
  deliver(Buffer.concat([syn.subarray(5), dataFrame(1, Buffer.from("hello"), false)]));
  deliver(synStream(3, await compress({ streamtype: "error", port: "80", requestid: "0" }), true));
  const ping = Buffer.alloc(4);
  ping.writeUInt32BE(9);
  deliver(control(6, ping));
  await until(() => sent.some((f) => f.control && f.type === 6));
  assert.equal(streams.map((s) => [s.id, s.headers]), [[1, { streamtype: "data", port: "80", requestid: "0" }], [3, { streamtype: "error", port: "80", requestid: "0" }]]);
  const replies = sent.filter((f) => f.control && f.type === 2);
  assert.is(replies.length, 2);
  const inflate = inflater();
  for (const r of replies) if (r.control) assert.equal(parseHeaderBlock(await inflate(r.payload.subarray(4))), {});
  const pong = sent.find((f) => f.control && f.type === 6);
  assert.ok(pong && pong.control && pong.payload.readUInt32BE(0) === 9);

  const got: string[] = [];
  let ended = false;
  streams[0]!.receive((b) => got.push(b.toString()), () => (ended = true)); // data buffered before a consumer is delivered
  deliver(dataFrame(1, Buffer.from(" world"), true));
  await until(() => ended);
  assert.is(got.join(""), "hello world");
  assert.ok(ended);

  streams[0]!.write("response");
  streams[0]!.end();
  const data = sent.filter((f): f is Extract<Frame, { control: false }> => !f.control && f.streamId === 1);
  assert.equal(data.map((f) => [f.data.toString(), f.flags]), [["response", 0], ["", 1]]);

  let reset = false;
  streams[1]!.onReset(() => (reset = true));
  const rst = Buffer.alloc(8);
  rst.writeUInt32BE(3, 0);
  rst.writeUInt32BE(5, 4);
  deliver(control(3, rst));
  await until(() => reset);
  assert.ok(reset);
  conn.close();
  assert.ok(closed);
  assert.ok(sent.some((f) => f.control && f.type === 7), "GOAWAY on close");
});

test.run();
