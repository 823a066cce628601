import type { Node } from "kubernetes-types/core/v1.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { isTombstone } from "../../core/informers/tombstone.js";
import { calicoRef } from "./api-types.js";
import { DEFAULT_AS, type BgpSettings, type ConfdNode, type ConfdNodes } from "./confd.js";
import { parseSelector, type Selector } from "./selector.js";

/** The annotations calico-node keeps on its Node in the Kubernetes datastore. */
export const CALICO_ANNOTATION = {
  ipv4Address: "projectcalico.org/IPv4Address",
  ipipTunnelAddr: "projectcalico.org/IPv4IPIPTunnelAddr",
  vxlanTunnelAddr: "projectcalico.org/IPv4VXLANTunnelAddr",
  vxlanTunnelMac: "projectcalico.org/VXLANTunnelMACAddr",
  rrClusterId: "projectcalico.org/RouteReflectorClusterID",
  asNumber: "projectcalico.org/ASNumber",
} as const;

function confdNode(n: Node): ConfdNode | undefined {
  const name = n.metadata?.name;
  const addr = n.metadata?.annotations?.[CALICO_ANNOTATION.ipv4Address];
  if (!name || !addr) return undefined;
  const a = n.metadata?.annotations ?? {};
  const asn = a[CALICO_ANNOTATION.asNumber];
  return { name, ip: addr.split("/")[0]!, labels: n.metadata?.labels ?? {}, ...(a[CALICO_ANNOTATION.rrClusterId] ? { rrClusterId: a[CALICO_ANNOTATION.rrClusterId] } : {}), ...(asn ? { asn: Number(asn) } : {}) };
}

function sameNode(a: ConfdNode | undefined, b: ConfdNode | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.ip !== b.ip || a.asn !== b.asn || a.rrClusterId !== b.rrClusterId) return false;
  const ka = Object.keys(a.labels);
  return ka.length === Object.keys(b.labels).length && ka.every((k) => a.labels[k] === b.labels[k]);
}

interface CalicoObject {
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
}

/** A calico-node's confd: its own Node on every change (to keep its annotations), and a call to re-render when its peerings may have changed. */
export interface ConfdMember {
  own(node: Node): void;
  render(): void;
  /** A Node was deleted (Felix forgets its VTEP). */
  nodeDeleted(name: string): void;
}

const selectors = new Map<string, Selector>();
/** A selector parsed once per expression. */
export function compiledSelector(src: string): Selector {
  let s = selectors.get(src);
  if (!s) selectors.set(src, (s = parseSelector(src)));
  return s;
}

/**
 * What confd reads from the datastore (`/host/<node>/ip_addr_v4`, `rr_cluster_id`, AS numbers,
 * labels; the BGPConfiguration and BGPPeers), watched once for the cluster instead of once per
 * node: one handler per resource keeps the nodes (parsed once per Node change) and the BGP
 * settings, hands each node its own Node, answers selector queries (cached until a node changes),
 * and asks only the nodes whose peerings a change can touch to re-render — every node while the
 * node-to-node mesh is on or a peer-selected node changes, otherwise the changed node and the
 * nodes its peerings select.
 */
export class ConfdDatastore implements ConfdNodes {
  readonly nodes = new Map<string, ConfdNode>();
  private readonly byIp = new Map<string, ConfdNode>();
  settings: BgpSettings = { asNumber: DEFAULT_AS, nodeToNodeMeshEnabled: true, peers: [] };
  private readonly members = new Map<string, ConfdMember>();
  /** Selector → the nodes it picks, kept up to date as nodes change. */
  private readonly selected = new Map<string, Map<string, ConfdNode>>();
  private registrations: { remove(): void }[] = [];

  constructor(private readonly informers: SharedInformerFactory) {}

  join(self: string, member: ConfdMember, signal: AbortSignal): void {
    this.members.set(self, member);
    if (!this.registrations.length) this.start(signal);
    const node = this.informers.forResource<Node>("Node").lister().get(self);
    if (node) member.own(node);
  }

  leave(self: string): void {
    this.members.delete(self);
    if (this.members.size) return;
    for (const r of this.registrations) r.remove();
    this.registrations = [];
    this.nodes.clear();
    this.byIp.clear();
    this.selected.clear();
  }

