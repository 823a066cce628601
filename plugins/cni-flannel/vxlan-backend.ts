import type { DataPlane } from "../../core/net/data-plane.js";
import type { NetDevice } from "../../core/net/device.js";
import { randomMac } from "../../core/net/mac.js";
import { HEADER } from "../../core/net/packet.js";
import type { NetNamespace } from "../../core/net/netns.js";
import type { Backend } from "./backend.js";
import type { Lease } from "./lease.js";
import { FLANNEL_VXLAN_PORT, type BackendConfig } from "./net-conf.js";
import type { SharedVxlanEntries } from "./vxlan-shared.js";

/** True when `ip` is reachable on the underlay without a gateway (flannel's ip.DirectRouting check). */
export function directlyReachable(root: NetNamespace, ip: number): boolean {
  const r = root.route(ip, 0, 0);
  return !!r && r.route.type === "unicast" && r.route.via === undefined && r.route.dev === "eth0";
}

/**
 * flannel's vxlan backend: the `flannel.<VNI>` device (learning off, port 8472, MTU = underlay − 50,
 * the subnet's .0 as a /32), and for each remote lease, in flannel's order, a permanent neighbour
 * entry (remote .0 → remote VtepMAC), an FDB entry (VtepMAC → remote public IP) and the route
 * `<subnet> via <remote .0> dev flannel.1 onlink`. With DirectRouting, peers on the same underlay
 * subnet get `<subnet> via <public IP> dev eth0` instead, no encapsulation.
 */
export class VxlanBackend implements Backend {
  readonly type = "vxlan";
  readonly mtu: number;
  private readonly ownErrors: string[] = [];
  private readonly dev: NetDevice;
  private readonly sharedEntries: SharedVxlanEntries | undefined;
  private readonly direct = new Set<string>();

  constructor(
    private readonly plane: DataPlane,
    private readonly root: NetNamespace,
    local: { network: number; publicIP: number },
    private readonly config: BackendConfig,
    mac: string = randomMac(plane.random),
    /** The cluster's shared entries for a device name: when given, this node's tables see them instead of taking lease events. */
    shared?: (dev: string) => SharedVxlanEntries,
  ) {
    const vni = config.VNI ?? 1;
    const underlay = root.devices.get("eth0")!;
    this.mtu = underlay.mtu - HEADER.vxlan;
    const name = `flannel.${vni}`;
    root.removeDevice(name);
    this.dev = root.addDevice(name, "vxlan", mac, this.mtu);
    this.dev.vxlan = { vni, local: local.publicIP, dev: "eth0", port: config.Port || FLANNEL_VXLAN_PORT, learning: false };
    root.addAddress(name, local.network, 32);
    if (shared) {
      const entries = (this.sharedEntries = shared(name));
      const self = root.node!;
      root.main.attach(entries.routes, self);
      root.neigh.attach(entries.neighbours, self);
      this.dev.fdb!.attach(entries.fdb, self);
      root.changed();
    }
  }

  get shared(): boolean {
    return this.sharedEntries !== undefined;
  }

  get errors(): readonly string[] {
    return this.sharedEntries ? [...this.ownErrors, ...this.sharedEntries.errorsSeenBy(this.root.node!)] : this.ownErrors;
  }

  get data(): Lease["backendData"] {
    return { VNI: this.dev.vxlan!.vni, VtepMAC: this.dev.mac };
  }

  added(lease: Lease): void {
    if (lease.backendType !== "vxlan") {
      this.ownErrors.push(`ignoring non-vxlan v4Subnet(${lease.subnet}): type=${lease.backendType}`);
      return;
    }
    const mac = lease.backendData.VtepMAC;
    if (!mac) {
      this.ownErrors.push(`error decoding subnet lease JSON: VtepMAC missing for ${lease.subnet}`);
      return;
    }
    this.remove(lease);
    const now = this.plane.clock.now();
    if (this.config.DirectRouting && directlyReachable(this.root, lease.publicIP)) {
      this.root.main.replace({ type: "unicast", network: lease.network, prefix: lease.prefix, via: lease.publicIP, dev: "eth0", scope: "global" });
      this.direct.add(lease.subnet);
    } else {
      this.root.neigh.set(this.dev.name, lease.network, mac, "PERMANENT", now);
      this.dev.fdb!.addPermanent(mac, this.dev.name, lease.publicIP);
      this.root.main.replace({ type: "unicast", network: lease.network, prefix: lease.prefix, via: lease.network, dev: this.dev.name, scope: "global", onlink: true });
    }
    this.root.changed();
  }

  removed(lease: Lease): void {
    this.remove(lease);
    this.root.changed();
  }

  private remove(lease: Lease): void {
    if (this.direct.delete(lease.subnet)) {
      this.root.main.delete(lease.network, lease.prefix, undefined, (r) => r.dev === "eth0" && r.via === lease.publicIP);
      return;
    }
    const n = this.root.neigh.get(this.dev.name, lease.network);
    this.root.neigh.delete(this.dev.name, lease.network);
    const mac = n?.lladdr ?? lease.backendData.VtepMAC;
    if (mac && this.dev.fdb!.lookup(mac, 0)?.dst === lease.publicIP) this.dev.fdb!.delete(mac);
    this.root.main.delete(lease.network, lease.prefix, undefined, (r) => r.dev === this.dev.name);
  }

  teardown(): void {
    if (this.sharedEntries) {
      this.root.main.detach(this.sharedEntries.routes);
      this.root.neigh.detach(this.sharedEntries.neighbours);
    }
    this.root.removeDevice(this.dev.name);
  }

}
