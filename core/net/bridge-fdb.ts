import type { SharedFdb } from "./shared-layer.js";

/** One forwarding database entry of a Linux bridge (or a VXLAN device's `dst` entries). */
export interface FdbEntry {
  readonly mac: string;
  /** The bridge port (device name) the address was learned on or pinned to. */
  readonly port: string;
  /** Learned entries age; `permanent` (the ports' own addresses, static entries) never do. */
  readonly permanent: boolean;
  /** For a VXLAN device: the remote VTEP (`dst`). */
  readonly dst?: number;
  /** Clock time of the last frame seen from the address. */
  updated: number;
}

/** The bridge's default ageing time (`ageing_time 30000` centiseconds = 300 s). */
export const DEFAULT_AGEING_MS = 300_000;

/**
 * A bridge's forwarding database: source addresses are learned per port on every frame, looked up
 * by destination, and forgotten after the ageing time without traffic (lazily, on read).
 */
export class BridgeFdb {
  private readonly entries = new Map<string, FdbEntry>();
  private layers: { readonly shared: SharedFdb; readonly exclude: string; readonly hidden: Set<FdbEntry> }[] | undefined;

  constructor(public ageingMs: number = DEFAULT_AGEING_MS) {}

  /** Sees `shared`'s entries, except `exclude`'s, as its own (shared-layer.ts): after its own in listings, shadowed by them. */
  attach(shared: SharedFdb, exclude: string): void {
    (this.layers ??= []).push({ shared, exclude, hidden: new Set() });
  }

  detach(shared: SharedFdb): void {
    this.layers = this.layers?.filter((l) => l.shared !== shared);
    if (!this.layers?.length) this.layers = undefined;
  }

  private shared(mac: string): { hidden: Set<FdbEntry>; entry: FdbEntry } | undefined {
    if (this.layers)
      for (const l of this.layers) {
        const e = l.shared.entries.get(mac);
        if (e && e.owner !== l.exclude && !l.hidden.has(e.entry)) return { hidden: l.hidden, entry: e.entry };
      }
    return undefined;
  }

  /** Learns (or refreshes) `mac` on `port`; a permanent entry is left alone. */
  learn(mac: string, port: string, now: number): void {
    const e = this.entries.get(mac) ?? this.shared(mac)?.entry;
    if (e?.permanent) return;
    if (e && e.port === port) e.updated = now;
    else this.entries.set(mac, { mac, port, permanent: false, updated: now });
  }

  /** Adds a static entry (`bridge fdb add ... permanent`). */
  addPermanent(mac: string, port: string, dst?: number): void {
    this.entries.set(mac, { mac, port, permanent: true, updated: 0, ...(dst !== undefined ? { dst } : {}) });
  }

  /** The entry for `mac` if present and not aged out at `now`. */
  lookup(mac: string, now: number): FdbEntry | undefined {
    const e = this.entries.get(mac);
    if (!e) return this.shared(mac)?.entry;
    if (!e.permanent && now - e.updated > this.ageingMs) {
      this.entries.delete(mac);
      return undefined;
    }
    return e;
  }

  delete(mac: string): boolean {
    if (this.entries.delete(mac)) return true;
    const s = this.shared(mac);
    s?.hidden.add(s.entry);
    return s !== undefined;
  }

  deletePort(port: string): void {
    if (this.layers) this.layers = this.layers.filter((l) => l.shared.port !== port);
    for (const [mac, e] of this.entries) if (e.port === port) this.entries.delete(mac);
  }

  /** Live entries as of `now` (expired ones are dropped). */
  list(now: number): FdbEntry[] {
    const out: FdbEntry[] = [];
    for (const [mac, e] of this.entries) {
      if (!e.permanent && now - e.updated > this.ageingMs) this.entries.delete(mac);
      else out.push(e);
    }
    if (this.layers)
      for (const l of this.layers)
        for (const { owner, entry } of l.shared.entries.values()) if (owner !== l.exclude && !l.hidden.has(entry) && !this.entries.has(entry.mac)) out.push(entry);
    return out;
  }
}
