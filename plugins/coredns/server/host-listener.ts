import { createSocket, type Socket } from "node:dgram";
import { lookup, type LookupOneOptions } from "node:dns";
import { createServer, isIP, type Server } from "node:net";
import { onTcpMessages, tcpFrame } from "./stack-listeners.js";
import { UdpWorkerPool, type UdpWorkerOptions } from "./udp-workers.js";

/** How a query reaching the host port gets its answer (relayed into the cluster network). */
export type DnsRelay = (query: Uint8Array, protocol: "udp" | "tcp") => Promise<Uint8Array | undefined>;

/** Answers a query at once when it can (a packed cache answer), else undefined: the relay answers. */
export type DnsQuickAnswer = (query: Buffer, protocol: "udp" | "tcp") => Uint8Array | undefined;

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
 * {@link UdpWorkerPool}) once they are ready; `relay` answers TCP, and UDP until then. With
 * `quick`, each datagram is first offered to it and sent back in the same turn when it answers.
 */
export async function listenOnHost(host: string, port: number, relay: DnsRelay, options: { udpWorkers?: UdpWorkerOptions; quick?: DnsQuickAnswer } = {}): Promise<HostDnsListener> {
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
    // Replies go to the sender's literal address: no resolver turn per datagram.
    const udp: Socket = createSocket({ type: host.includes(":") ? "udp6" : "udp4", lookup: literalAddress });
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
    const quick = options.quick;
    udp.on("message", (msg, rinfo) => {
      const now = quick?.(msg, "udp");
      if (now) return void udp.send(now, rinfo.port, rinfo.address);
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

/** dgram's `lookup`: an IP literal (a datagram's source) as it is, at once; names through the resolver. */
function literalAddress(address: string, options: LookupOneOptions | number, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const literal = isIP(address);
  if (literal) callback(null, address, literal);
  // dgram passes the socket's family as a number.
  else lookup(address, typeof options === "number" ? { family: options } : options, callback);
}
