import type { UpstreamEndpoint } from "./request-handler.js";

/** How fast an endpoint's score forgets (ewma.lua's DECAY_TIME, seconds). */
const DECAY_SECONDS = 10;

/** One endpoint's peak-EWMA of its round-trip time (seconds) and when it was last updated (seconds). */
interface Stats {
  ewma: number;
  touchedAt: number;
}

/**
 * ingress-nginx's `ewma` balancer (rootfs/etc/nginx/lua/balancer/ewma.lua, after Finagle's
 * PeakEwma): each endpoint (`ip:port`, shared by every upstream of one nginx) keeps an
 * exponentially weighted moving average of its round-trip times (connect + response), decaying
 * toward the newest sample with a 10 s time constant; a pick draws two distinct endpoints at random
 * (power of two choices) and takes the one whose score — the average decayed to now, as if a zero
 * sample had just arrived — is lower, the first drawn on a tie. When an upstream's endpoints change,
 * the removed ones' stats are dropped and the added ones start at the average of the others (slow
 * start). State lives in one controller pod, as in one nginx's shared dictionaries.
 */
export class EwmaBalancer {
  private readonly stats = new Map<string, Stats>();
  /** The endpoint list each upstream was last balanced over (ewma.lua's `self.peers`). */
  private readonly peers = new Map<string, readonly UpstreamEndpoint[]>();

  constructor(
    /** Now, in seconds (ngx.now()). */
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The endpoint of `upstream` to send the next request to (`endpoints` is not empty). */
  pick(upstream: string, endpoints: readonly UpstreamEndpoint[]): UpstreamEndpoint {
    this.sync(upstream, endpoints);
    const n = endpoints.length;
    if (n === 1) return endpoints[0]!;
    // Two distinct endpoints at random (the first k=2 steps of a Fisher–Yates shuffle).
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const first = endpoints[i]!;
    const second = endpoints[j]!;
    return this.score(address(second)) < this.score(address(first)) ? second : first;
  }

  /** Records a finished request's round-trip time (`$upstream_connect_time + $upstream_response_time`, seconds) at `endpoint` (`ip:port`). */
  observe(endpoint: string, rttSeconds: number): void {
    this.stats.set(endpoint, { ewma: this.decayed(endpoint, rttSeconds), touchedAt: this.now() });
  }

  /** The endpoint's score now (its average decayed toward a zero sample; 0 when unknown). */
  score(endpoint: string): number {
    return this.decayed(endpoint, 0);
  }

  private decayed(endpoint: string, rtt: number): number {
    const s = this.stats.get(endpoint);
    const elapsed = Math.max(0, this.now() - (s?.touchedAt ?? 0));
    const weight = Math.exp(-elapsed / DECAY_SECONDS);
    return (s?.ewma ?? 0) * weight + rtt * (1 - weight);
  }

  /** ewma.lua's `sync`: forgets removed endpoints, starts added ones at the others' average. */
  private sync(upstream: string, endpoints: readonly UpstreamEndpoint[]): void {
    const before = this.peers.get(upstream);
    if (before === endpoints) return;
    this.peers.set(upstream, endpoints);
    if (!before) return;
    const old = new Set(before.map(address));
    const now = new Set(endpoints.map(address));
    const added = [...now].filter((a) => !old.has(a));
    const removed = [...old].filter((a) => !now.has(a));
    if (!added.length && !removed.length) return;
    for (const a of removed) this.stats.delete(a);
    const known = [...now].map((a) => this.stats.get(a)).filter((s): s is Stats => s !== undefined);
    if (!known.length) return;
    const start = known.reduce((sum, s) => sum + s.ewma, 0) / known.length;
    const at = this.now();
    for (const a of added) this.stats.set(a, { ewma: start, touchedAt: at });
  }
}

function address(e: UpstreamEndpoint): string {
  return `${e.ip}:${e.port}`;
}
