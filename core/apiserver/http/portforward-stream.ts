import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { badRequest } from "../../api/status.js";
import type { Connection } from "../../net/sockets.js";
import type { PodPortForward } from "./pod-streams.js";
import { SpdyServerConnection, upgradedSocketTransport, type ByteTransport, type SpdyStream } from "./spdy/connection.js";

/** The port-forward subprotocol (over SPDY, and named inside the WebSocket tunnel). */
export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
/** kubectl 1.31+: SPDY tunnelled through a WebSocket (`PortForwardWebsockets`, on by default). */
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
/** The channel protocols client libraries use (the kubelet's WebSocket port-forward). */
const CHANNEL_PROTOCOLS = ["v4.channel.k8s.io", "v4.base64.channel.k8s.io", PORT_FORWARD_PROTOCOL] as const;

/** How a port-forward request asks to upgrade: SPDY tunnel over WebSocket, WebSocket channels, or raw SPDY; undefined when none. */
export function portForwardTransport(req: IncomingMessage): "spdy-tunnel" | "channels" | "spdy" | undefined {
  const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
  if (upgrade === "websocket") {
    const offered = offeredProtocols(req);
    if (offered.includes(SPDY_TUNNEL_PROTOCOL)) return "spdy-tunnel";
    if (offered.length === 0 || offered.some((p) => (CHANNEL_PROTOCOLS as readonly string[]).includes(p))) return "channels";
    return undefined;
  }
  if (upgrade.startsWith("spdy/3.1")) return "spdy";
  return undefined;
}

function offeredProtocols(req: IncomingMessage): string[] {
  return String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** The ports a channel-protocol request forwards (`ports=80,8080`, repeatable; `port` as the kubelet spells it). */
export function requestedPorts(query: URLSearchParams): number[] {
  const raw = [...query.getAll("ports"), ...query.getAll("port")].flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  if (raw.length === 0) throw badRequest(`query parameter "port" is required`);
  return raw.map((s) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 1 || n > 65535) throw badRequest(`port "${s}" must be in the range 1 to 65535`);
    return n;
  });
}

function forwardError(forward: PodPortForward, port: number, err: unknown): string {
  return `error forwarding port ${port} to pod ${forward.podName}, uid ${forward.uid}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * `SPDY/3.1+portforward.k8s.io` holds a "/", which is not a token character, so `ws` refuses it as
 * a subprotocol: the offer is renamed to this alias before the handshake and the real name is put
 * back into the 101 response.
 */
const TUNNEL_ALIAS = SPDY_TUNNEL_PROTOCOL.replace("/", "_");

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has(TUNNEL_ALIAS) ? TUNNEL_ALIAS : CHANNEL_PROTOCOLS.find((p) => protocols.has(p)) ?? false),
});
wss.on("headers", (headers: string[]) => {
  const i = headers.findIndex((h) => h.toLowerCase() === `sec-websocket-protocol: ${TUNNEL_ALIAS.toLowerCase()}`);
  if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`;
});

/**
 * Completes the upgrade of a `pods/portforward` request and forwards its connections to the pod's
 * ports, as the kubelet's streaming server does:
 * - SPDY (raw, or tunnelled in WebSocket binary messages): per local connection the client opens an
 *   error stream and a data stream sharing `requestID` and `port`; the data stream carries the
 *   bytes, a failure is written to the error stream (`error forwarding port 81 to pod ...`).
 * - channel WebSocket (`v4.channel.k8s.io`): ports from the query; port i uses channel 2i for data
 *   and 2i+1 for errors, each first carrying the port as two little-endian bytes.
 */
export function servePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, forward: PodPortForward, query: URLSearchParams): void {
  const kind = portForwardTransport(req);
  if (kind === "spdy") {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
    const transport = upgradedSocketTransport(socket, head);
    serveSpdy(transport, forward);
    return;
  }
  const ports = kind === "channels" ? requestedPorts(query) : [];
  if (kind === "spdy-tunnel") req.headers["sec-websocket-protocol"] = offeredProtocols(req).map((p) => (p === SPDY_TUNNEL_PROTOCOL ? TUNNEL_ALIAS : p)).filter((p) => !p.includes("/")).join(", ");
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    if (kind === "spdy-tunnel") serveSpdy(webSocketTransport(ws), forward);
    else serveChannels(ws, forward, ports);
  });
}

