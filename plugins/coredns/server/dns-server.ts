import dnsPacket, { type Answer, type DecodedPacket, type Packet, type Question } from "dns-packet";
import { CorefileError, DirectiveReader, parseCorefile } from "../corefile/parse.js";
import { fqdn, matchZone, parseZoneAddress } from "../corefile/address.js";
import { DnsMetrics, type MetricSeries } from "./metrics.js";
import { pluginOrder } from "./plugin-order.js";
import { encodeCompact } from "./compact-encoder.js";
import { readPlainQuery } from "./query-header.js";
import { answersQuery, encodedTemplate, replayEncoded, ttlShiftOf, type EncodedTemplate, type ReplayLease } from "./ttl-shifted-replies.js";
import { Rcode, reply, type DnsEnvironment, type DnsHandler, type DnsPluginDefinition, type DnsPluginInstance, type DnsReply, type DnsRequest, type HttpEndpoint } from "./handler.js";

/** One server block bound to one port: its zones and its chain. */
interface ServerBlock {
  readonly zones: readonly string[];
  readonly port: number;
  readonly server: string;
  readonly chain: DnsHandler;
  metricsEnabled: boolean;
  /** Plugins whose replies may be replayed from bytes: every handler ahead of them is passive. */
  readonly replayable: ReadonlySet<string>;
  /** Plugins up to the one after the first non-passive handler: a lease may refill from their replies. */
  readonly refillable: ReadonlySet<string>;
}

/** A packed answer the server replays for one query form (see {@link DnsServer.answerCached}). */
interface PackedAnswer {
  /** The query form's port, transport and address family ({@link formOf}). */
  readonly form: number;
  readonly encoded: EncodedTemplate;
  lease: ReplayLease;
  /** The block's plugins a lease may refill from (see {@link ServerBlock.refillable}). */
  readonly refillable: ReadonlySet<string>;
  readonly series: QuerySeries | undefined;
}

/** Bound on packed answers kept per configuration (query forms: names × spellings × EDNS0 states). */
const PACKED_MAX = 65_536;

/** The series one kind of query moves. */
interface QuerySeries {
  readonly requests: MetricSeries;
  readonly responses: MetricSeries;
  readonly duration: MetricSeries;
  readonly requestSize: MetricSeries;
  readonly responseSize: MetricSeries;
}

/** A loaded Corefile: blocks by port and zone, plugin instances, HTTP endpoints. */
interface LoadedConfig {
  readonly text: string;
  readonly byPort: Map<number, Map<string, ServerBlock>>;
  readonly zonesByPort: Map<number, string[]>;
  readonly instances: { name: string; instance: DnsPluginInstance }[];
  readonly endpoints: HttpEndpoint[];
  /**
   * Packed answers by {@link packedHash} (one per hash: a colliding form replaces the other, and
   * a lookup compares the bytes); a reload starts a new configuration, hence an empty map.
   */
  readonly packed: Map<number, PackedAnswer>;
}

/** Where a query came from and how. */
export interface QueryInfo {
  readonly protocol: "udp" | "tcp";
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The port the query arrived on (selects the server blocks). */
  readonly port: number;
}

const OPCODE_QUERY = 0;
const TCP_MAX = 65535;

/**
 * A CoreDNS server process: a Corefile's server blocks, each an ordered chain of plugins, answering
 * DNS messages. Listeners (simulated sockets in a pod, real sockets on the host) hand it wire
 * bytes through {@link handle}; `load` swaps the configuration atomically (what reload does).
 */
export class DnsServer {
  readonly metrics = new DnsMetrics();
  /**
   * The series each kind of query moves, per server block by a number packing zone, proto,
   * family, type, rcode and plugin (no label string is built per query).
   */
  private readonly querySeries = new WeakMap<ServerBlock, Map<number, QuerySeries>>();
  /** The last encoding of each template reply (see ttl-shifted-replies.ts). */
  private readonly encodedTemplates = new WeakMap<DnsReply, EncodedTemplate>();
  /** Small numbers for the `plugin` label's values (part of the series key). */
  private readonly pluginIds = new Map<string, number>();
  private config: LoadedConfig | undefined;
  private readonly order: string[];
  private readonly reloadListeners = new Set<() => void>();

