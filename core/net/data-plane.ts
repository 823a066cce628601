import type { Clock } from "../clock/clock.js";
import { SeededRandom, type Random } from "../clock/random.js";
import { token } from "../di/token.js";
import type { NetDevice, Segment } from "./device.js";
import { ipv4ToUint32, parseIpv4Cidr, prefixMask } from "./ipv4.js";
import { randomMac } from "./mac.js";
import { NetNamespace } from "./netns.js";
import { PacketWalk, type WalkResult } from "./packet-walk.js";
import type { Packet } from "./packet.js";
import { NamespaceStack } from "./socket-stack.js";
import type { NetworkStack } from "./sockets.js";
import type { RemoteUnderlay } from "./remote-underlay.js";

export interface DataPlaneOptions {
  clock: Clock;
  /** The underlay every node's eth0 joins (kind's docker network, default 172.18.0.0/16). */
  underlayCidr?: string;
  /** The underlay's gateway, which is also the "outside" host (kind's host, default 172.18.0.1). */
  gateway?: string;
  /** Seed of MAC addresses and `statistic` choices (independent of the cluster's name generator). */
  seed?: number;
  /**
   * Several L2 subnets instead of one underlay (`["172.18.0.0/24", "172.18.1.0/24"]`): each is a
   * segment of its own and the outside host routes between them — an interface holding each
   * subnet's first address (eth0, eth1, ...), forwarding on — as a host routes between its docker
   * networks. A node joins the subnet holding its address, with its default route via that
   * subnet's router address. The first subnet's router is the `gateway`.
   */
  subnets?: readonly string[];
}

/** One L2 subnet of the underlay. */
export interface UnderlaySubnet {
  readonly network: number;
  readonly prefix: number;
  /** The router's (outside host's) address on it. */
  readonly gateway: number;
  readonly segment: Segment;
}

/**
 * The Linux data plane of a whole cluster: every node's root namespace (lo, eth0 on the underlay),
 * the pod namespaces, and an "outside" host (the underlay's gateway, as kind's host machine is).
 * Namespaces are joined by devices (veth pairs, bridges, the underlay segment, tunnels); packets
 * cross them in {@link PacketWalk}s. One per cluster, in the cluster's scope under {@link DataPlane}.
 */
export class DataPlane {
  readonly underlay: Segment = { name: "kind", members: new Set() };
  readonly outside: NetNamespace;
  readonly underlayPrefix: number;
  readonly gateway: number;
  /** The underlay's subnets (one unless `subnets` was given). */
  readonly subnets: readonly UnderlaySubnet[];
  /** Bumped on any change to devices, addresses, routes or rules (cached flows re-walk). */
  generation = 0;
  /** What every namespace is given to read the time and report a change: one pair of closures, not one per namespace. */
  private readonly nsNow = (): number => this.options.clock.now();
  private readonly nsChanged = (): void => void this.generation++;
  readonly random: Random;
  private readonly roots = new Map<string, NetNamespace>();
  private readonly pods = new Map<string, NetNamespace>();
  private readonly stacks = new WeakMap<NetNamespace, NamespaceStack>();
  /**
   * The nodes of the cluster in other processes and the wire to them (a node process's host
   * underlay socket); unset, the underlay holds only this plane's nodes.
   */
  remote: RemoteUnderlay | undefined;

  constructor(readonly options: DataPlaneOptions) {
    this.random = new SeededRandom(options.seed ?? 0x6e6574);
    const cidrs = options.subnets?.length ? options.subnets : [options.underlayCidr ?? "172.18.0.0/16"];
    this.subnets = cidrs.map((cidr, i) => {
      const { network, prefix } = parseIpv4Cidr(cidr);
      const gateway = i === 0 && (options.gateway || !options.subnets?.length) ? ipv4ToUint32(options.gateway ?? "172.18.0.1") : network + 1;
      return { network, prefix, gateway, segment: i === 0 ? this.underlay : { name: `kind-${i}`, members: new Set() } };
    });
    this.underlayPrefix = this.subnets[0]!.prefix;
    this.gateway = this.subnets[0]!.gateway;
    this.outside = this.newNamespace("outside", undefined);
    this.outside.ipForward = this.subnets.length > 1;
    this.subnets.forEach((sub, i) => {
      const dev = this.outside.addDevice(`eth${i}`, "ether", randomMac(this.random), 1500);
      this.outside.addAddress(dev.name, sub.gateway, sub.prefix);
      this.join(dev, sub.segment);
    });
  }

