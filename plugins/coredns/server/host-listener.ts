import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { onTcpMessages, tcpFrame } from "./stack-listeners.js";
import { UdpWorkerPool, type UdpWorkerOptions } from "./udp-workers.js";

/** How a query reaching the host port gets its answer (relayed into the cluster network). */
export type DnsRelay = (query: Uint8Array, protocol: "udp" | "tcp") => Promise<Uint8Array | undefined>;

/** A real UDP+TCP DNS listener on the host. */
export interface HostDnsListener {
  readonly host: string;
  readonly port: number;
  /** The worker processes answering UDP, when the listener was given some. */
  readonly workers?: UdpWorkerPool;
  close(): Promise<void>;
}

/**
 * Listens on a real host address, UDP and TCP on the same port (`port` 0: a free one, the same for
 * both), and answers each query through `relay`. Rejects with the bind error (EADDRINUSE ...).
 * With `udpWorkers`, UDP queries are answered by worker processes instead (see
 * {@link UdpWorkerPool}) once they are ready; `relay` answers TCP, and UDP until then.
 */
export async function listenOnHost(host: string, port: number, relay: DnsRelay, options: { udpWorkers?: UdpWorkerOptions } = {}): Promise<HostDnsListener> {
  for (let attempt = 0; ; attempt++) {
    const tcp = createServer((conn) => {
      conn.on("error", () => undefined);
      onTcpMessages(conn, (m) => {
        void relay(m, "tcp").then((out) => {
          if (out && !conn.destroyed) conn.write(tcpFrame(out));
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(port, host, () => resolve());
    });
    const actual = (tcp.address() as { port: number }).port;
    const udp: Socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once("error", reject);
        udp.bind(actual, host, () => resolve());
      });
    } catch (err) {
      await close(tcp, undefined);
      // A free TCP port whose UDP twin is taken: try another when any port would do.
      if (port === 0 && attempt < 5) continue;
      throw err;
    }
    udp.on("error", () => undefined);
    udp.on("message", (msg, rinfo) => {
      void relay(msg, "udp").then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    if (!options.udpWorkers) return { host, port: actual, close: () => close(tcp, udp) };
    let workers: UdpWorkerPool;
    try {
      workers = await UdpWorkerPool.start(udp, options.udpWorkers);
    } catch (err) {
      await close(tcp, udp);
      throw err;
    }
    // The workers hold their own copies of the socket: this process stops reading it.
    udp.close();
    return {
      host,
      port: actual,
      workers,
      close: async () => {
        await workers.stop();
        await close(tcp, undefined);
      },
    };
  }
}

function close(tcp: Server, udp: Socket | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      udp?.close();
    } catch {
      /* already closed */
    }
    tcp.close(() => resolve());
  });
}
