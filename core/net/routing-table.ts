import { prefixMask } from "./ipv4.js";
import type { SharedRoutes } from "./shared-layer.js";
import { withAppended } from "../collections/exact-arrays.js";

/** `ip route`'s route types (unicast, local, broadcast, blackhole, unreachable, prohibit). */
export type RouteType = "unicast" | "local" | "broadcast" | "blackhole" | "unreachable" | "prohibit";
export type RouteScope = "global" | "link" | "host";

/** One route, as `ip route` shows it. Addresses are integers. */
export interface Route {
  readonly type: RouteType;
  readonly network: number;
  readonly prefix: number;
  /** Output device name (none for blackhole/unreachable). */
  readonly dev?: string;
  /** Next hop (`via`). */
  readonly via?: number;
  /** Preferred source address (`src`). */
  readonly src?: number;
  /** `proto kernel` (from an address), `boot` (default for `ip route add`), `static`, `bird`, ... */
  readonly proto?: string;
  readonly scope: RouteScope;
  readonly metric?: number;
  readonly onlink?: boolean;
  readonly mtu?: number;
}

/** `ip route`'s listing order: the default route first, then by address, prefix and metric. */
export function routeOrder(a: Route, b: Route): number {
  return (a.prefix === 0 ? -1 : 0) - (b.prefix === 0 ? -1 : 0) || a.network - b.network || a.prefix - b.prefix || (a.metric ?? 0) - (b.metric ?? 0);
}

/** Well-known table ids. */
export const TABLE = { local: 255, main: 254, default: 253 } as const;

/**
 * Which routes of an attached shared set a table sees beyond its owner exclusion: a routing
 * daemon's best paths (BIRD's kernel protocol exports a learned prefix only while it has a path).
 */
export interface RouteFilter {
  /** True while every route of the set (but the excluded owner's) is seen: sizes skip the per-route test. */
  all(): boolean;
  visible(route: Route): boolean;
}

/** A shared route set seen by one table: all its routes but those of `exclude`, those deleted here (`hidden`) and those `filter` hides. */
interface AttachedRoutes {
  readonly shared: SharedRoutes;
  readonly exclude: string;
  readonly hidden: Set<Route>;
  readonly filter: RouteFilter | undefined;
}

/**
 * `list` (ordered by metric, equal metrics in the order added) with `r` after every route of its
 * metric or lower: what appending and a stable sort by metric give, without the sort. A small list
 * is copied (an array grown by push keeps room for 16 more, and a node holds one per pod address);
 * a long one (ptp gives every host-side veth the gateway's /32, so one local-table entry holds a
 * route per pod) is appended to in place, rather than copied whole for each new pod.
 */
function insertByMetric(list: Route[], r: Route): Route[] {
  const metric = r.metric ?? 0;
  let i = list.length;
  while (i > 0 && (list[i - 1]!.metric ?? 0) > metric) i--;
  if (i < list.length) return [...list.slice(0, i), r, ...list.slice(i)];
  if (list.length < SMALL_TABLE) return withAppended(list, r);
  list.push(r);
  return list;
}

/**
 * Whether `x`, a route of the same network and prefix as `r`, takes the slot `r` wants (`metric` is
 * `r`'s): the same device, metric and type (`ip route add` refuses it with "File exists"). The
 * device first: it tells apart most routes of one entry (a veth per pod).
 */
function sameSlot(x: Route, r: Route, metric: number): boolean {
  return x.dev === r.dev && (x.metric ?? 0) === metric && x.type === r.type;
}

/** Up to this many routes a table is a flat list (a pod's few routes); past it, an index by prefix length. */
const SMALL_TABLE = 16;

/** From this many routes in one entry (one network and prefix), an add looks at the entry's devices before scanning it for a duplicate. */
const INDEXED_ENTRY = 32;

