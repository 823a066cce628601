import { prefixMask } from "./ipv4.js";

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

/** Well-known table ids. */
export const TABLE = { local: 255, main: 254, default: 253 } as const;

/** Up to this many routes a table is a flat list (a pod's few routes); past it, an index by prefix length. */
const SMALL_TABLE = 16;

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

  constructor(readonly id: number) {}

  get size(): number {
    return this.count;
  }

  /** Adds a route; refuses an exact duplicate (same prefix, metric and type) as `ip route add` does with "File exists". */
  add(route: Route): void {
    const network = (route.network & prefixMask(route.prefix)) >>> 0;
    const r = network === route.network ? route : { ...route, network };
    const same = (x: Route) => (x.metric ?? 0) === (r.metric ?? 0) && x.type === r.type && x.dev === r.dev;
    if (this.small) {
      if (this.small.some((x) => x.prefix === r.prefix && x.network === network && same(x))) throw new Error("RTNETLINK answers: File exists");
      this.small.push(r);
      this.count++;
      if (this.count > SMALL_TABLE) this.index();
      return;
    }
    const byPrefix = this.byPrefix!;
    let bucket = byPrefix[r.prefix];
    if (!bucket) bucket = byPrefix[r.prefix] = new Map();
    const list = bucket.get(network) ?? [];
    if (list.some(same)) throw new Error("RTNETLINK answers: File exists");
    list.push(r);
    list.sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
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
    if (this.small) {
      const before = this.small.length;
      this.small = this.small.filter((r) => r.dev !== dev);
      this.count -= before - this.small.length;
      return;
    }
    for (let p = 0; p <= 32; p++) {
      const bucket = this.byPrefix![p];
      if (!bucket) continue;
      for (const [key, list] of bucket) {
        const keep = list.filter((r) => r.dev !== dev);
        this.count -= list.length - keep.length;
        if (keep.length) bucket.set(key, keep);
        else bucket.delete(key);
      }
    }
  }

  /** Longest-prefix match: the best route for `dst`, or undefined. */
  lookup(dst: number): Route | undefined {
    if (this.small) {
      let best: Route | undefined;
      for (const r of this.small) {
        if (((dst & prefixMask(r.prefix)) >>> 0) !== r.network) continue;
        if (!best || r.prefix > best.prefix || (r.prefix === best.prefix && (r.metric ?? 0) < (best.metric ?? 0))) best = r;
      }
      return best;
    }
    for (let p = 32; p >= 0; p--) {
      const bucket = this.byPrefix![p];
      if (!bucket || bucket.size === 0) continue;
      const list = bucket.get((dst & prefixMask(p)) >>> 0);
      if (list) return list[0];
    }
    return undefined;
  }

  /** All routes, in the order `ip route` prints them (default first, then by address, then prefix). */
  routes(): Route[] {
    const out: Route[] = [];
    if (this.small) out.push(...this.small);
    else for (let p = 0; p <= 32; p++) for (const list of this.byPrefix![p]?.values() ?? []) out.push(...list);
    return out.sort((a, b) => (a.prefix === 0 ? -1 : 0) - (b.prefix === 0 ? -1 : 0) || a.network - b.network || a.prefix - b.prefix || (a.metric ?? 0) - (b.metric ?? 0));
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

/** Linux's default rules: 0 local, 32766 main, 32767 default. */
export function defaultPolicyRules(): PolicyRule[] {
  return [
    { priority: 0, table: TABLE.local },
    { priority: 32766, table: TABLE.main },
    { priority: 32767, table: TABLE.default },
  ];
}

/** True when the rule's selector matches a packet from `src` with `mark`. */
export function policyRuleMatches(rule: PolicyRule, src: number, mark: number): boolean {
  if (rule.from && ((src & prefixMask(rule.from.prefix)) >>> 0) !== rule.from.network) return false;
  if (rule.fwmark && ((mark & rule.fwmark.mask) >>> 0) !== rule.fwmark.value) return false;
  return true;
}
