import { Conntrack } from "./conntrack.js";
import { NetDevice, type DeviceAddress, type DeviceKind } from "./device.js";
import { prefixMask } from "./ipv4.js";
import { Ipvs } from "./ipvs.js";
import { NeighbourTable } from "./neighbour-table.js";
import { Netfilter } from "./netfilter/netfilter.js";
import { IpSets } from "./netfilter/ipset.js";
import { RecentLists } from "./netfilter/rule.js";
import { DEFAULT_POLICY_RULES, RoutingTable, TABLE, policyRuleMatches, type PolicyRule, type Route } from "./routing-table.js";
import { SocketTable } from "./socket-table.js";
import { withAppended } from "../collections/exact-arrays.js";

/** What a route lookup found: the route and the table it came from. */
export interface RouteResult {
  readonly route: Route;
  readonly table: number;
}

/** 127.0.0.1 and 127.0.0.0 (past V8's small integers: every copy would be a boxed number). */
const LO_IP = 0x7f000001;
const LO_NET = 0x7f000000;
/**
 * lo's address and its routes in table local are the same in every namespace, so one frozen copy
 * serves them all: a node runs hundreds of pod namespaces and memory per pod is a target.
 */
const LO_ADDRESS: DeviceAddress = Object.freeze({ ip: LO_IP, prefix: 8, scope: "host" });
/** lo's address list, shared by every namespace (device address lists are replaced, never changed in place). */
const LO_ADDRESSES: DeviceAddress[] = Object.freeze([LO_ADDRESS]) as DeviceAddress[];
const LO_ROUTES: readonly Route[] = [
  Object.freeze({ type: "local", network: LO_IP, prefix: 32, dev: "lo", src: LO_IP, proto: "kernel", scope: "host" }),
  Object.freeze({ type: "local", network: LO_NET, prefix: 8, dev: "lo", src: LO_IP, proto: "kernel", scope: "host" }),
];

/**
 * A network namespace: its devices, addresses, routing tables and policy rules, neighbour table,
 * netfilter, conntrack, IPVS, ipsets and sockets. A node's root namespace and each pod sandbox's
 * namespace are one of these; the DataPlane joins them.
 */
export class NetNamespace {
  readonly devices = new Map<string, NetDevice>();
  // Tables local and main always exist, as plain fields (no map per namespace: a node holds
  // hundreds); table default (253) is empty on Linux, and it and numbered tables are made when a
  // route is added to them.
  private readonly localTable = new RoutingTable(TABLE.local);
  private readonly mainTable = new RoutingTable(TABLE.main);
  private otherTables: Map<number, RoutingTable> | undefined;
  /** `ip rule`: Linux's defaults, shared (frozen) until replaced. */
  rules: readonly PolicyRule[] = DEFAULT_POLICY_RULES;
  readonly sockets = new SocketTable();
  // The subsystems below are made on first use: most pod namespaces never touch netfilter, IPVS,
  // ipsets or recent lists, and a node runs hundreds of them (memory per pod is a target).
  private neighTable: NeighbourTable | undefined;
  private netfilterTables: Netfilter | undefined;
  private conntrackTable: Conntrack | undefined;
  private ipvsTable: Ipvs | undefined;
  private ipsetTable: IpSets | undefined;
  private recentLists: RecentLists | undefined;
  /** net.ipv4.ip_forward (on in a node's root namespace, off in pods). */
  ipForward = false;
  /** Local addresses → device, for O(1) "is this mine?". */
  private readonly local = new Map<number, NetDevice>();
  private nextIndex = 1;

  constructor(
    /** `cni-<uuid>` for pods, `root` for a node's root namespace. */
    readonly name: string,
    /** The node this namespace lives on (undefined for the outside host). */
    readonly node: string | undefined,
    private readonly now: () => number,
    private readonly onChange: () => void,
  ) {}

  get neigh(): NeighbourTable {
    return (this.neighTable ??= new NeighbourTable());
  }

  get netfilter(): Netfilter {
    return (this.netfilterTables ??= new Netfilter());
  }

  get conntrack(): Conntrack {
    return (this.conntrackTable ??= new Conntrack(this.now));
  }

  get ipvs(): Ipvs {
    return (this.ipvsTable ??= new Ipvs());
  }

  get ipsets(): IpSets {
    return (this.ipsetTable ??= new IpSets());
  }

  get recent(): RecentLists {
    return (this.recentLists ??= new RecentLists());
  }

  get main(): RoutingTable {
    return this.mainTable;
  }

  /** Routing table `id`, made (empty) if it does not exist yet. */
  table(id: number): RoutingTable {
    let t = this.existingTable(id);
    if (!t) (this.otherTables ??= new Map()).set(id, (t = new RoutingTable(id)));
    return t;
  }

  /** Routing table `id` if it exists (local and main always do). */
  existingTable(id: number): RoutingTable | undefined {
    return id === TABLE.main ? this.mainTable : id === TABLE.local ? this.localTable : this.otherTables?.get(id);
  }

  /** Every routing table: local, main, then the others in the order they were made. */
  *routingTables(): IterableIterator<RoutingTable> {
    yield this.localTable;
    yield this.mainTable;
    if (this.otherTables) yield* this.otherTables.values();
  }