/**
 * The devices of a long entry's routes, per entry list: made on the first add that needs them, kept
 * while the list is appended to in place; a list replaced (a delete, an insert before the end) gets
 * its own when next needed, the old one's going with it.
 */
const entryDevices = new WeakMap<readonly Route[], Set<string | undefined>>();

function devicesOf(list: readonly Route[]): Set<string | undefined> {
  let devices = entryDevices.get(list);
  if (!devices) {
    devices = new Set();
    for (const r of list) devices.add(r.dev);
    entryDevices.set(list, devices);
  }
  return devices;
}

/**
 * One routing table with longest-prefix match. A small table is a flat list scanned per lookup;
 * a larger one buckets routes by prefix length (33 maps keyed by network address), so a lookup is
 * at most 33 map probes whatever the table size. Among routes for the same prefix the lowest
 * metric wins, then the one added first.
 */
export class RoutingTable {
  /** The routes while the table is small (undefined once indexed). */
  private small: Route[] | undefined = [];
  /** Index = prefix length, once the table outgrew the flat list. */
  private byPrefix: (Map<number, Route[]> | undefined)[] | undefined;
  private count = 0;
  /** Shared route sets this table sees (see shared-layer.ts); usually none. */
  private layers: AttachedRoutes[] | undefined;

  constructor(readonly id: number) {}

  /** Routes in the table, shared ones seen here included. */
  get size(): number {
    let n = this.count;
    if (this.layers)
      for (const l of this.layers) {
        if (l.filter && !l.filter.all()) {
          for (const r of l.shared.sorted()) if (this.visible(l, r)) n++;
          continue;
        }
        n += l.shared.size - l.shared.countOf(l.exclude);
        // Hidden routes still in the set (a route the set dropped since is in neither count).
        for (const r of l.hidden) {
          const owner = l.shared.ownerOf(r);
          if (owner !== undefined && owner !== l.exclude) n--;
        }
      }
    return n;
  }

  /**
   * Sees `shared`'s routes, except `exclude`'s, as this table's own (lookups, listings, size,
   * deletes) without copying them; detached by {@link detach} or when their device goes away.
   * With `filter`, only the routes it passes are seen.
   */
  attach(shared: SharedRoutes, exclude: string, filter?: RouteFilter): void {
    (this.layers ??= []).push({ shared, exclude, hidden: new Set(), filter });
  }

  detach(shared: SharedRoutes): void {
    this.layers = this.layers?.filter((l) => l.shared !== shared);
    if (!this.layers?.length) this.layers = undefined;
  }

  private visible(l: AttachedRoutes, r: Route): boolean {
    return !l.hidden.has(r) && l.shared.ownerOf(r) !== l.exclude && (!l.filter || l.filter.all() || l.filter.visible(r));
  }

  /** This table's own routes for exactly `network/prefix` (not the shared ones), best first: the table's own list, which a later {@link add} may extend (read it before changing the table). */
  exact(network: number, prefix: number): readonly Route[] {
    const key = (network & prefixMask(prefix)) >>> 0;
    if (this.small) return this.small.filter((r) => r.prefix === prefix && r.network === key);
    return this.byPrefix![prefix]?.get(key) ?? [];
  }

