import { SharedFdb, SharedNeighbours, SharedRoutes } from "../../core/net/shared-layer.js";
import type { Lease, LeaseEvents } from "./lease.js";

/**
 * The entries every node's vxlan backend (`flannel.<VNI>`, no DirectRouting) programs for the other
 * nodes' leases — per lease the permanent neighbour `<remote .0> lladdr <VtepMAC>`, the FDB entry
 * `<VtepMAC> dst <public IP>` and the route `<subnet> via <remote .0> dev flannel.<VNI> onlink` —
 * kept once for the cluster (core/net/shared-layer.ts): each node's tables attach them leaving out
 * its own lease, so a lease event costs O(1) instead of one update per node. The problems flanneld
 * logs about a lease are kept here too and shown on every node but the lease's owner.
 */
export class SharedVxlanEntries implements LeaseEvents {
  readonly routes = new SharedRoutes();
  readonly neighbours: SharedNeighbours;
  readonly fdb: SharedFdb;
  /** Problems per lease owner (each node but the owner logs them). */
  readonly errors = new Map<string, string>();

  constructor(readonly dev: string) {
    this.neighbours = new SharedNeighbours(dev);
    this.fdb = new SharedFdb(dev);
  }

  added(lease: Lease): void {
    this.errors.delete(lease.owner);
    if (lease.backendType !== "vxlan") {
      this.errors.set(lease.owner, `ignoring non-vxlan v4Subnet(${lease.subnet}): type=${lease.backendType}`);
      return;
    }
    const mac = lease.backendData.VtepMAC;
    if (!mac) {
      this.errors.set(lease.owner, `error decoding subnet lease JSON: VtepMAC missing for ${lease.subnet}`);
      return;
    }
    this.neighbours.set(lease.owner, lease.network, mac);
    this.fdb.set(lease.owner, mac, lease.publicIP);
    this.routes.set(lease.owner, { type: "unicast", network: lease.network, prefix: lease.prefix, via: lease.network, dev: this.dev, scope: "global", onlink: true });
  }

  removed(lease: Lease): void {
    this.errors.delete(lease.owner);
    this.neighbours.remove(lease.owner, lease.network);
    const mac = lease.backendData.VtepMAC;
    if (mac) this.fdb.remove(lease.owner, mac);
    this.routes.remove(lease.owner, lease.network, lease.prefix);
  }

  /** What a node other than `self` logged about the leases. */
  errorsSeenBy(self: string): string[] {
    const out: string[] = [];
    for (const [owner, e] of this.errors) if (owner !== self) out.push(e);
    return out;
  }
}
