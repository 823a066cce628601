import type { Answer } from "dns-packet";
import { fqdn, matchZone, isSubdomain } from "../corefile/address.js";
import { Rcode, type DnsPluginDefinition, type DnsRequest } from "../server/handler.js";
import { wireName } from "../server/records.js";

const RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

/** Parses one resource record in zone-file text (`name TTL [IN] TYPE RDATA`). */
export function parseRecord(text: string): Answer {
  const parts = text.trim().split(/\s+/);
  const name = parts.shift();
  if (!name) throw new Error(`empty resource record`);
  let ttl = 0;
  if (parts[0] && /^\d+$/.test(parts[0])) ttl = Number(parts.shift());
  if (parts[0] === "IN") parts.shift();
  const type = parts.shift()?.toUpperCase();
  const n = wireName(fqdn(name));
  switch (type) {
    case "A":
    case "AAAA":
      return { name: n, type, class: "IN", ttl, data: parts[0] ?? "" };
    case "CNAME":
    case "PTR":
    case "NS":
      return { name: n, type, class: "IN", ttl, data: wireName(fqdn(parts[0] ?? "")) };
    case "TXT":
      return { name: n, type, class: "IN", ttl, data: [parts.join(" ").replace(/^"|"$/g, "")] };
    case "SRV":
      return { name: n, type, class: "IN", ttl, data: { priority: Number(parts[0]), weight: Number(parts[1]), port: Number(parts[2]), target: wireName(fqdn(parts[3] ?? "")) } };
    case "MX":
      return { name: n, type, class: "IN", ttl, data: { preference: Number(parts[0]), exchange: wireName(fqdn(parts[1] ?? "")) } };
    default:
      throw new Error(`unsupported record type ${type ?? "(none)"} in "${text}"`);
  }
}

/** Expands CoreDNS template placeholders: `{{ .Name }}`, `{{ .Zone }}`, `{{ .Type }}`, `{{ .Class }}`, `{{ index .Match N }}`, `{{ .Group.name }}`, `{{ .Remote }}`. */
function expand(tpl: string, req: DnsRequest, zone: string, m: RegExpExecArray): string {
  return tpl.replace(/\{\{\s*(.*?)\s*\}\}/g, (_x, expr: string) => {
    if (expr === ".Name") return req.name;
    if (expr === ".Zone") return zone;
    if (expr === ".Type") return req.type;
    if (expr === ".Class") return req.question.class ?? "IN";
    if (expr === ".Remote") return req.remoteAddress;
    const idx = /^index \.Match (\d+)$/.exec(expr);
    if (idx) return m[Number(idx[1])] ?? "";
    const group = /^\.Group\.(\w+)$/.exec(expr);
    if (group) return m.groups?.[group[1]!] ?? "";
    return "";
  });
}

/**
 * `template CLASS TYPE [ZONE...] { match REGEX...; answer RR; additional RR; authority RR;
 * rcode CODE; fallthrough [ZONE...] }`: answers queries whose name matches a regex with records
 * built from templates.
 */
export const templatePlugin: DnsPluginDefinition = {
  name: "template",
  repeatable: true,
  setup(s) {
    const [cls, type, ...zoneArgs] = s.directive.args;
    if (!cls || !type) throw s.reader.argError();
    const zones = zoneArgs.length ? zoneArgs.map(fqdn) : [...s.zones];
    const matches: RegExp[] = [];
    const answers: string[] = [];
    const additionals: string[] = [];
    const authorities: string[] = [];
    let rcode = Rcode.NOERROR as number;
    let fallthrough: string[] | undefined;
    for (const sub of s.directive.block ?? []) {
      const text = sub.args.join(" ");
      if (sub.name === "match") {
        for (const a of sub.args) {
          try {
            // Go's (?P<name>...) is JavaScript's (?<name>...).
            matches.push(new RegExp(a.replace(/\(\?P</g, "(?<"), "i"));
          } catch (err) {
            throw s.reader.error(`invalid regex '${a}': ${(err as Error).message}`, sub.line);
          }
        }
      } else if (sub.name === "answer") answers.push(text);
      else if (sub.name === "additional") additionals.push(text);
      else if (sub.name === "authority") authorities.push(text);
      else if (sub.name === "rcode") {
        if (!(sub.args[0]! in RCODES)) throw s.reader.error(`unknown rcode ${sub.args[0] ?? ""}`, sub.line);
        rcode = RCODES[sub.args[0]!]!;
      } else if (sub.name === "fallthrough") fallthrough = sub.args.map(fqdn);
      else throw s.reader.unknown(sub);
    }
    if (matches.length === 0) matches.push(/.*/);
    return {
      handler: (next) => ({
        name: "template",
        async serveDNS(req) {
          const zone = matchZone(zones, req.name);
          const typeOk = type === "ANY" || type.toUpperCase() === req.type;
          const classOk = cls === "ANY" || cls.toUpperCase() === (req.question.class ?? "IN");
          if (!zone || !typeOk || !classOk) return next.serveDNS(req);
          for (const re of matches) {
            const m = re.exec(req.name);
            if (!m) continue;
            const build = (list: string[]): Answer[] => list.map((t) => parseRecord(expand(t, req, zone, m)));
            const ans = build(answers).map((a) => (fqdn(a.name) === req.name ? ({ ...a, name: wireName(req.question.name) } as Answer) : a));
            return { rcode, authoritative: true, answers: ans, authorities: build(authorities), additionals: build(additionals), plugin: "template" };
          }
          if (fallthrough && (fallthrough.length === 0 || fallthrough.some((z) => isSubdomain(z, req.name)))) return next.serveDNS(req);
          return { rcode: Rcode.SERVFAIL, answers: [], authorities: [], additionals: [], plugin: "template" };
        },
      }),
    };
  },
};
