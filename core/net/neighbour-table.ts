import type { SharedNeighbours } from "./shared-layer.js";

/** Neighbour states as `ip neigh` prints them. */
export type NeighbourState = "PERMANENT" | "REACHABLE" | "STALE" | "FAILED";

export interface Neighbour {
  readonly ip: number;
  readonly dev: string;
  lladdr?: string;
  state: NeighbourState;
  /** Clock time the entry was confirmed (REACHABLE turns STALE after base_reachable_time, 30 s). */
  confirmed: number;
}

/** How long an ARP answer stays REACHABLE (net.ipv4.neigh.default.base_reachable_time_ms). */
export const REACHABLE_MS = 30_000;

interface AttachedNeighbours {
  readonly shared: SharedNeighbours;
  readonly exclude: string;
  readonly hidden: Set<Neighbour>;
}

/**
 * A namespace's neighbour (ARP) table, keyed by device and address, with the shared entries it
 * sees (shared-layer.ts): listed after its own, shadowed by an own entry for the same address.
 */
export class NeighbourTable {
  private readonly entries = new Map<string, Neighbour>();
  private layers: AttachedNeighbours[] | undefined;

  /** Sees `shared`'s entries, except `exclude`'s, as its own until detached or their device goes away. */
  attach(shared: SharedNeighbours, exclude: string): void {
    (this.layers ??= []).push({ shared, exclude, hidden: new Set() });
  }

  detach(shared: SharedNeighbours): void {
    this.layers = this.layers?.filter((l) => l.shared !== shared);
    if (!this.layers?.length) this.layers = undefined;
  }

  private shared(dev: string, ip: number): { layer: AttachedNeighbours; entry: Neighbour } | undefined {
    if (this.layers)
      for (const layer of this.layers) {
        if (layer.shared.dev !== dev) continue;
        const e = layer.shared.entries.get(ip);
        if (e && e.owner !== layer.exclude && !layer.hidden.has(e.entry)) return { layer, entry: e.entry };
      }
    return undefined;
  }

  get(dev: string, ip: number): Neighbour | undefined {
    return this.entries.get(`${dev}|${ip}`) ?? this.shared(dev, ip)?.entry;
  }

  /** Records an ARP answer (REACHABLE) or a static entry (PERMANENT); PERMANENT entries are never overwritten by learning. */
  set(dev: string, ip: number, lladdr: string | undefined, state: NeighbourState, now: number): Neighbour {
    const key = `${dev}|${ip}`;
    const existing = this.entries.get(key) ?? this.shared(dev, ip)?.entry;
    if (existing?.state === "PERMANENT" && state !== "PERMANENT") return existing;
    const n: Neighbour = { ip, dev, state, confirmed: now, ...(lladdr ? { lladdr } : {}) };
    this.entries.set(key, n);
    return n;
  }

  delete(dev: string, ip: number): boolean {
    if (this.entries.delete(`${dev}|${ip}`)) return true;
    const s = this.shared(dev, ip);
    s?.layer.hidden.add(s.entry);
    return s !== undefined;
  }

  deleteDevice(dev: string): void {
    if (this.layers?.some((l) => l.shared.dev === dev)) this.detach(this.layers.find((l) => l.shared.dev === dev)!.shared);
    for (const [k, n] of this.entries) if (n.dev === dev) this.entries.delete(k);
  }

  /** Entries with REACHABLE aged to STALE as of `now`. */
  list(now: number): Neighbour[] {
    const out: Neighbour[] = [];
    for (const n of this.entries.values()) {
      if (n.state === "REACHABLE" && now - n.confirmed > REACHABLE_MS) n.state = "STALE";
      out.push(n);
    }
    if (this.layers)
      for (const l of this.layers)
        for (const { owner, entry } of l.shared.entries.values()) if (owner !== l.exclude && !l.hidden.has(entry) && !this.entries.has(`${entry.dev}|${entry.ip}`)) out.push(entry);
    return out;
  }
}