  /** Adds a route; refuses an exact duplicate (same prefix, metric and type) as `ip route add` does with "File exists". */
  add(route: Route): void {
    const network = (route.network & prefixMask(route.prefix)) >>> 0;
    const r = network === route.network ? route : { ...route, network };
    const metric = r.metric ?? 0;
    if (this.layers) for (const l of this.layers) for (const x of l.shared.table.exact(network, r.prefix)) if (sameSlot(x, r, metric) && this.visible(l, x)) throw new Error("RTNETLINK answers: File exists");
    if (this.small) {
      for (const x of this.small) if (x.prefix === r.prefix && x.network === network && sameSlot(x, r, metric)) throw new Error("RTNETLINK answers: File exists");
      this.small = withAppended(this.small, r);
      this.count++;
      if (this.count > SMALL_TABLE) this.index();
      return;
    }
    const byPrefix = this.byPrefix!;
    let bucket = byPrefix[r.prefix];
    if (!bucket) bucket = byPrefix[r.prefix] = new Map();
    const old = bucket.get(network);
    if (old) {
      // One entry can hold a route per pod (ptp's gateway /32 in the local table): past a few, its
      // devices tell at once that most new routes repeat none (a route of another device never does).
      const devices = old.length < INDEXED_ENTRY ? undefined : devicesOf(old);
      if (!devices || devices.has(r.dev)) for (let i = 0; i < old.length; i++) if (sameSlot(old[i]!, r, metric)) throw new Error("RTNETLINK answers: File exists");
    }
    // Copies, not pushes: a pushed-to array keeps room for 16 more (a node's table has a route per pod).
    const list = old ? insertByMetric(old, r) : [r];
    // A long entry appended to in place keeps its devices up to date (a copy gets its own when next needed).
    if (list === old) entryDevices.get(old)?.add(r.dev);
    bucket.set(network, list);
    this.count++;
  }

  /** Adds or replaces the route for the same prefix and metric (`ip route replace`). */
  replace(route: Route): void {
    this.delete(route.network, route.prefix, route.metric);
    this.add(route);
  }

  /** Removes routes for `network/prefix` (only with `metric` if given); returns how many. */
  delete(network: number, prefix: number, metric?: number, predicate?: (r: Route) => boolean): number {
    const key = (network & prefixMask(prefix)) >>> 0;
    const stays = (r: Route) => (metric !== undefined && (r.metric ?? 0) !== metric) || (predicate !== undefined && !predicate(r));
    let hidden = 0;
    if (this.layers)
      for (const l of this.layers)
        for (const r of l.shared.table.exact(key, prefix))
          if (this.visible(l, r) && !stays(r)) {
            l.hidden.add(r);
            hidden++;
          }
    return hidden + this.deleteOwn(key, prefix, stays);
  }

  private deleteOwn(key: number, prefix: number, stays: (r: Route) => boolean): number {
    if (this.small) {
      const before = this.small.length;
      this.small = this.small.filter((r) => r.prefix !== prefix || r.network !== key || stays(r));
      this.count -= before - this.small.length;
      return before - this.small.length;
    }
    const bucket = this.byPrefix![prefix];
    const list = bucket?.get(key);
    if (!list) return 0;
    const keep = list.filter(stays);
    const removed = list.length - keep.length;
    if (keep.length) bucket!.set(key, keep);
    else bucket!.delete(key);
    this.count -= removed;
    return removed;
  }

  /** Removes every route through device `dev` (what the kernel does when a device goes away). */
  deleteDevice(dev: string): void {
    if (this.layers?.some((l) => l.shared.devices.has(dev))) {
      this.layers = this.layers.filter((l) => !l.shared.devices.has(dev));
      if (!this.layers.length) this.layers = undefined;
    }
    if (this.small) {
      const before = this.small.length;
      this.small = this.small.filter((r) => r.dev !== dev);
      this.count -= before - this.small.length;
      return;
    }
    for (let p = 0; p <= 32; p++) {
      const bucket = this.byPrefix![p];
      if (!bucket) continue;
      // Only the entries with a route through `dev` are replaced (a node's table has an entry per
      // pod, and a pod's veth goes with one or two of them): no copy of every other entry's list.
      bucket.forEach((list, key) => {
        let i = 0;
        while (i < list.length && list[i]!.dev !== dev) i++;
        if (i === list.length) return;
        const keep = list.filter((r) => r.dev !== dev);
        this.count -= list.length - keep.length;
        if (keep.length) bucket.set(key, keep);
        else bucket.delete(key);
      });
    }
  }

