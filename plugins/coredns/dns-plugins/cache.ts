import type { Answer } from "dns-packet";
import { fqdn, matchZone } from "../corefile/address.js";
import { CacheShards } from "./cache-shards.js";
import type { Directive } from "../corefile/parse.js";
import { Rcode, type DnsPluginDefinition, type DnsReply, type DnsRequest } from "../server/handler.js";
import { markTtlShifted, reusableOf, type ReplayLease } from "../server/ttl-shifted-replies.js";

interface Policy {
  capacity: number;
  maxTtl: number;
  minTtl: number;
  disabledZones?: string[];
}

interface Entry {
  reply: DnsReply;
  stored: number;
  ttl: number;
  kind: "success" | "denial";
  hits: number;
  firstHit: number;
  prefetching?: boolean;
  /** The reply the last hit served, by its TTL shift and the question's spelling. */
  served?: { shift: number; name: string; reply: DnsReply };
  /** Set once the entry left the cache (deleted, evicted, replaced): its lease renews no more. */
  removed?: boolean;
  /** Lets the server replay this entry's packed answer while it stays current (made on first hit). */
  lease?: ReplayLease;
}

const DEFAULT_CAPACITY = 9984;

function ttlOf(r: DnsReply, kind: "success" | "denial"): number {
  if (kind === "denial") {
    const soa = r.authorities.find((a) => a.type === "SOA") as Extract<Answer, { type: "SOA" }> | undefined;
    return soa ? Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0) : 0;
  }
  let min = Infinity;
  for (const a of [...r.answers, ...r.authorities]) if (a.type !== "OPT") min = Math.min(min, (a as { ttl?: number }).ttl ?? 0);
  return min === Infinity ? 0 : min;
}

/** Whether `r`'s answers for the question's name already carry its spelling (as a hit's would). */
function spelledAsAsked(r: DnsReply, name: string): boolean {
  const lower = name.toLowerCase();
  for (const a of r.answers) if (a.name !== name && a.name.toLowerCase() === lower) return false;
  return true;
}

function withTtl(answers: Answer[], elapsed: number): Answer[] {
  return answers.map((a) => (a.type === "OPT" ? a : ({ ...a, ttl: Math.max(0, ((a as { ttl?: number }).ttl ?? 0) - elapsed) } as Answer)));
}

/**
 * `cache [TTL] [ZONES...]` with `success`, `denial`, `prefetch`, `disable`, `serve_stale`
 * options: keeps positive answers (TTL capped at 3600 s, or TTL) and negative ones (NXDOMAIN and
 * NODATA, for the SOA minimum capped at 1800 s, or TTL), counting down their TTLs, evicting the
 * oldest past the capacity, and refreshing popular entries before they expire (prefetch).
 */