  constructor(
    private readonly env: DnsEnvironment,
    private readonly definitions: ReadonlyMap<string, DnsPluginDefinition>,
    private readonly options: { defaultPort?: number } = {},
  ) {
    this.order = pluginOrder([...definitions.values()]);
  }

  /** The Corefile text in use. */
  get corefile(): string | undefined {
    return this.config?.text;
  }

  /** The DNS ports the loaded Corefile serves. */
  ports(): number[] {
    return [...(this.config?.byPort.keys() ?? [])];
  }

  /** The HTTP endpoints plugins serve (health, ready, metrics). */
  endpoints(): readonly HttpEndpoint[] {
    return this.config?.endpoints ?? [];
  }

  /** Calls `fn` after every successful (re)load. */
  onLoad(fn: () => void): () => void {
    this.reloadListeners.add(fn);
    return () => this.reloadListeners.delete(fn);
  }

  /**
   * Parses `text`, sets up every plugin and starts them; on success the new configuration replaces
   * the old one (whose plugins are shut down). On error nothing changes and a {@link CorefileError}
   * (or the plugin's error) is thrown.
   */
  async load(text: string): Promise<void> {
    const next = this.build(text);
    try {
      for (const { instance } of next.instances) await instance.startup?.();
    } catch (err) {
      for (const { instance } of next.instances) await instance.shutdown?.();
      throw err;
    }
    const previous = this.config;
    this.config = next;
    if (previous) for (const { instance } of previous.instances) await instance.shutdown?.();
    for (const fn of this.reloadListeners) fn();
  }

  /** Shuts every plugin down. */
  async stop(): Promise<void> {
    const config = this.config;
    this.config = undefined;
    if (config) for (const { instance } of config.instances) await instance.shutdown?.();
  }

  /** How long to keep serving after a stop request (the longest lameduck of the loaded plugins). */
  lameduckMs(): number {
    return Math.max(0, ...(this.config?.instances ?? []).map((i) => i.instance.lameduckMs ?? 0));
  }

  /** Names of plugins that report themselves not ready. */
  notReady(): string[] {
    return (this.config?.instances ?? []).filter((i) => i.instance.ready && !i.instance.ready()).map((i) => i.name);
  }

