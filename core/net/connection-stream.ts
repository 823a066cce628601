import { Duplex } from "node:stream";
import type { Connection } from "./sockets.js";

/**
 * A simulated TCP connection as a Node stream, so Node's TLS and HTTP can run over the simulated
 * network (`tls.connect({ socket })`, an HTTPS server's `connection` event): writes go out on
 * the connection, its data comes in, `end` half-closes and `destroy` resets.
 */
export function connectionStream(conn: Connection): Duplex {
  const stream = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      conn.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      callback();
    },
    final(callback) {
      conn.end();
      callback();
    },
    read() {},
    destroy(err, callback) {
      conn.destroy();
      callback(err);
    },
  });
  conn.on("data", (chunk) => stream.push(Buffer.from(chunk)));
  conn.on("end", () => stream.push(null));
  conn.on("error", (err) => stream.destroy(err));
  return stream;
}