  all(): Iterable<ConfdNode> {
    return this.nodes.values();
  }

  /** The nodes `selector` picks (computed once, then kept as nodes change). */
  select(selector: string): readonly ConfdNode[] {
    let out = this.selected.get(selector);
    if (!out) {
      const match = compiledSelector(selector);
      out = new Map();
      for (const n of this.nodes.values()) if (match(n.labels)) out.set(n.name, n);
      this.selected.set(selector, out);
    }
    return [...out.values()];
  }

  matches(selector: string, labels: Readonly<Record<string, string>>): boolean {
    return compiledSelector(selector)(labels);
  }

  byAddress(ip: string): ConfdNode | undefined {
    return this.byIp.get(ip);
  }

  private start(signal: AbortSignal): void {
    const nodes = this.informers.forResource<Node>("Node");
    const onNode = (n: Node): void => {
      const name = n.metadata?.name;
      if (!name) return;
      this.members.get(name)?.own(n);
      this.update(name, confdNode(n));
    };
    this.registrations.push(
      nodes.addEventHandler({
        onAdd: onNode,
        onUpdate: (_o, n) => onNode(n),
        onDelete: (n) => {
          const name = (isTombstone(n) ? n.obj : n).metadata?.name;
          if (!name) return;
          this.update(name, undefined);
          for (const m of this.members.values()) m.nodeDeleted(name);
        },
      }),
    );
    const bgpConfigs = this.informers.forResource<CalicoObject>(calicoRef("BGPConfiguration"));
    const bgpPeers = this.informers.forResource<CalicoObject>(calicoRef("BGPPeer"));
    const resync = (): void => {
      const def = bgpConfigs.lister().list().find((c: CalicoObject) => c.metadata?.name === "default");
      const spec = (def?.spec ?? {}) as { asNumber?: number; nodeToNodeMeshEnabled?: boolean };
      this.settings = {
        asNumber: spec.asNumber ?? DEFAULT_AS,
        nodeToNodeMeshEnabled: spec.nodeToNodeMeshEnabled ?? true,
        peers: bgpPeers
          .lister()
          .list()
          .map((p: CalicoObject) => ({ name: p.metadata?.name ?? "", ...(p.spec as object) })),
      };
      for (const m of this.members.values()) m.render();
    };
    for (const inf of [bgpConfigs, bgpPeers]) this.registrations.push(inf.addEventHandler({ onAdd: resync, onUpdate: resync, onDelete: resync }));
    if (this.informers.all().some((i) => !i.isStarted())) this.informers.start(signal);
  }

  private update(name: string, next: ConfdNode | undefined): void {
    const old = this.nodes.get(name);
    if (sameNode(old, next)) return;
    if (old && this.byIp.get(old.ip) === old) this.byIp.delete(old.ip);
    if (next) {
      this.nodes.set(name, next);
      this.byIp.set(next.ip, next);
    } else this.nodes.delete(name);
    for (const [selector, picked] of this.selected) {
      if (next && compiledSelector(selector)(next.labels)) picked.set(name, next);
      else picked.delete(name);
    }
    const affected = this.affected(old, next);
    if (affected === "all") for (const m of this.members.values()) m.render();
    else {
      this.members.get(name)?.render();
      for (const n of affected) this.members.get(n)?.render();
    }
  }

  /** The nodes whose `protocol bgp` set may change when a node goes from `old` to `next` (besides itself). */
  private affected(old: ConfdNode | undefined, next: ConfdNode | undefined): "all" | string[] {
    const s = this.settings;
    if (s.nodeToNodeMeshEnabled) return "all";
    const out: string[] = [];
    for (const p of s.peers) {
      const picked = (n: ConfdNode | undefined): boolean => !!n && !!p.peerSelector && this.matches(p.peerSelector, n.labels);
      if (picked(old) || picked(next) || (p.peerIP && (old?.ip === p.peerIP.split(":")[0] || next?.ip === p.peerIP.split(":")[0]))) return "all";
      const applies = (n: ConfdNode | undefined): boolean => !!n && (p.node ? p.node === n.name : p.nodeSelector ? this.matches(p.nodeSelector, n.labels) : true);
      if (p.peerSelector && (applies(old) || applies(next))) for (const n of this.select(p.peerSelector)) out.push(n.name);
    }
    return out;
  }
}