  private build(text: string): LoadedConfig {
    const blocks = parseCorefile(text);
    const byPort = new Map<number, Map<string, ServerBlock>>();
    const instances: LoadedConfig["instances"] = [];
    const endpoints: HttpEndpoint[] = [];
    for (const block of blocks) {
      const addresses = block.keys.flatMap((k) => parseZoneAddress(k, block.line, this.options.defaultPort ?? 53));
      const ports = [...new Set(addresses.map((a) => a.port))];
      for (const port of ports) {
        const zones = addresses.filter((a) => a.port === port).map((a) => a.zone);
        const portBlocks = byPort.get(port) ?? new Map<string, ServerBlock>();
        for (const z of zones) if (portBlocks.has(z)) throw new CorefileError(block.line, `cannot serve dns://${z}:${port} - it is already defined`);
        const seen = new Set<string>();
        const links: { index: number; seq: number; name: string; instance: DnsPluginInstance }[] = [];
        const holder: { metrics?: boolean } = {};
        for (const d of block.directives) {
          const def = this.definitions.get(d.name);
          if (!def) throw new CorefileError(d.line, `Unknown directive '${d.name}'`);
          if (seen.has(d.name) && !def.repeatable) throw new CorefileError(d.line, `this plugin can only be used once per Server Block`, d.name);
          seen.add(d.name);
          let instance: DnsPluginInstance;
          try {
            instance = def.setup({
              directive: d,
              reader: new DirectiveReader(d),
              zones,
              port,
              env: this.env,
              metrics: this.metrics,
              serveHttp: (e) => {
                if (endpoints.some((x) => x.port === e.port && x.path === e.path)) return;
                endpoints.push(e);
              },
              notReady: () => this.notReady(),
              lookup: (name, type) => this.lookup(port, name, type),
              reload: (t) => this.load(t),
              corefile: text,
            });
          } catch (err) {
            if (err instanceof CorefileError) throw err;
            throw new CorefileError(d.line, err instanceof Error ? err.message : String(err), d.name);
          }
          if (d.name === "prometheus") holder.metrics = true;
          links.push({ index: this.order.indexOf(d.name), seq: links.length, name: d.name, instance });
          instances.push({ name: d.name, instance });
        }
        links.sort((a, b) => a.index - b.index || a.seq - b.seq);
        let chain: DnsHandler = { name: "", serveDNS: async () => reply(Rcode.SERVFAIL) };
        const handlers: (DnsHandler | undefined)[] = [];
        for (let i = links.length - 1; i >= 0; i--) {
          const h = links[i]!.instance.handler?.(chain);
          handlers[i] = h;
          chain = h ?? chain;
        }
        const replayable = new Set<string>();
        const refillable = new Set<string>();
        let active = 0;
        for (let i = 0; i < links.length && active < 2; i++) {
          if (active === 0) replayable.add(links[i]!.name);
          refillable.add(links[i]!.name);
          if (handlers[i] && !handlers[i]!.passive) active++;
        }
        const server = `dns://:${port}`;
        const sb: ServerBlock = { zones, port, server, chain, metricsEnabled: holder.metrics === true, replayable, refillable };
        for (const z of zones) portBlocks.set(z, sb);
        byPort.set(port, portBlocks);
        if (sb.metricsEnabled) for (const l of links) for (const z of zones) this.metrics.set("coredns_plugin_enabled", { server, zone: z, view: "", name: l.name }, 1);
      }
    }
    const zonesByPort = new Map<number, string[]>();
    for (const [port, m] of byPort) zonesByPort.set(port, [...m.keys()]);
    return { text, byPort, zonesByPort, instances, endpoints, packed: new Map() };
  }

  private blockFor(port: number, name: string): ServerBlock | undefined {
    const config = this.config;
    if (!config) return undefined;
    const zones = config.zonesByPort.get(port);
    if (!zones) return undefined;
    const zone = matchZone(zones, name);
    return zone === undefined ? undefined : config.byPort.get(port)!.get(zone);
  }

  /** Resolves `name`/`type` through the chain of the block serving it on `port` (upstream lookups by plugins). */
  async lookup(port: number, name: string, type: string): Promise<DnsReply> {
    const n = fqdn(name);
    const block = this.blockFor(port, n);
    if (!block) return reply(Rcode.REFUSED);
    return block.chain.serveDNS({ id: 0, question: { name: n.replace(/\.$/, ""), type: type as Question["type"], class: "IN" }, name: n, type, recursionDesired: true, protocol: "udp", remoteAddress: "127.0.0.1", remotePort: 0, size: 0, serverZone: matchZone(block.zones, n)!, server: block.server, start: this.env.clock.now() });
  }

  /**
   * Answers a decoded query: picks the server block by port and the most specific zone, runs its
   * chain, and returns the response message (not yet size-limited).
   */
  async answer(query: DecodedPacket, info: QueryInfo, size: number): Promise<Packet> {
    return (await this.answerMetered(query, info, size)).packet;
  }

