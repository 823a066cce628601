import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { literalAddress } from "./literal-lookup.js";
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
  /** The worker processes answering UDP, while some do. */
  readonly workers: UdpWorkerPool | undefined;
  /**
   * With `options`: starts worker processes with them and, once they are ready, hands them the UDP
   * port (this process stops reading it); resolves when they answer. Without: stops the workers
   * and answers UDP in this process again. When workers cannot start or bind, this process keeps
   * (or goes back to) answering and the error is thrown. Resolves to the workers serving.
   */
  useWorkers(options: UdpWorkerOptions | undefined): Promise<UdpWorkerPool | undefined>;
  close(): Promise<void>;
}

/**
 * Listens on a real host address, UDP and TCP on the same port (`port` 0: a free one, the same for
 * both), and answers each query through `relay`. Rejects with the bind error (EADDRINUSE ...).
 * With `udpWorkers`, UDP queries are answered by worker processes instead (see
 * {@link UdpWorkerPool}) once they are ready (rejecting when they cannot start); `relay` answers
 * TCP, and UDP until then. With `quick`, each datagram this process reads is first offered to it
 * and sent back in the same turn when it answers.
 */
export async function listenOnHost(host: string, port: number, relay: DnsRelay, options: { udpWorkers?: UdpWorkerOptions; quick?: DnsQuickAnswer } = {}): Promise<HostDnsListener> {
  const type = host.includes(":") ? "udp6" : "udp4";
  const quick = options.quick;
  const onDatagram = (udp: Socket) => (msg: Buffer, rinfo: RemoteInfo): void => {
    const now = quick?.(msg, "udp");
    if (now) return void udp.send(now, rinfo.port, rinfo.address);
    void relay(msg, "udp").then((out) => {
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
  };
  /** This process's UDP socket on `p`, answering through `quick` and `relay`. */
  const bindUdp = async (p: number): Promise<Socket> => {
    // Replies go to the sender's literal address: no resolver turn per datagram.
    const udp: Socket = createSocket({ type, lookup: literalAddress });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(p, host, () => {
        udp.removeListener("error", reject);
        resolve();
      });
    });
    udp.on("error", () => undefined);
    udp.on("message", onDatagram(udp));
    return udp;
  };
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
    let udp: Socket | undefined;
    try {
      udp = await bindUdp(actual);
    } catch (err) {
      await close(tcp, undefined);
      // A free TCP port whose UDP twin is taken: try another when any port would do.
      if (port === 0 && attempt < 5) continue;
      throw err;
    }
    let pool: UdpWorkerPool | undefined;
    /** Binds this process's socket again once the workers' is closed (node:cluster closes it as the last worker exits). */
    const takeBack = async (): Promise<void> => {
      for (let i = 0; ; i++) {
        try {
          udp = await bindUdp(actual);
          return;
        } catch (err) {
          if (i >= 20) throw err;
          await new Promise((r) => setTimeout(r, 25));
        }
      }
    };
    const listener: HostDnsListener = {
      host,
      port: actual,
      get workers() {
        return pool;
      },
      async useWorkers(o) {
        if (!o) {
          if (!pool) return undefined;
          const previous = pool;
          pool = undefined;
          await previous.stop();
          await takeBack();
          return undefined;
        }
        const next = await UdpWorkerPool.start(o);
        if (pool) {
          const previous = pool;
          pool = undefined;
          await previous.stop();
        } else {
          udp?.close();
          udp = undefined;
        }
        try {
          await next.serve(host, actual);
        } catch (err) {
          await next.stop();
          await takeBack();
          throw err;
        }
        pool = next;
        return next;
      },
      close: async () => {
        const p = pool;
        pool = undefined;
        await p?.stop();
        await close(tcp, udp);
      },
    };
    if (options.udpWorkers) {
      try {
        await listener.useWorkers(options.udpWorkers);
      } catch (err) {
        await listener.close();
        throw err;
      }
    }
    return listener;
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
