import type { Pod, Service } from "kubernetes-types/core/v1.js";
import type { Client } from "../client/client.js";
import type { DependencyContainer } from "tsyringe";
import type { DataPlane } from "./data-plane.js";
import { ipv4ToUint32 } from "./ipv4.js";
import type { NetNamespace } from "./netns.js";
import { makePacket, type L4Protocol } from "./packet.js";
import type { DropReason, WalkHop } from "./packet-walk.js";
import { PodNetwork } from "../cni/pod-network.js";
import type { CniPodNetwork } from "../cni/cni-pod-network.js";

export interface TraceOptions {
  protocol?: "tcp" | "udp";
  /** Destination port when the endpoint does not give one (default 80). */
  port?: number;
  /** Payload bytes (default 0: a bare SYN). */
  payload?: number;
}

/** A trace: each hop, where the packet ended, and the rules walked. */
export interface TraceResult {
  readonly from: string;
  readonly to: string;
  readonly outcome: "delivered" | "dropped" | "remote";
  readonly reason?: DropReason;
  readonly detail?: string;
  readonly rulesEvaluated: number;
  readonly hops: readonly WalkHop[];
}

export class TraceError extends Error {
  override readonly name = "TraceError";
}

/**
 * The cluster's network as tools see it: the data plane, and packet traces between endpoints named
 * `pod/<ns>/<name>[:port]`, `node/<name>`, `svc/<ns>/<name>:<port>`, `nodeport/<node>:<port>`,
 * `outside`, or an `ip[:port]`.
 */
export class ClusterNetwork {
  constructor(
    readonly plane: DataPlane,
    private readonly client: Client,
    private readonly nodes: ReadonlyMap<string, { scope: DependencyContainer }>,
  ) {}

  /** Walks one packet (a TCP SYN by default) from `from` to `to`, recording every hop. */
  async trace(from: string, to: string, options: TraceOptions = {}): Promise<TraceResult> {
    const src = await this.source(from);
    const dst = await this.destination(to, options.port ?? 80);
    const proto: L4Protocol = options.protocol ?? "tcp";
    const sport = src.sockets.allocateEphemeral();
    try {
      const pkt = makePacket(proto, 0, sport, dst.ip, dst.port, options.payload ?? 0, proto === "tcp" ? "SYN" : undefined);
      const res = this.plane.walk(src, pkt, true);
      return {
        from,
        to,
        outcome: res.outcome,
        ...(res.reason ? { reason: res.reason } : {}),
        ...(res.detail ? { detail: res.detail } : {}),
        rulesEvaluated: res.rulesEvaluated,
        hops: res.hops,
      };
    } finally {
      src.sockets.releaseEphemeral(sport);
    }
  }

  private async pod(namespace: string, name: string): Promise<{ ns: NetNamespace; ip: number }> {
    let podIP: string | undefined;
    try {
      const pod = await this.client.resource<Pod>("Pod").get(name, { namespace });
      podIP = pod.status?.podIP;
      if (pod.spec?.hostNetwork && pod.spec.nodeName) {
        const root = this.plane.node(pod.spec.nodeName);
        if (root) return { ns: root, ip: root.addresses()[0]! };
      }
    } catch {
      /* not in the API (a sandbox set up directly): look at the nodes' attachments */
    }
    if (podIP) {
      const ns = this.plane.ownerOf(ipv4ToUint32(podIP));
      if (ns) return { ns, ip: ipv4ToUint32(podIP) };
    }
    for (const node of this.nodes.values()) {
      const pn = node.scope.resolve<CniPodNetwork>(PodNetwork);
      const sb = typeof pn.sandboxes === "function" ? pn.sandboxes().find((s) => s.podName === name && s.podNamespace === namespace) : undefined;
      if (sb) return { ns: sb.ns, ip: sb.ns.addresses()[0]! };
    }
    throw new TraceError(`pod ${namespace}/${name} has no network namespace (not running, or no pod IP yet)`);
  }

  private node(name: string): NetNamespace {
    const ns = this.plane.node(name);
    if (!ns) throw new TraceError(`node ${JSON.stringify(name)} not found`);
    return ns;
  }

