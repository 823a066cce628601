import type { Answer } from "dns-packet";
import { fqdn, isSubdomain, matchZone } from "../corefile/address.js";
import type { Directive } from "../corefile/parse.js";
import { Rcode, type DnsHandler, type DnsPluginDefinition, type DnsReply, type DnsRequest } from "../server/handler.js";
import { markReusable } from "../server/ttl-shifted-replies.js";
import { aRecord, cnameRecord, dashedIp, ptrRecord, reverseToIp, soaRecord, srvRecord, txtRecord, wireName } from "../server/records.js";
import { DnsIndex, type DnsEndpoint, type DnsService } from "./dns-index.js";

/** The kubernetes plugin's options (its Corefile block). */
export interface KubernetesOptions {
  zones: string[];
  pods: "disabled" | "insecure" | "verified";
  ttl: number;
  /** undefined: no fallthrough; []: all zones. */
  fallthrough?: string[];
  endpointPodNames: boolean;
  namespaces: Set<string>;
  noEndpoints: boolean;
}

const DNS_SCHEMA_VERSION = "1.1.0";

function parseOptions(d: Directive, blockZones: readonly string[], err: (line: number, detail: string) => Error, argErr: (line: number, after: string) => Error): KubernetesOptions {
  const zones = d.args.length ? d.args.map(fqdn) : [...blockZones];
  const o: KubernetesOptions = { zones, pods: "disabled", ttl: 5, endpointPodNames: false, namespaces: new Set(), noEndpoints: false };
  for (const sub of d.block ?? []) {
    switch (sub.name) {
      case "pods": {
        const mode = sub.args[0];
        if (sub.args.length !== 1) throw argErr(sub.line, "pods");
        if (mode !== "disabled" && mode !== "insecure" && mode !== "verified") throw err(sub.line, `invalid value for pods: '${mode}', must be one of: disabled, verified, insecure`);
        o.pods = mode;
        break;
      }
      case "ttl": {
        if (sub.args.length !== 1) throw argErr(sub.line, "ttl");
        const t = Number(sub.args[0]);
        if (!/^\d+$/.test(sub.args[0]!) || t > 3600) throw err(sub.line, `ttl must be in range [0, 3600]: ${sub.args[0]}`);
        o.ttl = t;
        break;
      }
      case "fallthrough":
        o.fallthrough = sub.args.map(fqdn);
        break;
      case "endpoint_pod_names":
        o.endpointPodNames = true;
        break;
      case "namespaces":
        if (sub.args.length === 0) throw argErr(sub.line, "namespaces");
        for (const n of sub.args) o.namespaces.add(n);
        break;
      case "noendpoints":
        o.noEndpoints = true;
        break;
      // Connection settings: kubesim's CoreDNS reads the cluster it runs in; accepted and ignored.
      case "endpoint":
      case "tls":
      case "kubeconfig":
      case "labels":
      case "namespace_labels":
      case "ignore":
      case "multicluster":
      case "startup_timeout":
      case "apiserver_qps":
      case "apiserver_burst":
      case "apiserver_max_inflight":
        break;
      default:
        throw err(sub.line, `unknown property '${sub.name}'`);
    }
  }
  return o;
}

interface Lookup {
  rcode: number;
  answers: Answer[];
  additionals: Answer[];
}

/**
 * CoreDNS's kubernetes plugin: answers for Services, their endpoints and pods per the Kubernetes
 * DNS specification (schema 1.1.0), from indexes the shared informers keep current.
 */
export class KubernetesDns {
  constructor(
    readonly options: KubernetesOptions,
    readonly index: DnsIndex,
  ) {}

  private exposed(ns: string): boolean {
    return this.options.namespaces.size === 0 || this.options.namespaces.has(ns);
  }

  private hostnameOf(e: DnsEndpoint): string {
    if (e.hostname) return e.hostname;
    if (this.options.endpointPodNames && e.podName) return e.podName;
    return dashedIp(e.ip);
  }

