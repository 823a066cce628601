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

/** A namespace's neighbour (ARP) table, keyed by device and address. */
export class NeighbourTable {
  private readonly entries = new Map<string, Neighbour>();

  get(dev: string, ip: number): Neighbour | undefined {
    return this.entries.get(`${dev}|${ip}`);
  }

  /** Records an ARP answer (REACHABLE) or a static entry (PERMANENT); PERMANENT entries are never overwritten by learning. */
  set(dev: string, ip: number, lladdr: string | undefined, state: NeighbourState, now: number): Neighbour {
    const key = `${dev}|${ip}`;
    const existing = this.entries.get(key);
    if (existing?.state === "PERMANENT" && state !== "PERMANENT") return existing;
    const n: Neighbour = { ip, dev, state, confirmed: now, ...(lladdr ? { lladdr } : {}) };
    this.entries.set(key, n);
    return n;
  }

  delete(dev: string, ip: number): boolean {
    return this.entries.delete(`${dev}|${ip}`);
  }

  deleteDevice(dev: string): void {
    for (const [k, n] of this.entries) if (n.dev === dev) this.entries.delete(k);
  }

  /** Entries with REACHABLE aged to STALE as of `now`. */
  list(now: number): Neighbour[] {
    const out: Neighbour[] = [];
    for (const n of this.entries.values()) {
      if (n.state === "REACHABLE" && now - n.confirmed > REACHABLE_MS) n.state = "STALE";
      out.push(n);
    }
    return out;
  }
}
