import type { Node } from "kubernetes-types/core/v1.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { isTombstone } from "../../core/informers/tombstone.js";
import { ipv4ToUint32, parseIpv4Cidr } from "../../core/net/ipv4.js";
import { SharedRoutes } from "../../core/net/shared-layer.js";

function internalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

/**
 * kindnetd's routes, `<podCIDR> via <InternalIP> dev eth0` to every other node, kept once per
 * cluster (core/net/shared-layer.ts): one Node event handler updates them when a Node's podCIDR or
 * address changes, and each node's main table sees all but its own. Started by the first node.
 */
export class KindnetRoutes {
  readonly routes = new SharedRoutes();
  /** What each Node's route was made from (`<podCIDR> <ip>`), to pass over heartbeats. */
  private readonly made = new Map<string, { cidr: string; ip: string }>();
  private registration: { remove(): void } | undefined;
  private members = 0;

  constructor(private readonly informers: SharedInformerFactory) {}

  join(signal: AbortSignal): void {
    this.members++;
    if (this.registration) return;
    const nodes = this.informers.forResource<Node>("Node");
    this.registration = nodes.addEventHandler({
      onAdd: (n) => this.sync(n),
      onUpdate: (_o, n) => this.sync(n),
      onDelete: (n) => this.forget((isTombstone(n) ? n.obj : n).metadata?.name),
    });
    if (this.informers.all().some((i) => !i.isStarted())) this.informers.start(signal);
  }

  leave(): void {
    if (--this.members > 0) return;
    this.registration?.remove();
    this.registration = undefined;
  }

  private sync(node: Node): void {
    const name = node.metadata?.name;
    const cidr = node.spec?.podCIDR;
    const ip = internalIP(node);
    if (!name) return;
    const had = this.made.get(name);
    if (had && had.cidr === cidr && had.ip === ip) return;
    this.forget(name);
    if (!cidr || !ip) return;
    const { network, prefix } = parseIpv4Cidr(cidr);
    this.routes.set(name, { type: "unicast", network, prefix, via: ipv4ToUint32(ip), dev: "eth0", scope: "global" });
    this.made.set(name, { cidr, ip });
  }

  private forget(name: string | undefined): void {
    const had = name ? this.made.get(name) : undefined;
    if (!name || !had) return;
    const { network, prefix } = parseIpv4Cidr(had.cidr);
    this.routes.remove(name, network, prefix);
    this.made.delete(name);
  }
}
