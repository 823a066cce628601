import type { Node } from "kubernetes-types/core/v1.js";
import type { Client } from "../../core/client/client.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { isTombstone } from "../../core/informers/tombstone.js";
import { ipv4ToUint32, parseIpv4Cidr } from "../../core/net/ipv4.js";
import type { Logger } from "../../core/log/logger.js";
import type { Lease, LeaseEvents, SubnetManager } from "./lease.js";

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
 * flannel's kube subnet manager (`--kube-subnet-mgr`): the node's subnet is its `spec.podCIDR`; the
 * lease is published as annotations on the node's own Node object (backend type and data, public
 * IP); every other Node carrying them is a lease, added when they appear and removed when the Node
 * is deleted. A Node that loses its podCIDR or annotations is a removed lease too.
 */
export class KubeSubnetManager implements SubnetManager {
  private readonly known = new Map<string, Lease>();
  private registration: { remove(): void } | undefined;
  private publishing = false;

  constructor(
    private readonly self: string,
    private readonly client: Client,
    private readonly informers: SharedInformerFactory,
    private readonly log: Logger,
  ) {}

  /**
   * Publishes this node's lease (annotations) whenever its Node lacks or differs from them, and
   * reports other nodes' leases to `events`. Starts the informers if needed.
   */
  start(annotations: Record<string, string>, events: LeaseEvents, signal: AbortSignal): void {
    const nodes = this.informers.forResource<Node>("Node");
    const onNode = (node: Node): void => {
      const name = node.metadata?.name;
      if (!name) return;
      if (name === this.self) return this.publish(node, annotations);
      const lease = leaseOfNode(node);
      const old = this.known.get(name);
      if (old && lease && sameLease(old, lease)) return;
      if (old) {
        this.known.delete(name);
        events.removed(old);
      }
      if (lease) {
        this.known.set(name, lease);
        events.added(lease);
      }
    };
    this.registration = nodes.addEventHandler({
      onAdd: onNode,
      // Most Node updates are status heartbeats: only the podCIDR and flannel's annotations make a lease.
      onUpdate: (o, n) => (n.metadata?.name !== this.self && sameLeaseFields(o, n) ? undefined : onNode(n)),
      onDelete: (n) => {
        const node = isTombstone(n) ? n.obj : n;
        const name = node.metadata?.name;
        const old = name ? this.known.get(name) : undefined;
        if (!old || !name) return;
        this.known.delete(name);
        events.removed(old);
      },
    });
    if (this.informers.all().some((i) => !i.isStarted())) this.informers.start(signal);
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
    return [...this.known.values()];
  }

  stop(): void {
    this.registration?.remove();
    this.registration = undefined;
  }
}
