import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { PodExecSession, PodExecSource } from "./pod-streams.js";

/** The channel protocols of exec/attach over WebSocket: v5 (kubectl 1.30+, with stdin close), v4 (client libraries). */
export const EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const;

const STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4, CLOSE = 255;

/** The protocol to speak, from the client's offer; undefined when it offers none kubesim speaks (SPDY). */
export function negotiateExecProtocol(req: IncomingMessage): string | undefined {
  const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((s) => s.trim());
  return EXEC_PROTOCOLS.find((p) => offered.includes(p));
}

/** A boolean query parameter as the API server reads it (`true` or `1`). */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v === "true" || v === "1";
}

/** The exec/attach request a URL asks for (`command` repeated, `container`, `stdin`, `tty`). */
export function execRequestOf(query: URLSearchParams, attach: boolean): { container?: string; command?: string[]; stdin: boolean; tty: boolean } {
  const container = query.get("container") ?? undefined;
  return { ...(container ? { container } : {}), ...(attach ? {} : { command: query.getAll("command") }), stdin: queryFlag(query, "stdin"), tty: queryFlag(query, "tty") };
}

/** The Status the error channel carries when the command ends: Success, or NonZeroExitCode with the code as kubectl reads it. */
export function exitStatus(code: number, command: readonly string[] | undefined): object {
  if (code === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${(command ?? []).join(" ")}], exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (protocols) => EXEC_PROTOCOLS.find((p) => protocols.has(p)) ?? false });

/**
 * Completes the WebSocket upgrade of an exec/attach request and relays the session over the
 * channel protocol: client frames on channel 0 go to stdin (v5's close frame ends stdin, channel
 * 4 resizes), stdout/stderr go out on 1/2, and the exit Status goes on 3 before the close.
 */
export function serveExecWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, session: PodExecSession, command: readonly string[] | undefined): void {
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    const send = (channel: number, data: string): void => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    };
    session.onStdout((d) => send(STDOUT, d));
    session.onStderr((d) => send(STDERR, d));
    ws.on("message", (raw: Buffer) => {
      const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
      if (data.length === 0) return;
      const channel = data[0]!;
      const body = data.subarray(1);
      if (channel === STDIN) session.write(body.toString("utf8"));
      else if (channel === CLOSE && body[0] === STDIN) session.closeStdin();
      else if (channel === RESIZE) {
        try {
          const size = JSON.parse(body.toString("utf8")) as { Width?: number; Height?: number };
          session.resize?.(size.Width ?? 80, size.Height ?? 24);
        } catch {
          /* ignore a malformed resize */
        }
      }
    });
    ws.on("close", () => session.closeStdin());
    void session.exit.then((code) => {
      // An attach ends when the container's streams close: Success whatever the process's exit code
      // (the kubelet reports no exit code for attach; kubectl reads it from the pod's status).
      send(ERROR, JSON.stringify(exitStatus(command === undefined ? 0 : code, command)));
      ws.close(1000);
    });
  });
}

export type { PodExecSource };