  /** Adds a device with the next interface index. */
  addDevice(name: string, kind: DeviceKind, mac: string, mtu: number): NetDevice {
    if (this.devices.has(name)) throw new Error(`RTNETLINK answers: File exists (device ${name} in ${this.name})`);
    const dev = new NetDevice(this, this.nextIndex++, name, kind, mac, mtu);
    this.devices.set(name, dev);
    this.onChange();
    return dev;
  }

  /** Removes a device with its addresses, routes, neighbours and bridge membership; a veth takes its peer along. */
  removeDevice(name: string): void {
    const dev = this.devices.get(name);
    if (!dev) return;
    this.devices.delete(name);
    for (const a of dev.addresses) {
      if (this.local.get(a.ip) !== dev) continue;
      this.local.delete(a.ip);
      // Several devices may share an address (ptp gives every host-side veth the gateway address).
      for (const other of this.devices.values()) if (other.owns(a.ip)) this.local.set(a.ip, other);
    }
    for (const t of this.routingTables()) t.deleteDevice(name);
    this.neighTable?.deleteDevice(name);
    if (dev.master) {
      dev.master.ports?.delete(dev);
      dev.master.fdb?.deletePort(name);
    }
    dev.segment?.members.delete(dev);
    if (dev.peer) {
      const peer = dev.peer;
      dev.peer = undefined;
      peer.peer = undefined;
      peer.ns.removeDevice(peer.name);
    }
    this.onChange();
  }

  /** `lo` with 127.0.0.1/8 and its local routes (127.0.0.1/32, 127.0.0.0/8), as a new namespace has it. */
  addLoopback(): NetDevice {
    const lo = this.addDevice("lo", "loopback", "00:00:00:00:00:00", 65536);
    lo.addresses = LO_ADDRESSES;
    this.local.set(LO_IP, lo);
    const local = this.table(TABLE.local);
    for (const r of LO_ROUTES) local.add(r);
    return lo;
  }

  /**
   * `ip addr add ip/prefix dev`: the address, its `local` route in table local and (for a prefix
   * shorter than /32) the connected `proto kernel scope link` route in main, as the kernel adds them.
   */
  addAddress(devName: string, ip: number, prefix: number, scope: "global" | "host" | "link" = "global", options: { noprefixroute?: boolean } = {}): void {
    const dev = this.devices.get(devName);
    if (!dev) throw new Error(`Cannot find device "${devName}"`);
    if (dev.owns(ip)) throw new Error("RTNETLINK answers: File exists");
    dev.addresses = withAppended(dev.addresses, { ip, prefix, scope });
    if (!this.local.has(ip)) this.local.set(ip, dev);
    this.table(TABLE.local).add({ type: "local", network: ip, prefix: 32, dev: devName, src: ip, proto: "kernel", scope: "host" });
    if (prefix < 32 && !options.noprefixroute) {
      const network = (ip & prefixMask(prefix)) >>> 0;
      this.main.add({ type: "unicast", network, prefix, dev: devName, src: ip, proto: "kernel", scope: "link" });
    }
    this.onChange();
  }

  /** `ip addr del ip/prefix dev`: the address with its local and connected routes. */
  removeAddress(devName: string, ip: number): void {
    const dev = this.devices.get(devName);
    const i = dev ? dev.addresses.findIndex((a) => a.ip === ip) : -1;
    if (!dev || i < 0) return;
    const a = dev.addresses[i];
    // A new array, never spliced in place: lo's list is shared by every namespace.
    dev.addresses = dev.addresses.filter((_, j) => j !== i);
    this.table(TABLE.local).delete(ip, 32, undefined, (r) => r.dev === devName);
    if (a!.prefix < 32) this.main.delete(ip, a!.prefix, undefined, (r) => r.dev === devName && r.proto === "kernel");
    if (this.local.get(ip) === dev) {
      this.local.delete(ip);
      for (const other of this.devices.values()) if (other.owns(ip)) this.local.set(ip, other);
    }
    this.onChange();
  }

  /** The device owning `ip` here, if any. */
  localDevice(ip: number): NetDevice | undefined {
    return this.local.get(ip);
  }

  isLocal(ip: number): boolean {
    return this.local.has(ip) || (ip >>> 24) === 127;
  }

  /** The namespace's IPv4 addresses, excluding loopback. */
  addresses(): number[] {
    const out: number[] = [];
    for (const d of this.devices.values()) if (d.kind !== "loopback" && d.kind !== "dummy") for (const a of d.addresses) if (a.scope === "global") out.push(a.ip);
    return out;
  }

  /** The route for `dst` through the policy rules (first rule whose table has a match wins). */
  route(dst: number, src: number, mark: number): RouteResult | undefined {
    for (const rule of this.rules) {
      if (!policyRuleMatches(rule, src, mark)) continue;
      const route = this.existingTable(rule.table)?.lookup(dst);
      if (route) return { route, table: rule.table };
    }
    return undefined;
  }

  /** Tells the data plane something changed (cached flows are re-walked). */
  changed(): void {
    this.onChange();
  }
}
