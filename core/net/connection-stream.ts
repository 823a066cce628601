import { Duplex } from "node:stream";
import { EventEmitter } from "eventemitter3";
import type { Connection, ConnectionEvents } from "./sockets.js";

/**
 * Bridges between the simulated network's connections and Node.js streams, so protocols Node
 * implements (TLS with `tls.connect({ socket })` / `new TLSSocket(stream, { isServer })`, HTTP/2)
 * run over a simulated TCP connection byte for byte.
 */

/** A simulated connection as a Node.js Duplex (bytes in both directions, FIN as end, RST as destroy). */
export function connectionToDuplex(conn: Connection): Duplex {
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      conn.write(chunk);
      callback();
    },
    final(callback) {
      conn.end();
      callback();
    },
    destroy(err, callback) {
      conn.destroy();
      callback(err);
    },
  });
  conn.on("data", (chunk) => duplex.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  conn.on("end", () => duplex.push(null));
  conn.on("error", (err) => duplex.destroy(err));
  conn.on("close", () => duplex.destroy());
  return duplex;
}

/** A Node.js stream (a TLS socket over a simulated connection) seen as a simulated {@link Connection}. */
export function duplexToConnection(stream: Duplex, addresses: Pick<Connection, "localAddress" | "localPort" | "remoteAddress" | "remotePort">): Connection {
  const conn = new (class extends EventEmitter<ConnectionEvents> implements Connection {
    readonly localAddress = addresses.localAddress;
    readonly localPort = addresses.localPort;
    readonly remoteAddress = addresses.remoteAddress;
    readonly remotePort = addresses.remotePort;
    write(data: Uint8Array | string): void {
      if (!stream.destroyed && !stream.writableEnded) stream.write(data);
    }
    end(): void {
      if (!stream.writableEnded) stream.end();
    }
    destroy(): void {
      stream.destroy();
    }
  })();
  stream.on("data", (chunk: Buffer) => conn.emit("data", chunk));
  stream.on("end", () => conn.emit("end"));
  stream.on("error", () => undefined);
  stream.on("close", () => conn.emit("close"));
  return conn;
}
