import type { EndpointAddress, EndpointPort } from "kubernetes-types/core/v1.js";
import type { EntryChange } from "./service-pod-entries.js";

/** What the Endpoints controller knows of a selected pod: its address, its subset (ports) and list (ready or not). */
export interface AddressEntry {
  address: EndpointAddress;
  portsKey: string;
  ports: readonly EndpointPort[];
  ready: boolean;
}

/** One subset's addresses before truncation: ready and not ready, each sorted by IP. */
export interface AddressGroup {
  ports: readonly EndpointPort[];
  ready: AddressEntry[];
  notReady: AddressEntry[];
}

const byIp = (a: AddressEntry, b: AddressEntry): number => (a.address.ip < b.address.ip ? -1 : a.address.ip > b.address.ip ? 1 : 0);

/** The first index in `list` (sorted by IP) whose IP is not below `ip`. */
function lowerBound(list: readonly AddressEntry[], ip: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.address.ip < ip) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A Service's addresses grouped by ports key and sorted by IP, as the Endpoints controller's
 * subsets list them (stable: pods sharing an IP keep the entries' order). Built from every entry,
 * or changed in place by a sync's entry changes (a binary search per change instead of a sort of
 * every address); a change next to another pod with the same IP rebuilds, so the order is always
 * the one a full sort gives.
 */
export class AddressGroups {
  private constructor(readonly groups: Map<string, AddressGroup>) {}

  /** Groups of every entry, in their order, sorted by IP. */
  static of(entries: Iterable<AddressEntry>): AddressGroups {
    const groups = new Map<string, AddressGroup>();
    for (const e of entries) {
      let group = groups.get(e.portsKey);
      if (!group) groups.set(e.portsKey, (group = { ports: e.ports, ready: [], notReady: [] }));
      (e.ready ? group.ready : group.notReady).push(e);
    }
    for (const g of groups.values()) {
      g.ready.sort(byIp);
      g.notReady.sort(byIp);
    }
    return new AddressGroups(groups);
  }

  /** Applies changed entries in place; false when one needs a rebuild ({@link of}), leaving the groups unusable. */
  apply(changes: readonly EntryChange<AddressEntry>[]): boolean {
    for (const { before, after } of changes) {
      if (before && !this.remove(before)) return false;
      if (after && !this.insert(after)) return false;
    }
    return true;
  }

  private listOf(e: AddressEntry, create: boolean): AddressEntry[] | undefined {
    let group = this.groups.get(e.portsKey);
    if (!group && create) this.groups.set(e.portsKey, (group = { ports: e.ports, ready: [], notReady: [] }));
    return group && (e.ready ? group.ready : group.notReady);
  }

  private remove(e: AddressEntry): boolean {
    const list = this.listOf(e, false);
    if (!list) return false;
    const at = lowerBound(list, e.address.ip);
    if (list[at] !== e || list[at + 1]?.address.ip === e.address.ip) return false;
    list.splice(at, 1);
    const group = this.groups.get(e.portsKey)!;
    if (group.ready.length === 0 && group.notReady.length === 0) this.groups.delete(e.portsKey);
    return true;
  }

  private insert(e: AddressEntry): boolean {
    const list = this.listOf(e, true)!;
    const at = lowerBound(list, e.address.ip);
    if (list[at]?.address.ip === e.address.ip) return false;
    list.splice(at, 0, e);
    return true;
  }
}