  /** Longest-prefix match: the best route for `dst`, or undefined (a route of this table wins a tie with a shared one). */
  lookup(dst: number): Route | undefined {
    const own = this.lookupOwn(dst);
    if (!this.layers) return own;
    let best = own;
    for (const l of this.layers) {
      const r = l.shared.table.lookupOwn(dst, (x) => !this.visible(l, x));
      if (r && (!best || r.prefix > best.prefix || (r.prefix === best.prefix && (r.metric ?? 0) < (best.metric ?? 0)))) best = r;
    }
    return best;
  }

  /** Longest-prefix match among this table's own routes, passing over those `skip` rejects. */
  lookupOwn(dst: number, skip?: (r: Route) => boolean): Route | undefined {
    if (this.small) {
      let best: Route | undefined;
      for (const r of this.small) {
        if (((dst & prefixMask(r.prefix)) >>> 0) !== r.network || skip?.(r)) continue;
        if (!best || r.prefix > best.prefix || (r.prefix === best.prefix && (r.metric ?? 0) < (best.metric ?? 0))) best = r;
      }
      return best;
    }
    for (let p = 32; p >= 0; p--) {
      const bucket = this.byPrefix![p];
      if (!bucket || bucket.size === 0) continue;
      const list = bucket.get((dst & prefixMask(p)) >>> 0);
      if (!list) continue;
      if (!skip) return list[0];
      for (const r of list) if (!skip(r)) return r;
    }
    return undefined;
  }

  /** All routes, in the order `ip route` prints them (default first, then by address, then prefix). */
  routes(): Route[] {
    const out: Route[] = [];
    if (this.small) out.push(...this.small);
    else for (let p = 0; p <= 32; p++) for (const list of this.byPrefix![p]?.values() ?? []) out.push(...list);
    out.sort(routeOrder);
    if (!this.layers) return out;
    // Merge the shared routes (kept sorted by their set) in: linear, where the table's own come first among equals.
    let merged = out;
    for (const l of this.layers) {
      const shared = l.shared.sorted();
      const next: Route[] = [];
      let i = 0;
      // Nothing hidden and no filter to ask: only the owner exclusion applies.
      const plain = l.hidden.size === 0 && (!l.filter || l.filter.all());
      for (const r of shared) {
        if (plain ? l.shared.ownerOf(r) === l.exclude : !this.visible(l, r)) continue;
        while (i < merged.length && routeOrder(merged[i]!, r) <= 0) next.push(merged[i++]!);
        next.push(r);
      }
      while (i < merged.length) next.push(merged[i++]!);
      merged = next;
    }
    return merged;
  }

  /** Moves the flat list into the prefix index (insertion order kept among equal metrics). */
  private index(): void {
    const routes = this.small!;
    this.small = undefined;
    this.byPrefix = new Array(33);
    this.count = 0;
    for (const r of routes) this.add(r);
  }
}

/** A policy routing rule (`ip rule`): packets matching the selector look up `table`. */
export interface PolicyRule {
  readonly priority: number;
  readonly table: number;
  /** `from` prefix. */
  readonly from?: { network: number; prefix: number };
  /** `fwmark value/mask`. */
  readonly fwmark?: { value: number; mask: number };
}

/** Linux's default rules: 0 local, 32766 main, 32767 default. Frozen and shared by every namespace (replace, never mutate, a namespace's rules). */
export const DEFAULT_POLICY_RULES: readonly PolicyRule[] = Object.freeze([
  Object.freeze({ priority: 0, table: TABLE.local }),
  Object.freeze({ priority: 32766, table: TABLE.main }),
  Object.freeze({ priority: 32767, table: TABLE.default }),
]);


/** True when the rule's selector matches a packet from `src` with `mark`. */
export function policyRuleMatches(rule: PolicyRule, src: number, mark: number): boolean {
  if (rule.from && ((src & prefixMask(rule.from.prefix)) >>> 0) !== rule.from.network) return false;
  if (rule.fwmark && ((mark & rule.fwmark.mask) >>> 0) !== rule.fwmark.value) return false;
  return true;
}