  /** {@link answer}, with the response-size series the encoded response is observed in. */
  private async answerMetered(query: DecodedPacket, info: QueryInfo, size: number): Promise<{ packet: Packet; series?: QuerySeries; reply?: DnsReply; block?: ServerBlock }> {
    const start = this.env.clock.now();
    const q = query.questions?.[0];
    const opt = query.additionals?.find((a) => a.type === "OPT") as Extract<Answer, { type: "OPT" }> | undefined;
    const opcode = ((query.flags ?? 0) >> 11) & 0xf;
    const rd = query.flag_rd;
    if (opcode !== OPCODE_QUERY) return { packet: bareResponse(query, Rcode.NOTIMP) };
    if (!q || (query.questions?.length ?? 0) !== 1) return { packet: bareResponse(query, Rcode.FORMERR) };
    const name = fqdn(q.name);
    const block = this.blockFor(info.port, name);
    if (!block) return { packet: bareResponse(query, Rcode.REFUSED) };
    const serverZone = matchZone(block.zones, name)!;
    const type = String(q.type);
    const request: DnsRequest = {
      id: query.id ?? 0,
      question: q,
      name,
      type,
      recursionDesired: rd,
      protocol: info.protocol,
      remoteAddress: info.remoteAddress,
      remotePort: info.remotePort,
      size,
      serverZone,
      server: block.server,
      start,
      ...(opt ? { edns: { udpPayloadSize: opt.udpPayloadSize, dnssecOk: (opt.flags & dnsPacket.DNSSEC_OK) !== 0 } } : {}),
    };
    let r: DnsReply;
    try {
      r = await block.chain.serveDNS(request);
    } catch {
      r = reply(Rcode.SERVFAIL);
    }
    let s: QuerySeries | undefined;
    if (block.metricsEnabled) {
      const family = info.remoteAddress.includes(":") ? 2 : 1;
      const typeIndex = KNOWN_TYPES.get(type);
      const qtype = typeIndex === undefined ? "other" : type;
      const plugin = r.plugin ?? "";
      let pluginId = this.pluginIds.get(plugin);
      if (pluginId === undefined) this.pluginIds.set(plugin, (pluginId = this.pluginIds.size));
      // One lookup finds the handles of every series this kind of query moves.
      const k = pluginId * 2 ** 30 + block.zones.indexOf(serverZone) * 2 ** 20 + (typeIndex ?? KNOWN_TYPES.size) * 2 ** 14 + (r.rcode & 0xfff) * 4 + (info.protocol === "tcp" ? 2 : 0) + family - 1;
      let byKind = this.querySeries.get(block);
      if (!byKind) this.querySeries.set(block, (byKind = new Map()));
      s = byKind.get(k);
      if (!s) {
        const m = this.metrics;
        const zone = { server: block.server, zone: serverZone, view: "" };
        s = {
          requests: m.series("coredns_dns_requests_total", { ...zone, proto: info.protocol, family: String(family), type: qtype }),
          responses: m.series("coredns_dns_responses_total", { ...zone, rcode: RCODE_TEXT[r.rcode] ?? String(r.rcode), plugin }),
          duration: m.series("coredns_dns_request_duration_seconds", { ...zone, type: qtype }),
          requestSize: m.series("coredns_dns_request_size_bytes", { ...zone, proto: info.protocol }),
          responseSize: m.series("coredns_dns_response_size_bytes", { ...zone, proto: info.protocol }),
        };
        byKind.set(k, s);
      }
      s.requests.inc();
      s.responses.inc();
      s.duration.observe((this.env.clock.now() - start) / 1000);
      s.requestSize.observe(size);
    }
    const flags = (opcode << 11) | (rd ? dnsPacket.RECURSION_DESIRED : 0) | (r.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (r.recursionAvailable ? dnsPacket.RECURSION_AVAILABLE : 0) | (query.flag_cd ? dnsPacket.CHECKING_DISABLED : 0) | (r.rcode & 0xf);
    const additionals = [...r.additionals];
    if (opt) additionals.push({ type: "OPT", name: ".", udpPayloadSize: Math.max(512, opt.udpPayloadSize), extendedRcode: 0, ednsVersion: 0, flags: opt.flags & dnsPacket.DNSSEC_OK, flag_do: (opt.flags & dnsPacket.DNSSEC_OK) !== 0, options: [] } as Answer);
    const packet: Packet = { id: query.id ?? 0, type: "response", flags, questions: [q], answers: r.answers, authorities: r.authorities, additionals };
    return s ? { packet, series: s, reply: r, block } : { packet, reply: r, block };
  }

  /**
   * Answers one query in wire format and returns the response bytes, limited to what the transport
   * carries: over UDP 512 bytes or the client's EDNS0 size, records dropped from the end and TC set
   * when answers did not fit. Undefined when the message cannot even be read (no ID to answer to).
   */
  async handle(wire: Uint8Array, info: QueryInfo): Promise<Uint8Array | undefined> {
    let query: DecodedPacket;
    const buf = Buffer.isBuffer(wire) ? wire : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength);
    const packed = this.answerCached(buf, info);
    if (packed) return packed;
    try {
      // Most queries are one plain question (and EDNS0): read those without the general decoder.
      query = readPlainQuery(buf) ?? dnsPacket.decode(buf);
    } catch {
      if (buf.byteLength < 12) return undefined;
      const header = Buffer.from(buf.subarray(0, 12));
      header.writeUInt16BE(0x8000 | (header.readUInt16BE(2) & 0x7800) | Rcode.FORMERR, 2);
      header.fill(0, 4);
      return header;
    }
    if (query.type === "response") return undefined;
    const { packet, series, reply, block } = await this.answerMetered(query, info, buf.byteLength);
    const opt = query.additionals?.find((a) => a.type === "OPT") as Extract<Answer, { type: "OPT" }> | undefined;
    const limit = info.protocol === "tcp" ? TCP_MAX : Math.max(512, opt?.udpPayloadSize ?? 512);
    // A reply marked as an earlier one with lower TTLs (a cache hit) reuses that one's encoding
    // for the same query form: copied, with this query's ID and the TTLs counted down.
    const shifted = reply && ttlShiftOf(reply);
    const encoded = shifted && this.encodedTemplates.get(shifted.template);
    let bytes: Buffer;
    // The template these bytes are a copy of (for this query form), when there is one.
    let template: EncodedTemplate | undefined;
    if (shifted && encoded && answersQuery(encoded, buf, limit)) {
      bytes = replayEncoded(encoded, query.id ?? 0, shifted.shift);
      template = encoded;
    } else {
      bytes = encodeWithin(packet, limit);
      template = shifted && encodedTemplate(buf, limit, bytes, shifted.shift);
      if (shifted && template) this.encodedTemplates.set(shifted.template, template);
    }
    series?.responseSize.observe(bytes.byteLength);
    // A leased reply of a plugin only passive handlers stand in front of: later identical queries
    // are answered from these bytes (the lease counts their hits) without running the chain.
    const lease = shifted?.lease;
    const config = this.config;
    if (lease && template && block?.replayable.has(lease.plugin) && config && bytes.byteLength <= limit) {
      if (config.packed.size >= PACKED_MAX) config.packed.clear();
      const form = formOf(info);
      config.packed.set(packedHash(buf, form), { form, encoded: template, lease, refillable: block.refillable, series });
    }
    return bytes;
  }

