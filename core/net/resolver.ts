import dnsPacket, { type Answer, type DecodedPacket } from "dns-packet";
import type { Clock } from "../clock/clock.js";
import type { NetworkStack } from "./sockets.js";

/**
 * The C library's stub resolver as container processes use it (getaddrinfo): `/etc/hosts` first,
 * then the nameservers of `/etc/resolv.conf` over UDP (TCP when the answer is truncated), trying
 * the `search` domains before or after the name as `ndots` says. What busybox's `nslookup` and
 * `wget`, and any image program, use to find a Service by name.
 */

export interface ResolvConf {
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  readonly ndots: number;
  /** Per-try timeout (`options timeout:N`, default 5 s). */
  readonly timeoutMs: number;
  /** Tries per nameserver (`options attempts:N`, default 2). */
  readonly attempts: number;
}

export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  let ndots = 1;
  let timeoutMs = 5000;
  let attempts = 2;
  for (const raw of text.split("\n")) {
    const [key, ...rest] = raw.replace(/[#;].*/, "").trim().split(/\s+/);
    if (key === "nameserver" && rest[0]) nameservers.push(rest[0]);
    else if (key === "search" || key === "domain") search = rest;
    else if (key === "options")
      for (const o of rest) {
        const [k, v] = o.split(":");
        if (k === "ndots") ndots = Math.min(15, Number(v));
        else if (k === "timeout") timeoutMs = Number(v) * 1000;
        else if (k === "attempts") attempts = Number(v);
      }
  }
  return { nameservers: nameservers.length ? nameservers : ["127.0.0.1"], search, ndots, timeoutMs, attempts };
}

/** What a process resolves with: its filesystem (resolv.conf, hosts), its namespace's sockets, the clock. */
export interface ResolverContext {
  readonly fs: { read(path: string): string | undefined };
  readonly net: NetworkStack;
  readonly clock: Clock;
}

/** Why a name did not resolve: NXDOMAIN, NODATA (the name exists without that type), SERVFAIL, REFUSED, TIMEOUT. */
export class ResolveError extends Error {
  override readonly name = "ResolveError";
  constructor(
    readonly code: "NXDOMAIN" | "NODATA" | "SERVFAIL" | "REFUSED" | "TIMEOUT",
    readonly query: string,
    readonly server: string,
  ) {
    super(`${query}: ${code}`);
  }
}

export interface Resolution {
  /** The name that answered (after the search path), without the trailing dot. */
  readonly name: string;
  readonly addresses: readonly string[];
  /** The server that answered (`/etc/hosts` for the hosts file). */
  readonly server: string;
  readonly answers: readonly Answer[];
}

const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

/** Sends one query to `server` and waits for its answer (TCP retry on TC). */
export async function exchange(ctx: ResolverContext, server: string, name: string, type: "A" | "AAAA" | "PTR" | "SRV" | "TXT" | "CNAME" | "MX" | "NS" | "SOA", timeoutMs: number, id = Math.floor(Math.random() * 65536)): Promise<DecodedPacket> {
  const query = dnsPacket.encode({ id, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: "IN" }] });
  const udp = await new Promise<DecodedPacket | undefined>((resolve) => {
    let sock: ReturnType<NetworkStack["bindUdp"]> | undefined;
    const timer = ctx.clock.setTimeout(() => done(undefined), timeoutMs);
    const done = (p: DecodedPacket | undefined): void => {
      ctx.clock.clearTimeout(timer);
      sock?.close();
      resolve(p);
    };
    try {
      sock = ctx.net.bindUdp(0, (msg) => {
        try {
          const p = dnsPacket.decode(Buffer.from(msg.data));
          if (p.id === id) done(p);
        } catch {
          /* not an answer */
        }
      });
      sock.send(query, server, 53);
    } catch {
      done(undefined);
    }
  });
  if (!udp) throw new ResolveError("TIMEOUT", name, server);
  if (!udp.flag_tc) return udp;
  const conn = await ctx.net.connect(server, 53, { timeoutMs });
  return new Promise<DecodedPacket>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = ctx.clock.setTimeout(() => {
      conn.destroy();
      reject(new ResolveError("TIMEOUT", name, server));
    }, timeoutMs);
    conn.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        ctx.clock.clearTimeout(timer);
        conn.destroy();
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    });
    const framed = Buffer.alloc(query.length + 2);
    framed.writeUInt16BE(query.length, 0);
    query.copy(framed, 2);
    conn.write(framed);
  });
}

/** The names to try for `name`, in order (search path and ndots as glibc applies them). */
export function candidates(name: string, conf: ResolvConf): string[] {
  if (name.endsWith(".")) return [name.slice(0, -1)];
  const dots = name.split(".").length - 1;
  const searched = conf.search.map((d) => `${name}.${d}`);
  return dots >= conf.ndots ? [name, ...searched] : [...searched, name];
}

/**
 * Resolves `name` to addresses of `type` (A by default). Names in /etc/hosts answer first.
 * Throws {@link ResolveError} with the last candidate's outcome when no candidate has addresses.
 */
export async function resolveHost(ctx: ResolverContext, name: string, options: { type?: "A" | "AAAA"; server?: string } = {}): Promise<Resolution> {
  const type = options.type ?? "A";
  const hosts = ctx.fs.read("/etc/hosts") ?? "";
  for (const line of hosts.split("\n")) {
    const [ip, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (ip && names.some((n) => n.toLowerCase() === name.toLowerCase().replace(/\.$/, "")) && ip.includes(":") === (type === "AAAA")) return { name, addresses: [ip], server: "/etc/hosts", answers: [] };
  }
  const conf = parseResolvConf(ctx.fs.read("/etc/resolv.conf") ?? "");
  const servers = options.server ? [options.server] : conf.nameservers;
  let last: ResolveError | undefined;
  for (const candidate of candidates(name, conf)) {
    let answered = false;
    for (let attempt = 0; attempt < conf.attempts && !answered; attempt++)
      for (const server of servers) {
        let res: DecodedPacket;
        try {
          res = await exchange(ctx, server, candidate, type, conf.timeoutMs);
        } catch (err) {
          last = err instanceof ResolveError ? err : new ResolveError("TIMEOUT", candidate, server);
          continue;
        }
        answered = true;
        const rcode = RCODES[(res.flags ?? 0) & 0xf] ?? "SERVFAIL";
        const addresses = (res.answers ?? []).filter((a) => a.type === type).map((a) => (a as { data: string }).data);
        if (rcode === "NOERROR" && addresses.length) return { name: candidate, addresses, server, answers: res.answers ?? [] };
        last = new ResolveError(rcode === "NOERROR" ? "NODATA" : (rcode as ResolveError["code"]), candidate, server);
        if (rcode !== "NOERROR" && rcode !== "NXDOMAIN") throw last;
        break;
      }
    if (!answered && last?.code === "TIMEOUT") throw last;
  }
  throw last ?? new ResolveError("NXDOMAIN", name, servers[0] ?? "");
}
