import type { Node } from "kubernetes-types/core/v1.js";
import type { Client } from "../../core/client/client.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { isTombstone } from "../../core/informers/tombstone.js";
import { ipv4ToUint32, parseIpv4Cidr } from "../../core/net/ipv4.js";
import type { Logger } from "../../core/log/logger.js";
import type { Lease, LeaseEvents, SubnetManager } from "./lease.js";
import { SharedVxlanEntries } from "./vxlan-shared.js";

/** The annotations flannel's kube subnet manager keeps on each Node. */
export const ANNOTATION = {
  backendType: "flannel.alpha.coreos.com/backend-type",
  backendData: "flannel.alpha.coreos.com/backend-data",
  publicIP: "flannel.alpha.coreos.com/public-ip",
  kubeSubnetManager: "flannel.alpha.coreos.com/kube-subnet-manager",
} as const;

/** The lease a Node describes, once it has a podCIDR and flannel's annotations; undefined before. */
export function leaseOfNode(node: Node): Lease | undefined {
  const a = node.metadata?.annotations ?? {};
  const cidr = node.spec?.podCIDR;
  const type = a[ANNOTATION.backendType];
  const ip = a[ANNOTATION.publicIP];
  // udp leases carry an empty backend type (upstream's udp LeaseAttrs has none).
  if (!cidr || type === undefined || !ip || !node.metadata?.name) return undefined;
  let data: Lease["backendData"] = {};
  try {
    data = JSON.parse(a[ANNOTATION.backendData] ?? "null") ?? {};
  } catch {
    return undefined;
  }
  const { network, prefix } = parseIpv4Cidr(cidr);
  return { owner: node.metadata.name, subnet: cidr, network, prefix, publicIP: ipv4ToUint32(ip), backendType: type, backendData: data };
}

/** True when two versions of a Node agree on everything a lease is made of. */
function sameLeaseFields(a: Node, b: Node): boolean {
  const x = a.metadata?.annotations ?? {};
  const y = b.metadata?.annotations ?? {};
  return a.spec?.podCIDR === b.spec?.podCIDR && x[ANNOTATION.backendType] === y[ANNOTATION.backendType] && x[ANNOTATION.backendData] === y[ANNOTATION.backendData] && x[ANNOTATION.publicIP] === y[ANNOTATION.publicIP];
}

function sameLease(a: Lease, b: Lease): boolean {
  return a.subnet === b.subnet && a.publicIP === b.publicIP && a.backendType === b.backendType && JSON.stringify(a.backendData) === JSON.stringify(b.backendData);
}

/**
 * What every node's kube subnet manager learns from the Nodes, learned once per cluster: one Node
 * event handler keeps the leases (parsed once per Node change, not once per node), programs the
 * shared vxlan entries, hands each node its own Node (to publish its annotations) and reports
 * other nodes' leases to the nodes whose backends keep entries of their own (host-gw, udp,
 * DirectRouting). Started by the first node's flanneld.
 */
export class KubeLeaseWatcher {
  private readonly known = new Map<string, Lease>();
  private readonly own = new Map<string, (node: Node) => void>();
  private readonly subscribers = new Map<string, LeaseEvents>();
  private readonly vxlan = new Map<string, SharedVxlanEntries>();
  private registration: { remove(): void } | undefined;

  constructor(private readonly informers: SharedInformerFactory) {}

  /** The shared entries of vxlan device `dev` (made on first use from the leases known). */
  vxlanEntries(dev: string): SharedVxlanEntries {
    let v = this.vxlan.get(dev);
    if (!v) {
      this.vxlan.set(dev, (v = new SharedVxlanEntries(dev)));
      for (const lease of this.known.values()) v.added(lease);
    }
    return v;
  }

  /** Registers node `self`: `onOwn` gets its Node on every change, `events` (if any) the other nodes' leases, the known ones first. */
  join(self: string, onOwn: (node: Node) => void, events: LeaseEvents | undefined, signal: AbortSignal): void {
    this.own.set(self, onOwn);
    if (events) {
      this.subscribers.set(self, events);
      for (const lease of this.known.values()) if (lease.owner !== self) events.added(lease);
    }
    this.start(signal);
    const node = this.informers.forResource<Node>("Node").lister().get(self);
    if (node) onOwn(node);
  }

