/**
 * A host-port DNS worker process (forked through node:cluster by {@link UdpWorkerPool}): loads the
 * Corefile it is sent with the built-in plugins, reads the cluster from replicas of its parent's
 * informers, and once ready answers UDP on the port it is told to bind (node:cluster shares one
 * socket between the workers). Loads the Corefile it is sent again on `reload`. Exits when the
 * parent goes away (its IPC channel closes) or on SIGTERM; SIGINT (a terminal's Ctrl-C reaching
 * the whole process group) is left to the parent, which stops it.
 */
import { createSocket, type Socket } from "node:dgram";
import { RealClock } from "../../../core/clock/real-clock.js";
import { SeededRandom } from "../../../core/clock/random.js";
import { BUILTIN_DNS_PLUGINS } from "../dns-plugins/builtins.js";
import { ReplicaInformers } from "../kubernetes/replica-informers.js";
import { DnsServer } from "./dns-server.js";
import type { DnsLog } from "./handler.js";
import type { FromWorker, ToWorker } from "./udp-workers.js";
import { literalAddress } from "./literal-lookup.js";

const send = (m: FromWorker): void => {
  if (process.connected) process.send!(m);
};
const informers = new ReplicaInformers((kind) => send({ t: "watch", kind }));
const exchanges = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
let nextExchange = 0;
let server: DnsServer | undefined;
let port = 53;
let files: Record<string, string> = {};

// Log lines go to the parent in batches, one message per turn of the event loop.
let lines: [Parameters<DnsLog>[0], string][] = [];
const log: DnsLog = (level, text) => {
  if (lines.length === 0) setImmediate(() => {
    send({ t: "log", lines });
    lines = [];
  });
  lines.push([level, text]);
};

async function init(m: Extract<ToWorker, { t: "init" }>): Promise<void> {
  port = m.port;
  files = m.files;
  server = new DnsServer(
    {
      clock: new RealClock(),
      random: new SeededRandom(m.seed),
      log,
      readFile: (path) => files[path],
      informers,
      transport: {
        exchange: (query, address, p, options) =>
          new Promise((resolve, reject) => {
            const id = nextExchange++;
            exchanges.set(id, { resolve, reject });
            send({ t: "exchange", id, query, address, port: p, protocol: options.protocol, timeoutMs: options.timeoutMs });
          }),
      },
      fatal: (message) => {
        send({ t: "failed", message });
        process.exit(1);
      },
      hostname: m.hostname,
    },
    new Map(BUILTIN_DNS_PLUGINS.map((d) => [d.name, d])),
  );
  await server.load(m.corefile);
  const s = server;
  const waitReady = (): void => {
    if (s.notReady().length === 0) send({ t: "ready" });
    else setTimeout(waitReady, 5);
  };
  waitReady();
}

function serve(socket: Socket): void {
  const s = server!;
  socket.on("error", () => undefined);
  // A packed answer reads only the port, transport and address family: one object per family.
  const quick4 = { protocol: "udp" as const, remoteAddress: "0.0.0.0", remotePort: 0, port };
  const quick6 = { ...quick4, remoteAddress: "::" };
  socket.on("message", (msg, rinfo) => {
    const packed = s.answerCached(msg, rinfo.family === "IPv6" ? quick6 : quick4);
    if (packed) return void socket.send(packed, rinfo.port, rinfo.address);
    s.handle(msg, { protocol: "udp", remoteAddress: rinfo.address, remotePort: rinfo.port, port }).then(
      (out) => {
        if (out) socket.send(out, rinfo.port, rinfo.address);
      },
      () => undefined,
    );
  });
  send({ t: "serving" });
}

process.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "init":
      init(m).catch((err: unknown) => {
        send({ t: "failed", message: err instanceof Error ? err.message : String(err) });
        setImmediate(() => process.exit(1));
      });
      break;
    case "bind": {
      // Through node:cluster: the parent's one socket for the address, shared by every worker.
      const socket = createSocket({ type: m.type, lookup: literalAddress });
      const refused = (err: NodeJS.ErrnoException): void => send({ t: "failed", message: `listen udp ${m.address}:${m.port}: bind: ${err.code === "EADDRINUSE" ? "address already in use" : err.message}` });
      socket.once("error", refused);
      socket.bind({ address: m.address, port: m.port, exclusive: false }, () => {
        socket.removeListener("error", refused);
        serve(socket);
      });
      break;
    }
    case "reload": {
      files = m.files;
      const text = m.corefile;
      // As the reload plugin: a Corefile that fails to load leaves the running one.
      server?.load(text).catch((err: unknown) => log("ERROR", `Restart failed: ${err instanceof Error ? err.message : String(err)}`));
      break;
    }
    case "events":
      informers.apply(m.kind, m.events);
      break;
    case "synced":
      informers.markSynced(m.kind);
      break;
    case "metrics":
      void server?.metrics.registry.getMetricsAsJSON().then((metrics) => send({ t: "metrics", id: m.id, metrics }));
      break;
    case "exchanged": {
      const e = exchanges.get(m.id);
      exchanges.delete(m.id);
      if (m.answer) e?.resolve(m.answer);
      else e?.reject(new Error(m.error ?? "exchange failed"));
      break;
    }
  }
});
process.on("disconnect", () => process.exit(0));
process.on("SIGINT", () => undefined);
send({ t: "listening" });
process.on("SIGTERM", () => {
  void server?.stop().finally(() => process.exit(0));
  if (!server) process.exit(0);
});
