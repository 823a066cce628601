import type { Answer } from "dns-packet";

/** Builders of resource records as dns-packet encodes them (names without the trailing dot). */

/** `web.default.svc.cluster.local.` → `web.default.svc.cluster.local` (the root stays `.`). */
export function wireName(name: string): string {
  return name === "." ? "." : name.replace(/\.$/, "");
}

export function aRecord(name: string, ttl: number, ip: string): Answer {
  return { name: wireName(name), type: ip.includes(":") ? "AAAA" : "A", class: "IN", ttl, data: ip };
}

export function cnameRecord(name: string, ttl: number, target: string): Answer {
  return { name: wireName(name), type: "CNAME", class: "IN", ttl, data: wireName(target) };
}

export function ptrRecord(name: string, ttl: number, target: string): Answer {
  return { name: wireName(name), type: "PTR", class: "IN", ttl, data: wireName(target) };
}

export function srvRecord(name: string, ttl: number, priority: number, weight: number, port: number, target: string): Answer {
  return { name: wireName(name), type: "SRV", class: "IN", ttl, data: { priority, weight, port, target: wireName(target) } };
}

export function txtRecord(name: string, ttl: number, text: string): Answer {
  return { name: wireName(name), type: "TXT", class: "IN", ttl, data: [text] };
}

/** The SOA CoreDNS's kubernetes plugin gives a zone: `ns.dns.<zone> hostmaster.<zone> <serial> 7200 1800 86400 <ttl>`. */
export function soaRecord(zone: string, ttl: number, serial: number): Answer {
  const z = zone === "." ? "" : zone;
  return { name: wireName(zone), type: "SOA", class: "IN", ttl, data: { mname: `ns.dns.${wireName(z) || ""}`.replace(/\.$/, ""), rname: `hostmaster.${wireName(z) || ""}`.replace(/\.$/, ""), serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl } };
}

/** The IP a reverse name stands for (`4.3.2.1.in-addr.arpa.` → `1.2.3.4`, nibble form for ip6.arpa), or undefined. */
export function reverseToIp(name: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.$/.exec(name);
  if (v4) {
    const o = v4.slice(1, 5).reverse();
    return o.every((x) => Number(x) <= 255) ? o.map(Number).join(".") : undefined;
  }
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa\.$/.exec(name);
  if (v6) {
    const nibbles = v6[1]!.split(".").filter(Boolean).reverse().join("");
    const groups = nibbles.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ""));
    return compressV6(groups);
  }
  return undefined;
}

function compressV6(groups: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

/** The reverse name of an IP (`10.96.0.10` → `10.0.96.10.in-addr.arpa.`). */
export function ipToReverse(ip: string): string {
  if (!ip.includes(":")) return `${ip.split(".").reverse().join(".")}.in-addr.arpa.`;
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return `${groups.map((g) => g.padStart(4, "0")).join("").split("").reverse().join(".")}.ip6.arpa.`;
}

/** `10.244.1.5` → `10-244-1-5`; IPv6 colons become dashes too. */
export function dashedIp(ip: string): string {
  return ip.replace(/[.:]/g, "-");
}