  /**
   * Answers a query synchronously from a packed answer when an earlier query of the same form
   * (the same bytes after the ID, on the same port, transport and address family) was answered
   * by a leased reply (a cache hit) and the lease still renews: the bytes are copied with this
   * query's ID and the TTLs counted down, and the server's metrics move as a full answer moves
   * them. Undefined otherwise: the query then takes {@link handle}'s full path.
   */
  answerCached(buf: Buffer, info: QueryInfo): Buffer | undefined {
    const config = this.config;
    if (!config || config.packed.size === 0 || buf.byteLength < 17) return undefined;
    const form = formOf(info);
    const key = packedHash(buf, form);
    const p = config.packed.get(key);
    if (!p || p.form !== form || !sameTail(p.encoded.queryTail, buf)) return undefined;
    const start = this.env.clock.now();
    let shift = p.lease.renew(start);
    if (shift === undefined) {
      // The entry left or expired: a miss that would store the same reply again is made here.
      const lease = p.lease.refill?.(start, (plugin) => p.refillable.has(plugin));
      if (!lease) {
        config.packed.delete(key);
        return undefined;
      }
      p.lease = lease;
      shift = 0;
    }
    const out = replayEncoded(p.encoded, buf.readUInt16BE(0), shift);
    const s = p.series;
    if (s) {
      s.requests.inc();
      s.responses.inc();
      s.duration.observe((this.env.clock.now() - start) / 1000);
      s.requestSize.observe(buf.byteLength);
      s.responseSize.observe(out.byteLength);
    }
    return out;
  }
}