function webSocketTransport(ws: WebSocket): ByteTransport {
  return {
    write: (d) => void (ws.readyState === ws.OPEN && ws.send(d, { binary: true })),
    close: () => (ws.readyState === ws.OPEN ? ws.close(1000) : ws.terminate()),
    onData: (fn) => ws.on("message", (raw: Buffer | ArrayBuffer | Buffer[]) => fn(Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw))),
    onClose: (fn) => {
      ws.on("close", fn);
      ws.on("error", fn);
    },
  };
}

/** Pipes one pod connection and one client stream both ways; half-closes follow each other. */
function pipe(conn: Connection, input: (data: (b: Buffer) => void, end: () => void) => void, output: { write(b: Uint8Array): void; end(): void }): void {
  input((b) => conn.write(b), () => conn.end());
  conn.on("data", (d) => output.write(d));
  conn.on("end", () => output.end());
}

function serveSpdy(transport: ByteTransport, forward: PodPortForward): void {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream }>();
  const conns = new Set<Connection>();
  const connection = new SpdyServerConnection(transport, (stream) => {
    const type = stream.headers["streamtype"];
    if (type !== "data" && type !== "error") return stream.reset();
    const key = stream.headers["requestid"] ?? `port:${stream.headers["port"] ?? ""}`;
    const pair = pairs.get(key) ?? {};
    pair[type] = stream;
    pairs.set(key, pair);
    if (!pair.data || !pair.error) return;
    pairs.delete(key);
    const { data, error } = pair as { data: SpdyStream; error: SpdyStream };
    const port = Number(data.headers["port"]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      error.write(`invalid port: "${data.headers["port"] ?? ""}"`);
      error.end();
      data.end();
      return;
    }
    error.receive(() => undefined, () => undefined);
    forward.connect(port).then(
      (conn) => {
        conns.add(conn);
        data.onReset(() => conn.destroy());
        conn.on("close", () => {
          conns.delete(conn);
          data.end();
          error.end();
        });
        conn.on("error", () => undefined);
        pipe(conn, (d, e) => data.receive(d, e), data);
      },
      (err: unknown) => {
        error.write(forwardError(forward, port, err));
        error.end();
        data.end();
      },
    );
  });
  connection.onClose(() => {
    for (const c of conns) c.destroy();
    conns.clear();
  });
}

function serveChannels(ws: WebSocket, forward: PodPortForward, ports: number[]): void {
  const base64 = ws.protocol === "v4.base64.channel.k8s.io";
  const send = (channel: number, data: Uint8Array): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (base64) ws.send(String.fromCharCode(48 + channel) + Buffer.from(data).toString("base64"));
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };
  const inputs = new Map<number, (b: Buffer) => void>();
  const pending = new Map<number, Buffer[]>();
  const conns = new Set<Connection>();
  let open = ports.length;
  const done = (): void => {
    if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };
  ws.on("message", (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    let buf = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (buf.length === 0) return;
    let channel = buf[0]!;
    if (base64 && !isBinary) {
      channel -= 48;
      buf = Buffer.concat([Buffer.from([channel]), Buffer.from(buf.subarray(1).toString("utf8"), "base64")]);
    }
    const body = buf.subarray(1);
    if (channel % 2 !== 0 || body.length === 0) return;
    const input = inputs.get(channel);
    if (input) input(body);
    else pending.set(channel, [...(pending.get(channel) ?? []), body]);
  });
  ws.on("close", () => {
    for (const c of conns) c.destroy();
  });
  ws.on("error", () => undefined);
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    forward.connect(port).then(
      (conn) => {
        conns.add(conn);
        conn.on("error", () => undefined);
        conn.on("close", () => {
          conns.delete(conn);
          done();
        });
        pipe(conn, (d) => {
          inputs.set(2 * i, d);
          for (const b of pending.get(2 * i) ?? []) d(b);
          pending.delete(2 * i);
        }, { write: (b) => send(2 * i, b), end: () => conn.end() }); // channels cannot half-close: the pod's FIN ends the forward
      },
      (err: unknown) => {
        send(2 * i + 1, Buffer.from(forwardError(forward, port, err)));
        done();
      },
    );
  });
}
