import { isDeepStrictEqual } from "node:util";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { formatApiVersion, type KubeObject } from "../../../../core/api/object.js";
import type { RegisteredType } from "../../../../core/api/resource-registry.js";
import type { SharedInformer } from "../../../../core/informers/shared-informer.js";

/** Finalizers the API server records for non-background propagation (`metav1.FinalizerOrphanDependents`, `FinalizerDeleteDependents`). */
export const ORPHAN = "orphan";
export const FOREGROUND = "foregroundDeletion";

/** An informer the collector watches, with the type it serves. */
export interface Monitor {
  readonly type: RegisteredType;
  readonly informer: SharedInformer<KubeObject>;
}

/** Who a node is (upstream's objectReference): owner coordinates plus the namespace ("" when cluster-scoped). */
export interface Identity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
}

/**
 * One object of the ownership graph (upstream's `node`). A virtual node stands for an owner named
 * by a dependent but not observed by any informer yet; its identity comes from that reference and
 * the dependent's namespace.
 */
export class GraphNode {
  /** Dependents naming this node among their owners; created with the first. */
  dependents: Set<GraphNode> | undefined;
  owners: readonly OwnerReference[];
  /** The informer it was observed in; undefined while virtual. */
  monitor: Monitor | undefined;
  beingDeleted = false;
  deletingDependents = false;

  constructor(public identity: Identity, owners: readonly OwnerReference[], monitor?: Monitor) {
    this.owners = owners;
    this.monitor = monitor;
  }

  get virtual(): boolean {
    return this.monitor === undefined;
  }

  /** Dependents whose reference to this node has `blockOwnerDeletion: true`. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents ?? []) if (dep.owners.some((r) => r.uid === this.identity.uid && r.blockOwnerDeletion === true)) out.push(dep);
    return out;
  }
}

/** Where the graph builder sends work (upstream's attemptToDelete and attemptToOrphan queues, and the absent-owner cache). */
export interface GraphSink {
  attemptToDelete(node: GraphNode): void;
  attemptToOrphan(node: GraphNode): void;
  /** Remembers an owner confirmed absent. */
  ownerAbsent(identity: Identity): void;
}

const beingDeleted = (obj: KubeObject): boolean => !!obj.metadata?.deletionTimestamp;
const hasFinalizer = (obj: KubeObject, finalizer: string): boolean => obj.metadata?.finalizers?.includes(finalizer) ?? false;

/** The object just started waiting on `finalizer` (upstream's deletionStartsWithFinalizer). */
function deletionStartsWith(old: KubeObject | undefined, obj: KubeObject, finalizer: string): boolean {
  if (!beingDeleted(obj) || !hasFinalizer(obj, finalizer)) return false;
  return !old || !beingDeleted(old) || !hasFinalizer(old, finalizer);
}

const refMatches = (ref: OwnerReference, id: Identity): boolean => ref.uid === id.uid && ref.name === id.name && ref.kind === id.kind && ref.apiVersion === id.apiVersion;
const sameIdentity = (a: Identity, b: Identity): boolean => a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion && a.namespace === b.namespace;

/** Owner references added, removed and changed (same uid, other fields) between two lists (upstream's referencesDiffs). */
function referencesDiffs(old: readonly OwnerReference[], now: readonly OwnerReference[]): { added: OwnerReference[]; removed: OwnerReference[]; changed: [OwnerReference, OwnerReference][] } {
  const added: OwnerReference[] = [];
  const changed: [OwnerReference, OwnerReference][] = [];
  const remaining = new Map(old.map((r) => [r.uid, r]));
  for (const ref of now) {
    const before = remaining.get(ref.uid);
    if (!before) added.push(ref);
    else {
      if (before !== ref && !isDeepStrictEqual(before, ref)) changed.push([before, ref]);
      remaining.delete(ref.uid);
    }
  }
  return { added, removed: [...remaining.values()], changed };
}

/**
 * The collector's dependency graph, kept from the informers' events as upstream's GraphBuilder
 * (pkg/controller/garbagecollector/graph_builder.go): uid → node, each node with its owners and
 * dependents. Only these events send work to the collector:
 * - an owner not in the graph yet becomes a virtual node, sent to attemptToDelete (which confirms
 *   it exists or reports it absent through {@link virtualDelete});
 * - a reference whose coordinates (or namespace) disagree with the observed owner sends the dependent;
 * - a reference with `blockOwnerDeletion: true` removed or unblocked sends its owner (it may wait on it);
 * - deletion starting with the `orphan` finalizer sends the object to attemptToOrphan; with
 *   `foregroundDeletion`, the object and all its dependents to attemptToDelete;
 * - a delete event sends the object's dependents, and its owners deleting their dependents.
 * A status update, a label change or anything else leaving ownerReferences, deletionTimestamp
 * and finalizers alone sends nothing. Events run synchronously in the informers' handlers.
 */
export class GraphBuilder {
  private readonly nodes = new Map<string, GraphNode>();