  /** The subnet holding `ip` (the first when none does). */
  subnetOf(ip: number): UnderlaySubnet {
    for (const s of this.subnets) if (((ip & prefixMask(s.prefix)) >>> 0) === s.network) return s;
    return this.subnets[0]!;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  private newNamespace(name: string, node: string | undefined): NetNamespace {
    const ns = new NetNamespace(name, node, this.nsNow, this.nsChanged);
    ns.addLoopback();
    return ns;
  }

  private join(dev: NetDevice, segment: Segment = this.underlay): void {
    dev.segment = segment;
    segment.members.add(dev);
  }

  /**
   * A node's root namespace: lo, eth0 with `ip` on the underlay subnet holding it (/16 by
   * default), default route via that subnet's router, forwarding on.
   */
  addNode(name: string, ip: string): NetNamespace {
    const existing = this.roots.get(name);
    if (existing) return existing;
    const ns = this.newNamespace("root", name);
    ns.ipForward = true;
    const eth0 = ns.addDevice("eth0", "ether", randomMac(this.random), 1500);
    const subnet = this.subnetOf(ipv4ToUint32(ip));
    ns.addAddress("eth0", ipv4ToUint32(ip), subnet.prefix);
    ns.main.add({ type: "unicast", network: 0, prefix: 0, dev: "eth0", via: subnet.gateway, scope: "global" });
    this.join(eth0, subnet.segment);
    this.roots.set(name, ns);
    return ns;
  }

  /** Removes a node with its pod namespaces. */
  removeNode(name: string): void {
    const ns = this.roots.get(name);
    if (!ns) return;
    for (const [key, pod] of this.pods) if (pod.node === name) this.deleteNamespace(key);
    for (const dev of [...ns.devices.keys()]) ns.removeDevice(dev);
    this.roots.delete(name);
    this.generation++;
  }

  /** A node's root namespace. */
  node(name: string): NetNamespace | undefined {
    return this.roots.get(name);
  }

  nodeNames(): string[] {
    return [...this.roots.keys()];
  }

  /** Creates a pod namespace on `node` (just lo), named as the runtime names it (`cni-<id>`). */
  createNamespace(node: string, name: string): NetNamespace {
    const key = `${node}/${name}`;
    const existing = this.pods.get(key);
    if (existing) return existing;
    const ns = this.newNamespace(name, node);
    this.pods.set(key, ns);
    return ns;
  }

  namespace(node: string, name: string): NetNamespace | undefined {
    return name === "root" ? this.roots.get(node) : this.pods.get(`${node}/${name}`);
  }

  /** Deletes a pod namespace; its veth ends disappear, taking their peers along. */
  deleteNamespace(key: string): void {
    const ns = this.pods.get(key);
    if (!ns) return;
    for (const dev of [...ns.devices.keys()]) ns.removeDevice(dev);
    this.pods.delete(key);
    this.generation++;
  }

  /** Every namespace (roots, pods, outside). */
  namespaces(): NetNamespace[] {
    return [this.outside, ...this.roots.values(), ...this.pods.values()];
  }

  /** The namespace owning `ip` as an address (pods first, then nodes, then outside). */
  ownerOf(ip: number): NetNamespace | undefined {
    for (const ns of this.pods.values()) if (ns.localDevice(ip)) return ns;
    for (const ns of this.roots.values()) if (ns.localDevice(ip)?.kind === "ether") return ns;
    return this.outside.localDevice(ip) ? this.outside : undefined;
  }

  /** A veth pair: `aName` in `a`, `bName` in `b`. */
  vethPair(a: NetNamespace, aName: string, b: NetNamespace, bName: string, mtu = 1500): [NetDevice, NetDevice] {
    const da = a.addDevice(aName, "veth", randomMac(this.random), mtu);
    const db = b.addDevice(bName, "veth", randomMac(this.random), mtu);
    da.peer = db;
    db.peer = da;
    return [da, db];
  }

  /** Enslaves `port` to bridge `br` (same namespace), adding the port's MAC as a permanent FDB entry. */
  attachToBridge(br: NetDevice, port: NetDevice): void {
    if (br.kind !== "bridge" || br.ns !== port.ns) throw new Error(`cannot enslave ${port.name} to ${br.name}`);
    port.master = br;
    br.ports!.add(port);
    br.fdb!.addPermanent(port.mac, port.name);
    this.generation++;
  }

  /** The device owning `ip` that `dev` reaches at layer 2 (what an ARP request on `dev` would answer). */
  l2Lookup(dev: NetDevice, ip: number): NetDevice | undefined {
    switch (dev.kind) {
      case "loopback":
        return dev;
      case "veth": {
        const peer = dev.peer;
        if (!peer) return undefined;
        const br = peer.master;
        if (!br) return peer.owns(ip) || peer.proxyArp ? peer : undefined;
        if (br.owns(ip)) return br;
        for (const p of br.ports!) if (p !== peer && p.peer?.owns(ip)) return p.peer;
        return undefined;
      }
      case "bridge":
        for (const p of dev.ports!) if (p.peer?.owns(ip)) return p.peer;
        return undefined;
      case "ether":
        for (const m of dev.segment?.members ?? []) if (m !== dev && m.owns(ip)) return m;
        return undefined;
      default:
        return undefined;
    }
  }

  /** Walks `pkt` from a local socket of `from` to where it ends; `record` keeps every hop (traces). */
  walk(from: NetNamespace, pkt: Packet, record = false): WalkResult {
    return this.newWalk(record).run(from, pkt);
  }

  private newWalk(record: boolean): PacketWalk {
    return new PacketWalk({ now: () => this.options.clock.now(), random: () => this.random.next(), l2Lookup: (d, ip) => this.l2Lookup(d, ip), remote: (ip) => this.remote?.lookup(ip) }, record);
  }

  /**
   * A frame from a node in another process arrives on `node`'s eth0 (the host underlay socket
   * received it): `pkt` walks on from that namespace's PREROUTING. Undefined when no such node is here.
   */
  underlayReceive(node: string, pkt: Packet, record = false): WalkResult | undefined {
    const eth0 = this.roots.get(node)?.devices.get("eth0");
    return eth0 ? this.newWalk(record).receiveOn(eth0, pkt) : undefined;
  }

  /**
   * What a TUN device's process writes: `pkt` enters the device's namespace on `dev` and walks on
   * from PREROUTING (routing, netfilter, conntrack) to where it ends.
   */
  tunWrite(dev: NetDevice, pkt: Packet, record = false): WalkResult {
    if (dev.kind !== "tun") throw new Error(`${dev.name} is not a TUN device`);
    return this.newWalk(record).receiveOn(dev, pkt);
  }

  /** The socket layer of a namespace (one per namespace). */
  stack(ns: NetNamespace): NetworkStack {
    let s = this.stacks.get(ns);
    if (!s) this.stacks.set(ns, (s = new NamespaceStack(this, ns)));
    return s;
  }
}

/** The cluster's data plane (cluster scope). */
export const DataPlaneToken = token<DataPlane>("DataPlane");
