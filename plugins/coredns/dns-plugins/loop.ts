import dnsPacket from "dns-packet";
import type { DnsPluginDefinition } from "../server/handler.js";

/**
 * `loop`: at startup the server sends itself a random `HINFO` query for
 * `<n>.<n>.<zone>`; when the query comes back more than twice (an upstream that forwards to this
 * server) the process stops with CoreDNS's fatal message, as a pod whose node resolver points at
 * CoreDNS crash-loops.
 */
export const loopPlugin: DnsPluginDefinition = {
  name: "loop",
  setup(s) {
    if (s.directive.args.length) throw s.reader.argError();
    const zone = s.zones[0] ?? ".";
    const r = s.env.random;
    const probe = `${r.int(1 << 30)}.${r.int(1 << 30)}.${zone === "." ? "" : zone}`;
    let seen = 0;
    let disabled = false;
    return {
      startup() {
        // After the listeners are up: the probe goes out like any query to 127.0.0.1.
        s.env.clock.setTimeout(() => {
          if (disabled) return;
          const query = dnsPacket.encode({ id: r.int(65536), type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: probe.replace(/\.$/, ""), type: "HINFO", class: "IN" }] });
          s.env.transport.exchange(query, "127.0.0.1", s.port, { protocol: "udp", timeoutMs: 2000 }).then(
            () => (disabled = true),
            () => (disabled = true),
          );
        }, 0);
      },
      shutdown() {
        disabled = true;
      },
      handler: (next) => ({
        name: "loop",
        async serveDNS(req) {
          if (!disabled && req.type === "HINFO" && req.name === probe) {
            seen++;
            if (seen > 2) {
              disabled = true;
              s.env.fatal(`plugin/loop: Loop (${req.remoteAddress}:${req.remotePort} -> :${s.port}) detected for zone "${zone}", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${probe}"`);
            }
          }
          return next.serveDNS(req);
        },
      }),
    };
  },
};
