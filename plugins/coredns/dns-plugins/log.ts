import dnsPacket from "dns-packet";
import { matchZone, fqdn } from "../corefile/address.js";
import { Rcode, RCODE_NAMES, type DnsPluginDefinition, type DnsReply, type DnsRequest } from "../server/handler.js";

/** CoreDNS's default log format. */
export const COMMON_LOG_FORMAT = `{remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode} {>rflags} {rsize} {duration}`;

type ResponseClass = "success" | "denial" | "error";

function classify(r: DnsReply): ResponseClass {
  if (r.rcode === Rcode.NXDOMAIN || (r.rcode === Rcode.NOERROR && r.answers.length === 0)) return "denial";
  if (r.rcode === Rcode.NOERROR) return "success";
  return "error";
}

function flags(r: DnsReply, req: DnsRequest): string {
  const f = ["qr"];
  if (r.authoritative) f.push("aa");
  if (req.recursionDesired) f.push("rd");
  if (r.recursionAvailable) f.push("ra");
  return f.join(",");
}

/**
 * `log [NAMES...] [FORMAT]` with `{ class success|denial|error|all }`: one line per query in
 * CoreDNS's format, e.g.
 * `[INFO] 10.244.0.5:43127 - 4242 "A IN web.default.svc.cluster.local. udp 47 false 512" NOERROR qr,aa,rd 106 0.000123s`.
 */
export const logPlugin: DnsPluginDefinition = {
  name: "log",
  repeatable: true,
  setup(s) {
    const args = [...s.directive.args];
    let format = COMMON_LOG_FORMAT;
    if (args.length && args[args.length - 1]!.includes("{")) format = args.pop()!;
    const names = args.length ? args.map(fqdn) : ["."];
    const classes = new Set<string>();
    for (const sub of s.directive.block ?? []) {
      if (sub.name !== "class") throw s.reader.unknown(sub);
      if (sub.args.length === 0) throw s.reader.argError(sub.line, "class");
      for (const c of sub.args) {
        if (!["all", "success", "denial", "error"].includes(c)) throw s.reader.error(`unknown class: ${c}`, sub.line);
        classes.add(c);
      }
    }
    const all = classes.size === 0 || classes.has("all");
    return {
      handler: (next) => ({
        name: "log",
        async serveDNS(req) {
          const r = await next.serveDNS(req);
          if (!matchZone(names, req.name)) return r;
          if (!all && !classes.has(classify(r))) return r;
          const rsize = dnsPacket.encodingLength({ type: "response", questions: [req.question], answers: r.answers, authorities: r.authorities, additionals: r.additionals });
          const values: Record<string, string> = {
            remote: req.remoteAddress,
            port: String(req.remotePort),
            ">id": String(req.id),
            type: req.type,
            class: req.question.class ?? "IN",
            name: req.name,
            proto: req.protocol,
            size: String(req.size),
            ">do": String(req.edns?.dnssecOk ?? false),
            ">bufsize": String(req.protocol === "tcp" ? 65535 : Math.max(512, req.edns?.udpPayloadSize ?? 512)),
            rcode: RCODE_NAMES[r.rcode] ?? String(r.rcode),
            ">rflags": flags(r, req),
            rsize: String(rsize),
            duration: `${((s.env.clock.now() - req.start) / 1000).toFixed(9).replace(/0+$/, "").replace(/\.$/, "")}s`,
          };
          s.env.log("INFO", format.replace(/\{([>a-z]+)\}/g, (m, k: string) => values[k] ?? m));
          return r;
        },
      }),
    };
  },
};
