import type { Answer } from "dns-packet";
import { fqdn, matchZone, isSubdomain } from "../corefile/address.js";
import { Rcode, type DnsPluginDefinition } from "../server/handler.js";
import { aRecord, ptrRecord, reverseToIp, wireName } from "../server/records.js";

interface HostsTable {
  byName: Map<string, string[]>;
  byIp: Map<string, string[]>;
}

function parseHosts(text: string, into: HostsTable): void {
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const [ip, ...names] = line.split(/\s+/);
    if (!ip || !/^[\d.]+$|:/.test(ip)) continue;
    for (const n of names) {
      const name = fqdn(n);
      into.byName.set(name, [...(into.byName.get(name) ?? []), ip]);
      into.byIp.set(ip, [...(into.byIp.get(ip) ?? []), name]);
    }
  }
}

/**
 * `hosts [FILE [ZONES...]] { INLINE; ttl SECONDS; no_reverse; reload DURATION; fallthrough }`:
 * answers A/AAAA (and PTR unless `no_reverse`) from a hosts file (default /etc/hosts, re-read
 * every `reload`, default 5s) and inline entries. A name present without the asked family is
 * NODATA; an absent one NXDOMAIN unless `fallthrough`.
 */
export const hostsPlugin: DnsPluginDefinition = {
  name: "hosts",
  setup(s) {
    const [file = "/etc/hosts", ...zoneArgs] = s.directive.args;
    const zones = zoneArgs.length ? zoneArgs.map(fqdn) : [...s.zones];
    let ttl = 3600;
    let reverse = true;
    let reloadMs = 5000;
    let fallthrough: string[] | undefined;
    let inline = "";
    for (const sub of s.directive.block ?? []) {
      if (sub.name === "ttl") ttl = s.reader.integer(sub.args[0] ?? "", sub.line, "ttl");
      else if (sub.name === "no_reverse") reverse = false;
      else if (sub.name === "reload") reloadMs = s.reader.duration(sub.args[0] ?? "", sub.line);
      else if (sub.name === "fallthrough") fallthrough = sub.args.map(fqdn);
      else if (/^[\d.]+$|:/.test(sub.name)) inline += `${sub.name} ${sub.args.join(" ")}\n`;
      else throw s.reader.unknown(sub);
    }
    let table: HostsTable | undefined;
    let loadedAt = -Infinity;
    const current = (): HostsTable => {
      const now = s.env.clock.now();
      if (!table || (reloadMs > 0 && now - loadedAt >= reloadMs)) {
        const t: HostsTable = { byName: new Map(), byIp: new Map() };
        parseHosts(inline, t);
        parseHosts(s.env.readFile(file) ?? "", t);
        table = t;
        loadedAt = now;
      }
      return table;
    };
    return {
      handler: (next) => ({
        name: "hosts",
        async serveDNS(req) {
          const zone = matchZone(zones, req.name);
          if (!zone) return next.serveDNS(req);
          const t = current();
          const qname = wireName(req.question.name);
          let answers: Answer[] | undefined;
          if (req.type === "PTR" && reverse) {
            const ip = reverseToIp(req.name);
            const names = ip ? t.byIp.get(ip) : undefined;
            if (names) answers = names.map((n) => ptrRecord(qname, ttl, n));
          } else {
            const ips = t.byName.get(req.name);
            if (ips) answers = ips.filter((ip) => (req.type === "A" && !ip.includes(":")) || (req.type === "AAAA" && ip.includes(":"))).map((ip) => aRecord(qname, ttl, ip));
          }
          if (answers) return { rcode: Rcode.NOERROR, authoritative: true, answers, authorities: [], additionals: [], plugin: "hosts" };
          if (fallthrough && (fallthrough.length === 0 || fallthrough.some((z) => isSubdomain(z, req.name)))) return next.serveDNS(req);
          return { rcode: Rcode.NXDOMAIN, authoritative: true, answers: [], authorities: [], additionals: [], plugin: "hosts" };
        },
      }),
    };
  },
};