  leave(self: string): void {
    this.own.delete(self);
    this.subscribers.delete(self);
    if (this.own.size === 0) {
      this.registration?.remove();
      this.registration = undefined;
      this.known.clear();
      this.vxlan.clear();
    }
  }

  /** The leases of nodes other than `self`. */
  leasesExcept(self: string): Lease[] {
    return [...this.known.values()].filter((l) => l.owner !== self);
  }

  private start(signal: AbortSignal): void {
    if (this.registration) return;
    const nodes = this.informers.forResource<Node>("Node");
    this.registration = nodes.addEventHandler({
      onAdd: (n) => this.onNode(n),
      // Most Node updates are status heartbeats: only the podCIDR and flannel's annotations make a lease.
      onUpdate: (o, n) => {
        const name = n.metadata?.name;
        if (name) this.own.get(name)?.(n);
        if (!sameLeaseFields(o, n)) this.onNode(n, true);
      },
      onDelete: (n) => {
        const node = isTombstone(n) ? n.obj : n;
        const name = node.metadata?.name;
        const old = name ? this.known.get(name) : undefined;
        if (!old || !name) return;
        this.known.delete(name);
        this.removed(old);
      },
    });
    if (this.informers.all().some((i) => !i.isStarted())) this.informers.start(signal);
  }

  private onNode(node: Node, ownSeen = false): void {
    const name = node.metadata?.name;
    if (!name) return;
    if (!ownSeen) this.own.get(name)?.(node);
    const lease = leaseOfNode(node);
    const old = this.known.get(name);
    if (old && lease && sameLease(old, lease)) return;
    if (old) {
      this.known.delete(name);
      this.removed(old);
    }
    if (lease) {
      this.known.set(name, lease);
      for (const v of this.vxlan.values()) v.added(lease);
      for (const [self, events] of this.subscribers) if (self !== name) events.added(lease);
    }
  }

  private removed(lease: Lease): void {
    for (const v of this.vxlan.values()) v.removed(lease);
    for (const [self, events] of this.subscribers) if (self !== lease.owner) events.removed(lease);
  }
}

/**
 * flannel's kube subnet manager (`--kube-subnet-mgr`) on one node: the node's subnet is its
 * `spec.podCIDR`; the lease is published as annotations on the node's own Node object (backend
 * type and data, public IP); every other Node carrying them is a lease, added when they appear and
 * removed when the Node is deleted (a Node that loses its podCIDR or annotations is a removed
 * lease too). The Nodes are watched once per cluster ({@link KubeLeaseWatcher}).
 */
export class KubeSubnetManager implements SubnetManager {
  private publishing = false;
  private joined = false;

  constructor(
    private readonly self: string,
    private readonly client: Client,
    private readonly watcher: KubeLeaseWatcher,
    private readonly log: Logger,
  ) {}

  /**
   * Publishes this node's lease (annotations) whenever its Node lacks or differs from them, and
   * reports other nodes' leases to `events` — unless the backend's entries are shared
   * (`events` undefined), which the watcher programs itself.
   */
  start(annotations: Record<string, string>, events: LeaseEvents | undefined, signal: AbortSignal): void {
    this.joined = true;
    this.watcher.join(this.self, (node) => this.publish(node, annotations), events, signal);
  }

  private publish(node: Node, annotations: Record<string, string>): void {
    const current = node.metadata?.annotations ?? {};
    if (this.publishing || Object.entries(annotations).every(([k, v]) => current[k] === v)) return;
    this.publishing = true;
    this.client
      .resource<Node>("Node")
      .patch(this.self, "merge", { metadata: { annotations } }, { fieldManager: "flanneld" })
      .catch((err: unknown) => this.log.warn("failed to publish the node's lease annotations", { node: this.self, error: String(err) }))
      .finally(() => (this.publishing = false));
  }

  /** The leases of other nodes currently known. */
  leases(): Lease[] {
    return this.watcher.leasesExcept(this.self);
  }

  stop(): void {
    if (this.joined) this.watcher.leave(this.self);
    this.joined = false;
  }
}