export const cachePlugin: DnsPluginDefinition = {
  name: "cache",
  setup(s) {
    const args = [...s.directive.args];
    const success: Policy = { capacity: DEFAULT_CAPACITY, maxTtl: 3600, minTtl: 5 };
    const denial: Policy = { capacity: DEFAULT_CAPACITY, maxTtl: 1800, minTtl: 5 };
    if (args[0] !== undefined && /^\d+$/.test(args[0])) {
      const t = Number(args.shift());
      success.maxTtl = denial.maxTtl = t;
      if (t < success.minTtl) success.minTtl = denial.minTtl = t;
    }
    const zones = args.length ? args.map(fqdn) : [...s.zones];
    let prefetch: { amount: number; windowMs: number; percentage: number } | undefined;
    let serveStaleMs = 0;
    const policyArgs = (sub: Directive, p: Policy): void => {
      if (sub.args.length < 1 || sub.args.length > 3) throw s.reader.argError(sub.line, sub.name);
      p.capacity = s.reader.integer(sub.args[0]!, sub.line, "capacity");
      if (sub.args[1] !== undefined) p.maxTtl = s.reader.integer(sub.args[1], sub.line, "TTL");
      if (sub.args[2] !== undefined) p.minTtl = s.reader.integer(sub.args[2], sub.line, "minimum TTL");
    };
    for (const sub of s.directive.block ?? []) {
      if (sub.name === "success") policyArgs(sub, success);
      else if (sub.name === "denial") policyArgs(sub, denial);
      else if (sub.name === "prefetch") {
        if (sub.args.length < 1) throw s.reader.argError(sub.line, "prefetch");
        const pct = sub.args.find((a) => a.endsWith("%"));
        const dur = sub.args.slice(1).find((a) => !a.endsWith("%"));
        prefetch = { amount: s.reader.integer(sub.args[0]!, sub.line, "amount"), windowMs: dur ? s.reader.duration(dur, sub.line) : 60_000, percentage: pct ? Number(pct.slice(0, -1)) : 10 };
      } else if (sub.name === "serve_stale") serveStaleMs = sub.args[0] ? s.reader.duration(sub.args[0], sub.line) : 3_600_000;
      else if (sub.name === "disable") {
        const which = sub.args[0];
        if (which !== "success" && which !== "denial") throw s.reader.error(`cache type for disable must be "success" or "denial"`, sub.line);
        (which === "success" ? success : denial).disabledZones = sub.args.length > 1 ? sub.args.slice(1).map(fqdn) : [...zones];
      } else if (sub.name === "keepttl" || sub.name === "servfail") continue;
      else throw s.reader.unknown(sub);
    }
    // One store per kind, sharded with random eviction as CoreDNS's.
    const removed = (e: Entry): void => void (e.removed = true);
    const byKind = { success: new CacheShards<Entry>(success.capacity, s.env.random, removed), denial: new CacheShards<Entry>(denial.capacity, s.env.random, removed) };
    const m = s.metrics;
    m.define("coredns_cache_entries", "gauge", "The number of elements in the cache.", ["server", "type", "zones", "view"]);
    m.define("coredns_cache_hits_total", "counter", "The count of cache hits.", ["server", "type", "zones", "view"]);
    m.define("coredns_cache_misses_total", "counter", "The count of cache misses. Deprecated, derive misses from cache hits/requests counters.", ["server", "zones", "view"]);
    m.define("coredns_cache_requests_total", "counter", "The count of cache requests.", ["server", "zones", "view"]);
    m.define("coredns_cache_prefetch_total", "counter", "The number of times the cache has prefetched a cached item.", ["server", "zones", "view"]);
    m.define("coredns_cache_evictions_total", "counter", "The count of cache evictions.", ["server", "type", "zones", "view"]);
    const server = `dns://:${s.port}`;
    const zonesLabel = zones.join(" ");
    const clock = s.env.clock;
    // Label sets built once: the hit path must not allocate them per query.
    const labelsOf = { success: { server, type: "success", zones: zonesLabel, view: "" }, denial: { server, type: "denial", zones: zonesLabel, view: "" } };
    const zoneLabels = { server, zones: zonesLabel, view: "" };
    // Series handles resolved once: a query moves counters, it does not look them up.
    const requests = m.series("coredns_cache_requests_total", zoneLabels);
    const misses = m.series("coredns_cache_misses_total", zoneLabels);
    const hits = { success: m.series("coredns_cache_hits_total", labelsOf.success), denial: m.series("coredns_cache_hits_total", labelsOf.denial) };

    /** Stores `r` for `key` when cacheable; returns the new entry. */
    const store = (key: string, req: Pick<DnsRequest, "name">, r: DnsReply): Entry | undefined => {
      if (r.rcode !== Rcode.NOERROR && r.rcode !== Rcode.NXDOMAIN) return undefined;
      const kind = r.rcode === Rcode.NOERROR && r.answers.length > 0 ? "success" : "denial";
      const p = kind === "success" ? success : denial;
      if (p.capacity === 0 || (p.disabledZones && matchZone(p.disabledZones, req.name))) return undefined;
      const ttl = Math.min(p.maxTtl, Math.max(p.minTtl, ttlOf(r, kind)));
      if (ttl <= 0) return undefined;
      byKind.success.delete(key);
      byKind.denial.delete(key);
      const entries = byKind[kind];
      const now = clock.now();
      const e: Entry = { reply: r, stored: now, ttl, kind, hits: 0, firstHit: now };
      if (entries.add(key, e)) m.inc("coredns_cache_evictions_total", labelsOf[kind]);
      m.set("coredns_cache_entries", labelsOf[kind], entries.size);
      return e;
    };

    /**
     * Counts a hit on a fresh entry for prefetch (with `apply`; without, only asks) and tells
     * whether this hit is the one that should refresh it.
     */
    const countPrefetchHit = (e: Entry, now: number, elapsed: number, apply: boolean): boolean => {
      if (!prefetch) return false;
      const restart = now - e.firstHit > prefetch.windowMs;
      const count = (restart ? 0 : e.hits) + 1;
      if (apply) {
        if (restart) e.firstHit = now;
        e.hits = count;
      }
      return count >= prefetch.amount && e.ttl - elapsed <= (e.ttl * prefetch.percentage) / 100 && !e.prefetching;
    };
    // A replayed hit is what a hit in serveDNS is while the entry is fresh and no refresh is due.
    const leaseOf = (key: string, e: Entry, name: string): ReplayLease => ({
      plugin: "cache",
      refill(now, allowed) {
        // What serveDNS does for a key it does not hold, or holds expired (without serve_stale):
        // a miss, the next plugin's reply stored — that reply being this entry's, still current.
        const expired = !e.removed && Math.floor((now - e.stored) / 1000) >= e.ttl;
        if (!e.removed && !expired) return undefined;
        if (expired && serveStaleMs > 0) return undefined;
        // Replaced by a newer entry: that one answers (a hit), not a miss.
        if (e.removed && (byKind.success.get(key) ?? byKind.denial.get(key))) return undefined;
        const reusable = reusableOf(e.reply);
        if (!reusable || !allowed(reusable.plugin) || !reusable.valid()) return undefined;
        if (expired) byKind[e.kind].delete(key);
        requests.inc();
        misses.inc();
        const stored = store(key, { name }, e.reply);
        if (!stored) return undefined;
        return (stored.lease = leaseOf(key, stored, name));
      },
      renew(now) {
        // Still the entry stored under its key (no lookup: leaving the cache marks it).
        if (e.removed) return undefined;
        const elapsed = Math.floor((now - e.stored) / 1000);
        if (elapsed >= e.ttl || countPrefetchHit(e, now, elapsed, false)) return undefined;
        countPrefetchHit(e, now, elapsed, true);
        requests.inc();
        hits[e.kind].inc();
        return elapsed;
      },
    });

    return {
      handler: (next) => ({
        name: "cache",
        async serveDNS(req) {
          if (!matchZone(zones, req.name)) return next.serveDNS(req);
          const key = `${req.type}|${req.name}|${req.edns?.dnssecOk ? 1 : 0}`;
          requests.inc();
          const now = clock.now();
          const e = byKind.success.get(key) ?? byKind.denial.get(key);
          if (e) {
            const elapsed = Math.floor((now - e.stored) / 1000);
            const fresh = elapsed < e.ttl;
            if (fresh || now - e.stored < e.ttl * 1000 + serveStaleMs) {
              hits[e.kind].inc();
              if (prefetch && fresh && countPrefetchHit(e, now, elapsed, true)) {
                e.prefetching = true;
                m.inc("coredns_cache_prefetch_total", zoneLabels);
                void next.serveDNS(req).then((r) => store(key, req, r), () => (e.prefetching = false));
              }
              if (!fresh) void next.serveDNS(req).then((r) => store(key, req, r), () => undefined);
              const shift = fresh ? elapsed : e.ttl;
              const name = req.question.name;
              // Replies are immutable once returned: within one second, a query written in the
              // same case gets the very reply the previous hit built.
              const last = e.served;
              if (last && last.shift === shift && last.name === name) return last.reply;
              const lower = name.toLowerCase();
              const rename = (a: Answer): Answer => (a.name.toLowerCase() === lower ? ({ ...a, name } as Answer) : a);
              const served: DnsReply = { ...e.reply, answers: withTtl(e.reply.answers, shift).map(rename), authorities: withTtl(e.reply.authorities, shift), additionals: withTtl(e.reply.additionals, shift), question: req.question };
              e.served = { shift, name, reply: served };
              markTtlShifted(served, e.reply, shift, (e.lease ??= leaseOf(key, e, req.name)));
              return served;
            }
            byKind[e.kind].delete(key);
          }
          misses.inc();
          const r = await next.serveDNS(req);
          const stored = store(key, req, r);
          // What was stored is what the next hits serve (TTLs counted down from 0 s): the server
          // may answer them from this reply's bytes already.
          if (stored && spelledAsAsked(r, req.question.name)) markTtlShifted(r, r, 0, (stored.lease = leaseOf(key, stored, req.name)));
          return r;
        },
      }),
    };
  },
};
