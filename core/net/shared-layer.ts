import type { FdbEntry } from "./bridge-fdb.js";
import type { Neighbour } from "./neighbour-table.js";
import { RoutingTable, type Route } from "./routing-table.js";

/**
 * Entries that every node of a cluster holds identically except for its own — a route, ARP entry
 * and FDB entry per other node's pod subnet, as flannel's vxlan backend and kindnet keep them —
 * stored once for the whole cluster instead of once per node (n² entries in total otherwise).
 * Each entry has an owner (the node it leads to); a node's table attaches the layer excluding its
 * own entries and sees the rest as if they were its own: lookups, listings and sizes include them,
 * deleting one on a node hides it there only, and an entry the node adds for the same key shadows
 * the shared one. Changes to a layer reach every attached table at once, as the one informer event
 * behind them reaches every node's agent at the same instant.
 */

/** The shared routes of a cluster (one per route set: a backend's, a pod network's). */
export class SharedRoutes {
  /** Every route, longest-prefix indexed (the owner's included: views skip it). */
  readonly table = new RoutingTable(0);
  private readonly owners = new Map<Route, string>();
  private readonly counts = new Map<string, number>();
  private listing: Route[] | undefined;
  /** Devices the routes go out of: a table losing one of them drops the layer, as the kernel drops a device's routes. */
  readonly devices = new Set<string>();

  get size(): number {
    return this.owners.size;
  }

  /** Adds `owner`'s route, replacing any route for the same prefix and metric (`ip route replace`, whoever owned it). */
  set(owner: string, route: Route): void {
    this.listing = undefined;
    for (const r of this.table.exact(route.network, route.prefix)) if ((r.metric ?? 0) === (route.metric ?? 0)) this.drop(r);
    this.table.add(route);
    const stored = this.table.exact(route.network, route.prefix).find((r) => !this.owners.has(r))!;
    this.owners.set(stored, owner);
    this.counts.set(owner, (this.counts.get(owner) ?? 0) + 1);
    if (route.dev) this.devices.add(route.dev);
  }

  /** Every route in `ip route` order (cached until the set changes). */
  sorted(): readonly Route[] {
    return (this.listing ??= this.table.routes());
  }

  /** Removes `owner`'s routes for `network/prefix`. */
  remove(owner: string, network: number, prefix: number): void {
    for (const r of this.table.exact(network, prefix)) if (this.owners.get(r) === owner) this.drop(r);
  }

  private drop(r: Route): void {
    this.listing = undefined;
    const owner = this.owners.get(r)!;
    this.table.delete(r.network, r.prefix, undefined, (x) => x === r);
    this.owners.delete(r);
    const left = (this.counts.get(owner) ?? 1) - 1;
    if (left) this.counts.set(owner, left);
    else this.counts.delete(owner);
  }

  ownerOf(route: Route): string | undefined {
    return this.owners.get(route);
  }

  /** How many routes `owner` has (what a table excluding it does not see). */
  countOf(owner: string): number {
    return this.counts.get(owner) ?? 0;
  }
}

interface Owned<T> {
  readonly owner: string;
  readonly entry: T;
}

/** Shared PERMANENT neighbour entries on one device name (flannel.1's remote VTEPs), by address. */
export class SharedNeighbours {
  readonly entries = new Map<number, Owned<Neighbour>>();

  constructor(readonly dev: string) {}

  set(owner: string, ip: number, lladdr: string): void {
    this.entries.delete(ip);
    this.entries.set(ip, { owner, entry: { ip, dev: this.dev, lladdr, state: "PERMANENT", confirmed: 0 } });
  }

  remove(owner: string, ip: number): void {
    if (this.entries.get(ip)?.owner === owner) this.entries.delete(ip);
  }
}

/** Shared permanent FDB entries of one device name (flannel.1's `<VtepMAC> dst <node IP>`), by MAC. */
export class SharedFdb {
  readonly entries = new Map<string, Owned<FdbEntry>>();

  constructor(readonly port: string) {}

  set(owner: string, mac: string, dst: number): void {
    this.entries.delete(mac);
    this.entries.set(mac, { owner, entry: { mac, port: this.port, permanent: true, updated: 0, dst } });
  }

  remove(owner: string, mac: string): void {
    if (this.entries.get(mac)?.owner === owner) this.entries.delete(mac);
  }
}