/** A query form's port, transport and address family as one number. */
function formOf(info: QueryInfo): number {
  return info.port * 4 + (info.protocol === "tcp" ? 2 : 0) + (info.remoteAddress.includes(":") ? 1 : 0);
}

/** FNV-1a of the query's bytes after its ID, seeded with its form: no string is built per query. */
function packedHash(buf: Buffer, form: number): number {
  let h = Math.imul(0x811c9dc5 ^ form, 0x01000193);
  for (let i = 2; i < buf.length; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h;
}

/** Whether `buf`'s bytes after its ID are `tail`'s. */
function sameTail(tail: Buffer, buf: Buffer): boolean {
  const n = tail.length;
  if (buf.length !== n + 2) return false;
  for (let i = 0; i < n; i++) if (tail[i] !== buf[i + 2]) return false;
  return true;
}

/** A response with no records: the query's ID, opcode, RD flag and questions, and `rcode`. */
function bareResponse(query: DecodedPacket, rcode: number): Packet {
  const opcode = ((query.flags ?? 0) >> 11) & 0xf;
  return { id: query.id ?? 0, type: "response", flags: (opcode << 11) | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | rcode, questions: query.questions ?? [], answers: [], authorities: [], additionals: [] };
}

/** The query types CoreDNS's metrics name (others count as `other`), numbered for series keys. */
const KNOWN_TYPES = new Map(["A", "AAAA", "NS", "PTR", "SOA", "SRV", "TXT", "CNAME", "MX", "HINFO", "ANY", "AXFR", "IXFR", "NAPTR", "DS", "DNSKEY"].map((t, i) => [t, i]));
const RCODE_TEXT: Readonly<Record<number, string>> = { 0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED" };

/** Encodes `msg`, dropping records from the end (additionals, authorities, then answers with TC) until it fits `limit`. */
export function encodeWithin(msg: Packet, limit: number): Buffer {
  // The shapes plugins reply with are written by hand, names compressed; others by dns-packet.
  const compact = encodeCompact(msg, limit);
  if (compact) return compact;
  // Sized once: encode into a buffer of the exact length instead of letting it measure again.
  const length = dnsPacket.encodingLength(msg);
  if (length <= limit) return dnsPacket.encode(msg, Buffer.allocUnsafe(length));
  const opt = msg.additionals?.filter((a) => a.type === "OPT") ?? [];
  const m: Packet = { ...msg, additionals: [...(msg.additionals ?? []).filter((a) => a.type !== "OPT"), ...opt], authorities: [...(msg.authorities ?? [])], answers: [...(msg.answers ?? [])] };
  while ((m.additionals!.length > opt.length) && dnsPacket.encodingLength(m) > limit) m.additionals!.splice(m.additionals!.length - opt.length - 1, 1);
  while (m.authorities!.length && dnsPacket.encodingLength(m) > limit) m.authorities!.pop();
  let truncated = false;
  while (m.answers!.length && dnsPacket.encodingLength(m) > limit) {
    m.answers!.pop();
    truncated = true;
  }
  if (truncated) m.flags = (m.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  return dnsPacket.encode(m);
}