  constructor(private readonly sink: GraphSink) {}

  node(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Objects in the graph, virtual ones included. */
  get size(): number {
    return this.nodes.size;
  }

  /** An add or update event of `obj` (its previous version `old` on update) from `monitor`'s informer. */
  observe(monitor: Monitor, obj: KubeObject, old?: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const owners = obj.metadata?.ownerReferences ?? [];
    let node = this.nodes.get(uid);
    if (!node) {
      node = new GraphNode(identityOf(monitor, obj), owners, monitor);
      node.beingDeleted = beingDeleted(obj);
      node.deletingDependents = node.beingDeleted && hasFinalizer(obj, FOREGROUND);
      this.nodes.set(uid, node);
      this.addDependentToOwners(node, owners);
      this.processTransitions(old, obj, node);
      return;
    }
    if (node.virtual) {
      // First observation of a node so far known from its dependents' references: those naming it
      // by other coordinates may be wrong, the collector checks them.
      const identity = identityOf(monitor, obj);
      if (!sameIdentity(identity, node.identity)) for (const dep of this.partition(node, identity).nonmatching) this.sink.attemptToDelete(dep);
      node.identity = identity;
    } else if (node.monitor !== monitor) {
      // Seen through another informer (another version of its type): its identity takes that version.
      // From the same informer the identity's version and kind are the ones it already has.
      const identity = identityOf(monitor, obj);
      if (node.identity.apiVersion !== identity.apiVersion || node.identity.kind !== identity.kind) node.identity = identity;
    }
    node.monitor = monitor;
    if (node.owners !== owners) {
      const { added, removed, changed } = referencesDiffs(node.owners, owners);
      if (added.length || removed.length || changed.length) {
        this.addUnblockedOwners(removed, changed);
        node.owners = owners;
        this.addDependentToOwners(node, added);
        this.removeDependentFromOwners(node, removed);
      } else node.owners = owners;
    }
    if (beingDeleted(obj)) node.beingDeleted = true;
    this.processTransitions(old, obj, node);
  }

  /** A delete event of `obj` from an informer. */
  forget(obj: KubeObject): void {
    const node = obj.metadata?.uid ? this.nodes.get(obj.metadata.uid) : undefined;
    if (node) this.removeAndNotify(node);
  }

  /**
   * The collector found no object for `identity` (upstream's virtual delete event). A virtual node
   * goes unless dependents name it by other coordinates (then it takes the next such identity and
   * is checked again); an observed node stays (the informer decides), only the dependents naming
   * it by `identity` are checked. Returns whether the node should be checked again.
   */
  virtualDelete(identity: Identity): boolean {
    const node = this.nodes.get(identity.uid);
    if (!node) return false;
    if (node.virtual || !sameIdentity(node.identity, identity)) {
      const { matching, nonmatching } = this.partition(node, identity);
      if (!node.virtual || nonmatching.length > 0) {
        if (matching.length > 0) {
          this.sink.ownerAbsent(identity);
          for (const dep of matching) this.sink.attemptToDelete(dep);
        }
        if (!node.virtual || !sameIdentity(node.identity, identity)) return false;
        const dep = nonmatching[0]!;
        const alternate = dep.owners.find((r) => r.uid === identity.uid && !(refMatches(r, identity) && dep.identity.namespace === identity.namespace));
        if (!alternate) return false;
        node.identity = { apiVersion: alternate.apiVersion, kind: alternate.kind, name: alternate.name, uid: alternate.uid, namespace: dep.identity.namespace };
        return true;
      }
    }
    this.removeAndNotify(node);
    return false;
  }

  private removeAndNotify(node: GraphNode): void {
    this.nodes.delete(node.identity.uid);
    this.removeDependentFromOwners(node, node.owners);
    if (node.dependents?.size) {
      this.sink.ownerAbsent(node.identity);
      for (const dep of node.dependents) this.sink.attemptToDelete(dep);
    }
    for (const ref of node.owners) {
      const owner = this.nodes.get(ref.uid);
      if (owner?.deletingDependents) this.sink.attemptToDelete(owner);
    }
  }

  private addDependentToOwners(node: GraphNode, owners: readonly OwnerReference[]): void {
    let suspect = false;
    for (const ref of owners) {
      let owner = this.nodes.get(ref.uid);
      if (!owner) {
        owner = new GraphNode({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: node.identity.namespace }, []);
        this.nodes.set(ref.uid, owner);
        (owner.dependents = new Set()).add(node);
        this.sink.attemptToDelete(owner);
        continue;
      }
      (owner.dependents ??= new Set()).add(node);
      if (suspect) continue;
      const ownerNamespaced = owner.identity.namespace !== "";
      if (ownerNamespaced && owner.identity.namespace !== node.identity.namespace) suspect = true;
      else if (!refMatches(ref, owner.identity)) suspect = true;
      // A virtual cluster-scoped owner from another namespace may be a namespaced kind referenced from a cluster-scoped object.
      else if (!ownerNamespaced && owner.identity.namespace !== node.identity.namespace && owner.virtual) suspect = true;
    }
    if (suspect) this.sink.attemptToDelete(node);
  }

  /** A virtual owner left without dependents goes too: nothing refers to it any more. */
  private removeDependentFromOwners(node: GraphNode, owners: readonly OwnerReference[]): void {
    for (const ref of owners) {
      const owner = this.nodes.get(ref.uid);
      if (!owner?.dependents?.delete(node)) continue;
      if (owner.virtual && owner.dependents.size === 0) this.nodes.delete(ref.uid);
    }
  }

  /** Owners a removed or unblocked `blockOwnerDeletion` reference pointed at may be waiting on it. */
  private addUnblockedOwners(removed: readonly OwnerReference[], changed: readonly [OwnerReference, OwnerReference][]): void {
    for (const ref of removed) {
      const owner = ref.blockOwnerDeletion === true ? this.nodes.get(ref.uid) : undefined;
      if (owner) this.sink.attemptToDelete(owner);
    }
    for (const [before, after] of changed) {
      const owner = before.blockOwnerDeletion === true && after.blockOwnerDeletion !== true ? this.nodes.get(after.uid) : undefined;
      if (owner) this.sink.attemptToDelete(owner);
    }
  }

  private processTransitions(old: KubeObject | undefined, obj: KubeObject, node: GraphNode): void {
    if (deletionStartsWith(old, obj, ORPHAN)) {
      this.sink.attemptToOrphan(node);
      return;
    }
    if (deletionStartsWith(old, obj, FOREGROUND)) {
      node.deletingDependents = true;
      for (const dep of node.dependents ?? []) this.sink.attemptToDelete(dep);
      this.sink.attemptToDelete(node);
    }
  }

  /** The node's dependents naming it by `identity` (matching) and by other coordinates or from another namespace (nonmatching). */
  private partition(node: GraphNode, identity: Identity): { matching: GraphNode[]; nonmatching: GraphNode[] } {
    const matching: GraphNode[] = [];
    const nonmatching: GraphNode[] = [];
    for (const dep of node.dependents ?? []) {
      if (identity.namespace !== "" && dep.identity.namespace !== identity.namespace) {
        nonmatching.push(dep);
        continue;
      }
      let match = false;
      let mismatch = false;
      for (const ref of dep.owners) {
        if (ref.uid !== identity.uid) continue;
        if (refMatches(ref, identity)) match = true;
        else mismatch = true;
      }
      if (match) matching.push(dep);
      if (mismatch) nonmatching.push(dep);
    }
    return { matching, nonmatching };
  }
}

/** The identity an informer event gives an object. */
export function identityOf(monitor: Monitor, obj: KubeObject): Identity {
  const d = monitor.type.descriptor;
  const m = obj.metadata!;
  return { apiVersion: formatApiVersion(d.group, d.version), kind: d.kind, name: m.name ?? "", uid: m.uid!, namespace: m.namespace ?? "" };
}
