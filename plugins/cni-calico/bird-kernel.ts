import type { NetNamespace } from "../../core/net/netns.js";
import type { Route, RouteFilter } from "../../core/net/routing-table.js";
import { SharedRoutes } from "../../core/net/shared-layer.js";
import { routeKey, type BgpRoute, type BirdSpeaker, type FabricListener } from "./bgp.js";

/**
 * BIRD's kernel protocol (`export filter calico_kernel_programming`) for a whole cluster: every
 * originated prefix becomes one `proto bird` route through its originator — over tunl0 (`onlink`)
 * when the pool encapsulates towards it, else via eth0 — kept once for the cluster
 * (core/net/shared-layer.ts) rather than copied into every node's table. A node's table sees the
 * routes its BIRD has a best path for (its own prefixes excluded), so a route learned or withdrawn
 * anywhere costs O(1) instead of one kernel update per node.
 */
export class BirdKernelRoutes implements FabricListener {
  readonly tunl0 = new SharedRoutes();
  readonly eth0 = new SharedRoutes();

  constructor(private readonly onChange: () => void) {}

  originated(owner: string, r: BgpRoute): void {
    this.tunl0.set(owner, { type: "unicast", network: r.network, prefix: r.prefix, via: r.nextHop, dev: "tunl0", proto: "bird", scope: "global", onlink: true });
    this.eth0.set(owner, { type: "unicast", network: r.network, prefix: r.prefix, via: r.nextHop, dev: "eth0", proto: "bird", scope: "global" });
    this.onChange();
  }

  retracted(owner: string, network: number, prefix: number): void {
    this.tunl0.remove(owner, network, prefix);
    this.eth0.remove(owner, network, prefix);
    this.onChange();
  }

  changed(): void {
    this.onChange();
  }

  /**
   * Node `root`'s kernel protocol for `speaker`: its table sees the route to a prefix's best next
   * hop, over tunl0 where `encapsulates(nextHop)` (IPIP Always, or CrossSubnet across subnets),
   * else via eth0. `uniform` says every next hop gets the same answer (IPIP Always or Never).
   */
  attach(root: NetNamespace, speaker: BirdSpeaker, encapsulates: (nextHop: number) => boolean, uniform: boolean): void {
    const self = speaker.node;
    const best = (r: Route): boolean => speaker.bestNextHop(routeKey(r.network, r.prefix)) === r.via;
    const tunnelled = uniform ? encapsulates(0) : undefined;
    if (tunnelled !== false) root.main.attach(this.tunl0, self, filter(speaker, uniform, (r) => best(r) && encapsulates(r.via!)));
    if (tunnelled !== true) root.main.attach(this.eth0, self, filter(speaker, uniform, (r) => best(r) && !encapsulates(r.via!)));
    root.changed();
  }

  detach(root: NetNamespace): void {
    root.main.detach(this.tunl0);
    root.main.detach(this.eth0);
    root.changed();
  }
}

function filter(speaker: BirdSpeaker, uniform: boolean, visible: (r: Route) => boolean): RouteFilter {
  return { all: () => uniform && speaker.up && speaker.seesAll(), visible: (r) => speaker.up && visible(r) };
}
