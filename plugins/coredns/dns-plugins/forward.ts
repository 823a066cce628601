import dnsPacket, { type Answer, type DecodedPacket } from "dns-packet";
import { fqdn, isSubdomain } from "../corefile/address.js";
import { Rcode, RCODE_NAMES, reply, type DnsPluginDefinition, type DnsReply } from "../server/handler.js";
import { TIME_BUCKETS } from "../server/metrics.js";

interface Upstream {
  readonly address: string;
  readonly port: number;
}

/** CoreDNS's forward: each try waits 2 s for an answer; the whole exchange gives up after 5 s. */
const READ_TIMEOUT_MS = 2000;
const DEADLINE_MS = 5000;

/** Upstreams from `TO...` arguments: addresses (`8.8.8.8`, `dns://1.1.1.1:53`) or resolv.conf-style files. */
function upstreams(to: readonly string[], readFile: (path: string) => string | undefined, fail: (msg: string) => Error): Upstream[] {
  const out: Upstream[] = [];
  for (const t of to) {
    if (t.startsWith("/") || t.startsWith(".")) {
      const text = readFile(t);
      if (text === undefined) throw fail(`open ${t}: no such file or directory`);
      for (const m of text.matchAll(/^\s*nameserver\s+(\S+)/gm)) out.push({ address: m[1]!, port: 53 });
      continue;
    }
    const rest = t.replace(/^dns:\/\//, "");
    if (/^[a-z]+:\/\//.test(rest)) throw fail(`transport of ${t} is not supported (only dns://)`);
    const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(rest) ?? /^\[([0-9a-fA-F:]+)\](?::(\d+))?$/.exec(rest) ?? /^([0-9a-fA-F:]+)()$/.exec(rest);
    if (!m) throw fail(`not an IP address or file: "${t}"`);
    out.push({ address: m[1]!, port: m[2] ? Number(m[2]) : 53 });
  }
  if (out.length === 0) throw fail(`no nameservers found`);
  return out;
}

/**
 * `forward FROM TO... { except ZONES; max_concurrent N; policy random|round_robin|sequential;
 * force_tcp; prefer_udp; ... }`: queries under FROM are sent to the upstreams (addresses or the
 * nameservers of a resolv.conf) and their answers returned as they are. No answer from any
 * upstream within 5 s is an error (SERVFAIL, logged by `errors`); over `max_concurrent` queries in
 * flight are REFUSED.
 */
export const forwardPlugin: DnsPluginDefinition = {
  name: "forward",
  setup(s) {
    const [from, ...to] = s.directive.args;
    if (from === undefined || to.length === 0) throw s.reader.argError();
    const zone = fqdn(from);
    let except: string[] = [];
    let maxConcurrent = Infinity;
    let policy: "random" | "round_robin" | "sequential" = "random";
    let forceTcp = false;
    for (const sub of s.directive.block ?? []) {
      switch (sub.name) {
        case "except":
          except = sub.args.map(fqdn);
          break;
        case "max_concurrent":
          if (sub.args.length !== 1) throw s.reader.argError(sub.line, "max_concurrent");
          maxConcurrent = s.reader.integer(sub.args[0]!, sub.line, "max_concurrent");
          break;
        case "policy":
          if (sub.args[0] !== "random" && sub.args[0] !== "round_robin" && sub.args[0] !== "sequential") throw s.reader.error(`unknown policy '${sub.args[0] ?? ""}'`, sub.line);
          policy = sub.args[0];
          break;
        case "force_tcp":
          forceTcp = true;
          break;
        case "prefer_udp":
        case "expire":
        case "max_fails":
        case "health_check":
        case "tls":
        case "tls_servername":
        case "next":
        case "failfast_all_unhealthy_upstreams":
          break;
        default:
          throw s.reader.unknown(sub);
      }
    }
    const servers = upstreams(to, (p) => s.env.readFile(p), (msg) => s.reader.error(msg));
    const m = s.metrics;
    m.define("coredns_forward_requests_total", "counter", "Counter of requests made per upstream.", ["to"]);
    m.define("coredns_forward_responses_total", "counter", "Counter of responses received per upstream.", ["rcode", "to"]);
    m.define("coredns_forward_max_concurrent_rejects_total", "counter", "Counter of the number of queries rejected because the concurrent queries were at maximum.", []);
    m.define("coredns_forward_healthcheck_broken_total", "counter", "Counter of the number of complete failures of the healthchecks.", []);
    m.define("coredns_proxy_request_duration_seconds", "histogram", "Histogram of the time each request took.", ["proxy_name", "to", "rcode"], TIME_BUCKETS);
    m.define("coredns_proxy_conn_cache_misses_total", "counter", "Counter of connection cache misses per upstream and protocol.", ["proxy_name", "to", "proto"]);
    let inflight = 0;
    let rr = 0;
    const clock = s.env.clock;
    const order = (): Upstream[] => {
      if (policy === "sequential" || servers.length === 1) return servers;
      const k = policy === "round_robin" ? rr++ % servers.length : Math.floor(s.env.random.next() * servers.length);
      return [...servers.slice(k), ...servers.slice(0, k)];
    };
    return {
      handler: (next) => ({
        name: "forward",
        async serveDNS(req): Promise<DnsReply> {
          if (!isSubdomain(zone, req.name) || except.some((z) => isSubdomain(z, req.name))) return next.serveDNS(req);
          if (inflight >= maxConcurrent) {
            m.inc("coredns_forward_max_concurrent_rejects_total");
            return reply(Rcode.REFUSED, "forward");
          }
          inflight++;
          try {
            const query = dnsPacket.encode({
              id: Math.floor(s.env.random.next() * 65536),
              type: "query",
              flags: dnsPacket.RECURSION_DESIRED,
              questions: [req.question],
              ...(req.edns ? { additionals: [{ type: "OPT", name: ".", udpPayloadSize: req.edns.udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: req.edns.dnssecOk ? dnsPacket.DNSSEC_OK : 0, flag_do: req.edns.dnssecOk, options: [] } as Answer] } : {}),
            });
            const deadline = clock.now() + DEADLINE_MS;
            let lastError = "no healthy upstream";
            for (const u of order()) {
              const left = deadline - clock.now();
              if (left <= 0) break;
              const to = `${u.address}:${u.port}`;
              m.inc("coredns_forward_requests_total", { to });
              const started = clock.now();
              try {
                let proto: "udp" | "tcp" = forceTcp ? "tcp" : "udp";
                let bytes = await s.env.transport.exchange(query, u.address, u.port, { protocol: proto, timeoutMs: Math.min(READ_TIMEOUT_MS, left) });
                let res: DecodedPacket = dnsPacket.decode(Buffer.from(bytes));
                if (res.flag_tc && proto === "udp") {
                  proto = "tcp";
                  bytes = await s.env.transport.exchange(query, u.address, u.port, { protocol: proto, timeoutMs: Math.max(1, deadline - clock.now()) });
                  res = dnsPacket.decode(Buffer.from(bytes));
                }
                const rcode = (res.flags ?? 0) & 0xf;
                m.inc("coredns_forward_responses_total", { to, rcode: RCODE_NAMES[rcode] ?? String(rcode) });
                m.observe("coredns_proxy_request_duration_seconds", { proxy_name: "forward", to, rcode: RCODE_NAMES[rcode] ?? String(rcode) }, (clock.now() - started) / 1000);
                return {
                  rcode,
                  authoritative: res.flag_aa,
                  recursionAvailable: res.flag_ra,
                  answers: res.answers ?? [],
                  authorities: res.authorities ?? [],
                  additionals: (res.additionals ?? []).filter((a) => a.type !== "OPT"),
                  plugin: "forward",
                };
              } catch (err) {
                lastError = `read ${proto(forceTcp)} ${to}: ${err instanceof Error ? err.message : String(err)}`;
              }
            }
            throw new Error(lastError);
          } finally {
            inflight--;
          }
        },
      }),
    };
  },
};

function proto(forceTcp: boolean): string {
  return forceTcp ? "tcp" : "udp";
}