  /** Answers `req` for `zone` (one of the plugin's zones). */
  answer(req: DnsRequest, zone: string): DnsReply {
    const ttl = this.options.ttl;
    const soa = (): Answer[] => [soaRecord(zone, ttl, this.index.modified)];
    const done = (l: Lookup): DnsReply => {
      const nodata = l.rcode === Rcode.NOERROR && l.answers.length === 0;
      return { rcode: l.rcode, authoritative: true, answers: l.answers, authorities: l.rcode === Rcode.NXDOMAIN || nodata ? soa() : [], additionals: l.additionals, plugin: "kubernetes" };
    };
    const type = req.type;
    const qname = wireName(req.question.name);
    if (req.name === zone) {
      if (type === "SOA") return { ...done({ rcode: 0, answers: soa(), additionals: [] }), authorities: [] };
      if (type === "NS") return done({ rcode: 0, answers: [{ name: qname, type: "NS", class: "IN", ttl, data: `ns.dns.${wireName(zone)}` }], additionals: this.nsAddresses(zone) });
      return done({ rcode: 0, answers: [], additionals: [] });
    }
    if (zone.endsWith("in-addr.arpa.") || zone.endsWith("ip6.arpa.")) return done(this.reverse(req));
    const labels = req.name.slice(0, req.name.length - zone.length - 1).split(".").reverse();
    // labels[0] is the label just under the zone.
    if (labels.length === 1 && labels[0] === "dns-version") return done(type === "TXT" ? { rcode: 0, answers: [txtRecord(qname, ttl, DNS_SCHEMA_VERSION)], additionals: [] } : { rcode: 0, answers: [], additionals: [] });
    if (labels.length === 2 && labels[0] === "dns" && labels[1] === "ns") return done(this.nsName(type, qname));
    if (labels[0] === "svc") return done(this.serviceLookup(req, labels.slice(1), zone));
    if (labels[0] === "pod") return done(this.podLookup(req, labels.slice(1)));
    return done({ rcode: Rcode.NXDOMAIN, answers: [], additionals: [] });
  }

  private nsAddresses(zone: string): Answer[] {
    const svc = this.index.service("kube-system", "kube-dns");
    return (svc?.clusterIPs ?? []).map((ip) => aRecord(`ns.dns.${zone}`, this.options.ttl, ip));
  }

  private nsName(type: string, qname: string): Lookup {
    const svc = this.index.service("kube-system", "kube-dns");
    if (!svc) return { rcode: Rcode.NXDOMAIN, answers: [], additionals: [] };
    return { rcode: 0, answers: svc.clusterIPs.filter((ip) => (type === "A" && !ip.includes(":")) || (type === "AAAA" && ip.includes(":"))).map((ip) => aRecord(qname, this.options.ttl, ip)), additionals: [] };
  }

  private reverse(req: DnsRequest): Lookup {
    const ip = reverseToIp(req.name);
    if (!ip) return { rcode: Rcode.NXDOMAIN, answers: [], additionals: [] };
    // Names point into the plugin's primary (first forward) zone, as CoreDNS's primaryZone.
    const domain = this.options.zones.find((z) => !z.endsWith(".arpa.")) ?? "cluster.local.";
    const targets: string[] = [];
    for (const s of this.index.servicesByClusterIp(ip)) if (this.exposed(s.namespace)) targets.push(`${s.name}.${s.namespace}.svc.${domain}`);
    if (targets.length === 0)
      for (const s of this.index.servicesByEndpointIp(ip)) {
        if (!this.exposed(s.namespace)) continue;
        for (const e of s.endpoints) if (e.ip === ip) targets.push(`${this.hostnameOf(e)}.${s.name}.${s.namespace}.svc.${domain}`);
      }
    if (targets.length === 0) return { rcode: Rcode.NXDOMAIN, answers: [], additionals: [] };
    return { rcode: 0, answers: req.type === "PTR" ? targets.map((t) => ptrRecord(wireName(req.question.name), this.options.ttl, t)) : [], additionals: [] };
  }

