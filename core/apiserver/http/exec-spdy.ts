import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { exitStatus } from "./exec-stream.js";
import type { PodExecSession } from "./pod-streams.js";
import { SpdyServerConnection, upgradedSocketTransport, type SpdyStream } from "./spdy/connection.js";

/** The remote-command protocols kubesim speaks over SPDY, best first (the kubelet also has v1–v3). */
export const SPDY_EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const;

/** How long the client has to open the streams it asked for (the kubelet's stream creation timeout). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

type StreamType = "error" | "stdin" | "stdout" | "stderr" | "resize";

/** The streams an exec/attach asks for: `stdin`, `stdout`, `stderr`, `tty` of its query. */
export interface ExecStreamsWanted {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * The protocol of a SPDY exec/attach upgrade (`Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version`
 * offers): the best one both speak; undefined when the request is not a SPDY upgrade or offers
 * none of them.
 */
export function negotiateSpdyExecProtocol(req: IncomingMessage): string | undefined {
  if (!String(req.headers.upgrade ?? "").toLowerCase().startsWith("spdy/3.1")) return undefined;
  const offered = String(req.headers["x-stream-protocol-version"] ?? "").split(",").map((s) => s.trim());
  return SPDY_EXEC_PROTOCOLS.find((p) => offered.includes(p));
}

/**
 * Serves exec/attach over SPDY/3.1, as the kubelet's remotecommand server does for clients that
 * do not use WebSockets (kubectl with `KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`, or falling back
 * when a WebSocket upgrade fails; older client-go): answers the 101 with the agreed protocol, waits
 * for the client's streams (`streamType` error, and stdin/stdout/stderr/resize as asked — no
 * stderr with a TTY), then relays stdin (its FIN closes the process's stdin), stdout, stderr and
 * resizes, writes the exit Status to the error stream when the command ends (Success, or
 * NonZeroExitCode with the code) and closes the connection. A client that never opens its
 * streams is dropped after 30 s.
 */
export function serveExecSpdy(socket: Duplex, head: Buffer, session: PodExecSession, command: readonly string[] | undefined, wanted: ExecStreamsWanted, protocol: string): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  const want: StreamType[] = ["error"];
  if (wanted.stdin) want.push("stdin");
  if (wanted.stdout) want.push("stdout");
  if (wanted.stderr && !wanted.tty) want.push("stderr");
  if (wanted.tty) want.push("resize");
  const streams: Partial<Record<StreamType, SpdyStream>> = {};
  let started = false;
  const connection = new SpdyServerConnection(upgradedSocketTransport(socket, head), (stream) => {
    const type = stream.headers["streamtype"] as StreamType | undefined;
    if (!type || !want.includes(type) || streams[type]) return stream.reset();
    streams[type] = stream;
    if (!started && want.every((t) => streams[t])) {
      started = true;
      clearTimeout(timer);
      relay(streams as Record<StreamType, SpdyStream>);
    }
  });
  const timer = setTimeout(() => connection.close(), STREAM_CREATION_TIMEOUT_MS);
  timer.unref?.();
  connection.onClose(() => {
    clearTimeout(timer);
    session.closeStdin();
  });

  const relay = (s: Record<StreamType, SpdyStream>): void => {
    session.onStdout((d) => s.stdout?.write(d));
    session.onStderr((d) => (s.stderr ?? s.stdout)?.write(d));
    s.error.receive(() => undefined, () => undefined);
    s.stdin?.receive((chunk) => session.write(chunk.toString("utf8")), () => session.closeStdin());
    if (s.resize) {
      let pending = "";
      s.resize.receive(
        (chunk) => {
          pending += chunk.toString("utf8");
          let nl: number;
          while ((nl = pending.indexOf("\n")) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (!line) continue;
            try {
              const size = JSON.parse(line) as { Width?: number; Height?: number };
              session.resize?.(size.Width ?? 80, size.Height ?? 24);
            } catch {
              /* a malformed size is ignored, as the kubelet's decoder drops it */
            }
          }
        },
        () => undefined,
      );
    }
    void session.exit.then((code) => {
      // An attach ends with Success whatever the process's code (as over WebSocket).
      s.error.write(JSON.stringify(exitStatus(command === undefined ? 0 : code, command)));
      for (const t of want) s[t]?.end();
      connection.close();
    });
  };
}