  private async source(spec: string): Promise<NetNamespace> {
    const [kind, ...rest] = spec.split("/");
    if (spec === "outside") return this.plane.outside;
    if (kind === "node" && rest.length === 1) return this.node(rest[0]!);
    if (kind === "pod" && rest.length === 2) return (await this.pod(rest[0]!, rest[1]!.split(":")[0]!)).ns;
    throw new TraceError(`cannot trace from ${JSON.stringify(spec)}: use pod/<namespace>/<name>, node/<name> or outside`);
  }

  private async destination(spec: string, defaultPort: number): Promise<{ ip: number; port: number }> {
    const [kind, ...rest] = spec.split("/");
    const splitPort = (s: string): [string, string | undefined] => {
      const i = s.lastIndexOf(":");
      return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
    };
    if (spec === "outside") return { ip: this.plane.gateway, port: defaultPort };
    if (kind === "node" && rest.length === 1) {
      const [name, port] = splitPort(rest[0]!);
      return { ip: this.node(name).addresses()[0]!, port: port ? Number(port) : defaultPort };
    }
    if (kind === "nodeport" && rest.length === 1) {
      const [name, port] = splitPort(rest[0]!);
      if (!port) throw new TraceError(`nodeport/${name} needs a port: nodeport/<node>:<nodePort>`);
      return { ip: this.node(name).addresses()[0]!, port: Number(port) };
    }
    if (kind === "pod" && rest.length === 2) {
      const [name, port] = splitPort(rest[1]!);
      return { ip: (await this.pod(rest[0]!, name)).ip, port: port ? Number(port) : defaultPort };
    }
    if (kind === "svc" && rest.length === 2) {
      const [name, portSpec] = splitPort(rest[1]!);
      let svc: Service;
      try {
        svc = await this.client.resource<Service>("Service").get(name, { namespace: rest[0]! });
      } catch {
        throw new TraceError(`service ${rest[0]}/${name} not found`);
      }
      const ports = svc.spec?.ports ?? [];
      const sp = portSpec === undefined ? ports[0] : ports.find((p) => String(p.port) === portSpec || p.name === portSpec);
      if (!svc.spec?.clusterIP || svc.spec.clusterIP === "None") throw new TraceError(`service ${rest[0]}/${name} has no cluster IP (headless or ExternalName)`);
      if (!sp) throw new TraceError(`service ${rest[0]}/${name} has no port ${portSpec}`);
      return { ip: ipv4ToUint32(svc.spec.clusterIP), port: sp.port };
    }
    const [ip, port] = splitPort(spec);
    try {
      return { ip: ipv4ToUint32(ip), port: port ? Number(port) : defaultPort };
    } catch {
      throw new TraceError(`cannot trace to ${JSON.stringify(spec)}: use pod/<ns>/<name>[:port], svc/<ns>/<name>:<port>, nodeport/<node>:<port>, node/<name>, outside or <ip>[:port]`);
    }
  }
}

/** A trace as the table `kubesim trace` prints. */
export function formatTrace(t: TraceResult): string {
  const rows = t.hops.map((h, i) => [String(i + 1), h.node ?? "-", h.ns, h.step, h.device ?? "", h.packet, h.detail + (h.matched?.length ? "\n" + h.matched.map((m) => "  " + m).join("\n") : "")]);
  const header = ["#", "NODE", "NETNS", "STEP", "DEVICE", "PACKET", "DETAIL"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (c === 6 ? 0 : r[c]!.length))));
  const line = (cells: string[]): string => {
    const [first, ...more] = cells[6]!.split("\n");
    const head = cells.slice(0, 6).map((c, i) => c.padEnd(widths[i]!)).join("   ") + "   " + first;
    const indent = " ".repeat(widths.slice(0, 6).reduce((a, b) => a + b + 3, 0));
    return [head.trimEnd(), ...more.map((m) => indent + m)].join("\n");
  };
  const out = [line(header), ...rows.map(line)];
  out.push("", t.outcome === "delivered" ? `delivered (${t.rulesEvaluated} iptables rules evaluated)` : t.outcome === "remote" ? `sent over the underlay to a node in another process (${t.rulesEvaluated} iptables rules evaluated)` : `dropped: ${t.reason}${t.detail ? ` (${t.detail})` : ""} (${t.rulesEvaluated} iptables rules evaluated)`);
  return out.join("\n") + "\n";
}