  private podLookup(req: DnsRequest, labels: string[]): Lookup {
    const nx = { rcode: Rcode.NXDOMAIN, answers: [], additionals: [] };
    if (labels.length === 0) return { rcode: 0, answers: [], additionals: [] };
    const ns = labels[0]!;
    if (labels.length === 1) return this.exposed(ns) && this.index.hasNamespace(ns) ? { rcode: 0, answers: [], additionals: [] } : nx;
    if (labels.length !== 2 || this.options.pods === "disabled" || !this.exposed(ns)) return nx;
    const label = labels[1]!;
    let ip: string | undefined;
    if (/^\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}$/.test(label)) ip = label.split("-").map(Number).join(".");
    else if (/^[0-9a-f-]+$/.test(label) && label.includes("-")) ip = label.replace(/-/g, ":");
    if (!ip) return nx;
    if (this.options.pods === "verified" && !this.index.podExists(ip, ns)) return nx;
    const v6 = ip.includes(":");
    const qname = wireName(req.question.name);
    return { rcode: 0, answers: (req.type === "A" && !v6) || (req.type === "AAAA" && v6) ? [aRecord(qname, this.options.ttl, ip)] : [], additionals: [] };
  }

  private serviceLookup(req: DnsRequest, labels: string[], zone: string): Lookup {
    const nx: Lookup = { rcode: Rcode.NXDOMAIN, answers: [], additionals: [] };
    const nodata: Lookup = { rcode: 0, answers: [], additionals: [] };
    if (labels.length === 0) return nodata;
    const ns = labels[0]!;
    if (!this.exposed(ns)) return nx;
    if (labels.length === 1) return this.index.hasNamespace(ns) ? nodata : nx;
    if (labels.length > 4) return nx;
    const svc = this.index.service(ns, labels[1]!);
    if (!svc) return nx;
    let endpoint: string | undefined;
    let proto: string | undefined;
    let port: string | undefined;
    if (labels.length === 3) endpoint = labels[2];
    if (labels.length === 4) {
      proto = labels[2]!.replace(/^_/, "");
      port = labels[3]!.replace(/^_/, "");
    }
    const ttl = this.options.ttl;
    const qname = wireName(req.question.name);
    const type = req.type;
    const svcName = `${svc.name}.${svc.namespace}.svc.${zone}`;
    const portMatches = (p: { name: string; protocol: string }): boolean => (port === undefined || port === "*" || p.name.toLowerCase() === port) && (proto === undefined || proto === "*" || p.protocol.toLowerCase() === proto);

    if (svc.kind === "ExternalName") {
      if (endpoint !== undefined || !svc.externalName) return nx;
      if (port !== undefined && !svc.ports.some(portMatches)) return nx;
      if (type === "SRV") return { rcode: 0, answers: svc.ports.filter(portMatches).map((p, _i, all) => srvRecord(qname, ttl, 0, Math.floor(100 / all.length), p.port, svc.externalName!)), additionals: [] };
      return { rcode: 0, answers: [cnameRecord(qname, ttl, svc.externalName)], additionals: [] };
    }

    const eps = this.options.noEndpoints ? [] : svc.endpoints;
    if (endpoint !== undefined) {
      const matches = eps.filter((e) => this.hostnameOf(e) === endpoint);
      if (matches.length === 0) return nx;
      return { rcode: 0, answers: addressAnswers(type, qname, ttl, matches.map((e) => e.ip)), additionals: [] };
    }
    if (port !== undefined && !(svc.kind === "Headless" ? eps.some((e) => e.ports.some(portMatches)) : svc.ports.some(portMatches))) return nx;

    if (svc.kind === "ClusterIP") {
      if (type === "SRV") {
        const ports = svc.ports.filter(portMatches);
        return { rcode: 0, answers: ports.map((p) => srvRecord(qname, ttl, 0, Math.floor(100 / ports.length), p.port, svcName)), additionals: ports.length ? svc.clusterIPs.map((ip) => aRecord(svcName, ttl, ip)) : [] };
      }
      return { rcode: 0, answers: addressAnswers(type, qname, ttl, svc.clusterIPs), additionals: [] };
    }
    // Headless: one record per ready endpoint; none ready is NXDOMAIN.
    const ready = port === undefined ? eps : eps.filter((e) => e.ports.some(portMatches));
    if (ready.length === 0) return nx;
    if (type === "SRV") {
      const pairs: { e: DnsEndpoint; port: number }[] = [];
      for (const e of ready) for (const p of e.ports) if (portMatches(p)) pairs.push({ e, port: p.port });
      const answers = pairs.map(({ e, port: p }) => srvRecord(qname, ttl, 0, Math.floor(100 / pairs.length), p, `${this.hostnameOf(e)}.${svcName}`));
      const additionals = [...new Map(pairs.map(({ e }) => [e.ip, aRecord(`${this.hostnameOf(e)}.${svcName}`, ttl, e.ip)])).values()];
      return { rcode: 0, answers, additionals };
    }
    return { rcode: 0, answers: addressAnswers(type, qname, ttl, ready.map((e) => e.ip)), additionals: [] };
  }
}

