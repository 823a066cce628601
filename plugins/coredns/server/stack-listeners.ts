import type { Clock } from "../../../core/clock/clock.js";
import { serveHttpConnection } from "../../../core/cri/http.js";
import type { Connection, Listener, NetworkStack, UdpSocket } from "../../../core/net/sockets.js";
import type { DnsServer } from "./dns-server.js";
import type { DnsTransport } from "./handler.js";

/** Reads length-prefixed DNS messages (RFC 1035 4.2.2) from a TCP byte stream. */
export function onTcpMessages(conn: { on(event: "data", fn: (chunk: Uint8Array) => void): unknown }, fn: (msg: Uint8Array) => void): void {
  let buf = new Uint8Array(0);
  conn.on("data", (chunk) => {
    const joined = new Uint8Array(buf.byteLength + chunk.byteLength);
    joined.set(buf);
    joined.set(chunk, buf.byteLength);
    buf = joined;
    while (buf.byteLength >= 2) {
      const len = (buf[0]! << 8) | buf[1]!;
      if (buf.byteLength < 2 + len) break;
      fn(buf.slice(2, 2 + len));
      buf = buf.slice(2 + len);
    }
  });
}

/** Prefixes a DNS message with its 2-byte length for TCP. */
export function tcpFrame(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.byteLength + 2);
  out[0] = msg.byteLength >> 8;
  out[1] = msg.byteLength & 0xff;
  out.set(msg, 2);
  return out;
}

/**
 * Serves a {@link DnsServer} on a simulated network namespace (a CoreDNS pod's): UDP and TCP on
 * every port its Corefile names, HTTP for its plugins' endpoints (health, ready, metrics). Ports
 * follow reloads. A taken port throws NetError EADDRINUSE (the process fails, as CoreDNS's
 * `listen udp :53: bind: address already in use`).
 */
export function serveOnStack(server: DnsServer, net: NetworkStack): { close(): void } {
  const dns = new Map<number, { udp: UdpSocket; tcp: Listener }>();
  const http = new Map<number, Listener>();
  const sync = (): void => {
    const ports = new Set(server.ports());
    for (const [port, l] of dns)
      if (!ports.has(port)) {
        l.udp.close();
        l.tcp.close();
        dns.delete(port);
      }
    for (const port of ports) {
      if (dns.has(port)) continue;
      const udp = net.bindUdp(port, (msg, socket) => {
        void server.handle(msg.data, { protocol: "udp", remoteAddress: msg.remoteAddress, remotePort: msg.remotePort, port }).then((out) => {
          if (!out) return;
          try {
            socket.send(out, msg.remoteAddress, msg.remotePort);
          } catch {
            // The socket closed meanwhile (the pod stopped, a reload dropped the port): no reply.
          }
        });
      });
      const tcp = net.listen("TCP", port, (conn) =>
        onTcpMessages(conn, (m) => {
          void server.handle(m, { protocol: "tcp", remoteAddress: conn.remoteAddress, remotePort: conn.remotePort, port }).then((out) => {
            if (out) conn.write(tcpFrame(out));
          });
        }),
      );
      dns.set(port, { udp, tcp });
    }
    const httpPorts = new Set(server.endpoints().map((e) => e.port));
    for (const [port, l] of http)
      if (!httpPorts.has(port)) {
        l.close();
        http.delete(port);
      }
    for (const port of httpPorts) {
      if (http.has(port)) continue;
      http.set(
        port,
        net.listen("TCP", port, (conn) =>
          serveHttpConnection(conn, async (req) => {
            const path = req.path.split("?")[0];
            const e = server.endpoints().find((x) => x.port === port && x.path === path);
            if (!e) return { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "404 page not found\n" };
            const r = await e.handle();
            return { status: r.status, headers: { "Content-Type": r.contentType ?? "text/plain; charset=utf-8" }, body: r.body };
          }),
        ),
      );
    }
  };
  sync();
  const off = server.onLoad(sync);
  return {
    close() {
      off();
      for (const l of dns.values()) {
        l.udp.close();
        l.tcp.close();
      }
      for (const l of http.values()) l.close();
      dns.clear();
      http.clear();
    },
  };
}

/** DNS exchanges over a simulated namespace's sockets (forward's upstream queries from a pod). */
export function stackTransport(net: NetworkStack, clock: Clock): DnsTransport {
  return {
    exchange(query, address, port, { protocol, timeoutMs }) {
      return new Promise<Uint8Array>((resolve, reject) => {
        let settled = false;
        let cleanup = (): void => undefined;
        const timer = clock.setTimeout(() => finish(new Error("i/o timeout")), timeoutMs);
        const finish = (err: Error | undefined, data?: Uint8Array): void => {
          if (settled) return;
          settled = true;
          clock.clearTimeout(timer);
          cleanup();
          if (err) reject(err);
          else resolve(data!);
        };
        const id = (query[0]! << 8) | query[1]!;
        if (protocol === "udp") {
          try {
            const sock = net.bindUdp(0, (msg) => {
              if (msg.data.byteLength >= 2 && ((msg.data[0]! << 8) | msg.data[1]!) === id) finish(undefined, msg.data);
            });
            cleanup = () => sock.close();
            sock.send(query, address, port);
          } catch (err) {
            finish(err as Error);
          }
          return;
        }
        net.connect(address, port, { timeoutMs }).then(
          (conn) => {
            cleanup = () => conn.destroy();
            onTcpMessages(conn, (m) => finish(undefined, m));
            conn.on("error", (e) => finish(e));
            conn.write(tcpFrame(query));
          },
          (err: Error) => finish(err),
        );
      });
    },
  };
}