function addressAnswers(type: string, qname: string, ttl: number, ips: readonly string[]): Answer[] {
  if (type === "A") return ips.filter((ip) => !ip.includes(":")).map((ip) => aRecord(qname, ttl, ip));
  if (type === "AAAA") return ips.filter((ip) => ip.includes(":")).map((ip) => aRecord(qname, ttl, ip));
  if (type === "ANY") return ips.map((ip) => aRecord(qname, ttl, ip));
  return [];
}

/** Bound on the replies the plugin keeps for reuse (questions × spellings). */
const REPLIES_MAX = 65_536;

/** The `kubernetes` directive. */
export const kubernetesPlugin: DnsPluginDefinition = {
  name: "kubernetes",
  setup(s) {
    const options = parseOptions(s.directive, s.zones, (line, detail) => s.reader.error(detail, line), (line, after) => s.reader.argError(line, after));
    const informers = s.env.informers;
    if (!informers) throw s.reader.error("no cluster to read: the kubernetes plugin needs the cluster's informers");
    let dns: KubernetesDns | undefined;
    // The last reply per question, reused while the index has not changed: a repeated question
    // (a cache miss after an eviction) gets the very same immutable reply, whose encoding the
    // server already holds, instead of one built and encoded again.
    const replies = new Map<string, { generation: number; reply: DnsReply }>();
    return {
      startup() {
        dns = new KubernetesDns(options, new DnsIndex(informers, s.env.clock, { pods: options.pods === "verified" }));
      },
      shutdown() {
        dns?.index.stop();
      },
      ready: () => dns?.index.synced() ?? false,
      handler(next: DnsHandler): DnsHandler {
        return {
          name: "kubernetes",
          async serveDNS(req) {
            const zone = matchZone(options.zones, req.name);
            if (!zone || !dns) return next.serveDNS(req);
            const key = `${req.type}|${req.name}|${req.question.name}`;
            const generation = dns.index.generation;
            const last = replies.get(key);
            let r: DnsReply;
            if (last && last.generation === generation) r = last.reply;
            else {
              r = dns.answer(req, zone);
              if (replies.size >= REPLIES_MAX) replies.clear();
              replies.set(key, { generation, reply: r });
              const index = dns.index;
              markReusable(r, { plugin: "kubernetes", valid: () => index.generation === generation && replies.get(key)?.reply === r });
            }
            if (r.rcode === Rcode.NXDOMAIN && options.fallthrough && (options.fallthrough.length === 0 || options.fallthrough.some((z) => isSubdomain(z, req.name)))) return next.serveDNS(req);
            return r;
          },
        };
      },
    };
  },
};
