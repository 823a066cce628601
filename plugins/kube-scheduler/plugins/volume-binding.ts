import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { TopologySelectorTerm } from "kubernetes-types/core/v1.js";
import type { CSIDriver, CSIStorageCapacity, StorageClass } from "kubernetes-types/storage/v1.js";
import type { Node } from "kubernetes-types/core/v1.js";
import {
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  claimClass,
  findMatchingVolume,
  isDelayBinding,
  isStatusError,
  labelSelectorFromObject,
  parseQuantity,
  podClaimNames,
  storageOf,
  compareQuantities,
  volumeClass,
  volumeFitsNode,
  type Lister,
  type SharedInformer,
} from "../../../core/index.js";
import type { CycleState, StateData } from "../framework/cycle-state.js";
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin, type FrameworkHandle, type PreBindPlugin, type PreFilterPlugin, type ReservePlugin } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";
import { Status } from "../framework/status.js";

export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict";
export const ERR_REASON_NOT_ENOUGH_SPACE = "node(s) did not have enough free storage";
export const ERR_REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
export const ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims";

const STATE_KEY = "PreFilterVolumeBinding";
const PV_CLASS_INDEX = "scheduler:pv-unbound-class";
const CAPACITY_CLASS_INDEX = "scheduler:capacity-class";
/** Upstream's `bindTimeoutSeconds` default and its poll interval. */
const BIND_TIMEOUT_MS = 600_000;
const BIND_POLL_MS = 1_000;


/** Terms ORed, expressions ANDed, each a label In its values (MatchTopologySelectorTerms); no terms match everything. */
function matchesTopologyTerms(terms: readonly TopologySelectorTerm[] | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!terms?.length) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => labels[e.key] !== undefined && e.values.includes(labels[e.key]!)));
}

/** A PV binding decided for one node: the claim and the volume it takes. */
interface StaticBinding {
  claim: PersistentVolumeClaim;
  volume: PersistentVolume;
}

/** The pod's claims (PreFilter) and, per node, what Filter decided (bindings, provisions). */
class VolumeBindingState implements StateData {
  constructor(
    readonly bound: readonly PersistentVolumeClaim[],
    readonly delayed: readonly PersistentVolumeClaim[],
    readonly decisions = new Map<string, { bindings: StaticBinding[]; provisions: PersistentVolumeClaim[] }>(),
  ) {}
  /** Chosen per node, before Reserve. */
  chosen: { bindings: StaticBinding[]; provisions: PersistentVolumeClaim[] } | undefined;
  clone(): StateData {
    return this;
  }
}

/**
 * VolumeBinding (pkg/scheduler/framework/plugins/volumebinding): a pod's claims must be usable on
 * the node. PreFilter sorts them: bound (their PV's node affinity must admit the node), unbound
 * in a WaitForFirstConsumer class (decided here), unbound Immediate (the pod waits:
 * `pod has unbound immediate PersistentVolumeClaims`), missing or being deleted (unresolvable).
 * Filter finds, per node, an available PV for each delayed claim (the smallest that fits, node
 * affinity included) or else checks the class can provision there (allowedTopologies).
 * Reserve assumes the choice so no other pod takes the same PV; PreBind writes it — the PV's
 * claimRef for a static binding, `volume.kubernetes.io/selected-node` on a claim to provision —
 * and waits for the PV controller and the provisioner to bind every claim.
 */
export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
  static readonly pluginName = "VolumeBinding";
  readonly name = VolumeBinding.pluginName;
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly volumes: Lister<PersistentVolume>;
  private readonly pvInformer: SharedInformer<PersistentVolume>;
  private readonly classes: Lister<StorageClass>;
  private readonly drivers: Lister<CSIDriver>;
  private readonly capacities: SharedInformer<CSIStorageCapacity>;
  /** PV names assumed by pods between Reserve and the end of binding. */
  private readonly assumed = new Map<string, string>();

  constructor(private readonly handle: FrameworkHandle) {
    this.claims = handle.informers.forResource<PersistentVolumeClaim>("PersistentVolumeClaim").lister();
    this.pvInformer = handle.informers.forResource<PersistentVolume>("PersistentVolume");
    if (!this.pvInformer.indexer.indexNames().includes(PV_CLASS_INDEX)) this.pvInformer.addIndexers({ [PV_CLASS_INDEX]: (pv) => (pv.spec?.claimRef ? [] : [volumeClass(pv)]) });
    this.volumes = this.pvInformer.lister();
    this.classes = handle.informers.forResource<StorageClass>("storageclasses.storage.k8s.io").lister();
    this.drivers = handle.informers.forResource<CSIDriver>("csidrivers.storage.k8s.io").lister();
    this.capacities = handle.informers.forResource<CSIStorageCapacity>("csistoragecapacities.storage.k8s.io");
    if (!this.capacities.indexer.indexNames().includes(CAPACITY_CLASS_INDEX)) this.capacities.addIndexers({ [CAPACITY_CLASS_INDEX]: (c) => [c.storageClassName] });
  }

  /**
   * hasEnoughCapacity: a claim of a driver with CSIDriver `storageCapacity: true` needs a
   * CSIStorageCapacity of its class whose nodeTopology selects the node and whose
   * maximumVolumeSize (else capacity) holds the request; no such object means no capacity.
   */
  private hasEnoughCapacity(claim: PersistentVolumeClaim, sc: StorageClass, node: Node): boolean {
    const request = claim.spec?.resources?.requests?.["storage"];
    if (request === undefined) return true;
    if (!this.drivers.get(sc.provisioner)?.spec?.storageCapacity) return true;
    const wanted = parseQuantity(request);
    const labels = node.metadata?.labels ?? {};
    for (const c of this.capacities.indexer.byIndex(CAPACITY_CLASS_INDEX, sc.metadata!.name!)) {
      const limit = c.maximumVolumeSize ?? c.capacity;
      if (limit === undefined || compareQuantities(parseQuantity(limit), wanted) < 0) continue;
      if (c.nodeTopology && labelSelectorFromObject(c.nodeTopology).matches(labels)) return true;
    }
    return false;
  }

  preFilter(state: CycleState, pod: Pod): Status | null {
    const names = podClaimNames(pod);
    if (names.length === 0) return Status.skip();
    const ns = pod.metadata?.namespace ?? "";
    const bound: PersistentVolumeClaim[] = [];
    const delayed: PersistentVolumeClaim[] = [];
    for (const name of names) {
      const claim = this.claims.namespace(ns).get(name);
      if (!claim) return Status.unresolvable(`persistentvolumeclaim "${name}" not found`);
      if (claim.metadata?.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
      if (claim.spec?.volumeName) {
        bound.push(claim);
        continue;
      }
      const className = claimClass(claim);
      if (isDelayBinding(className ? this.classes.get(className) : undefined)) delayed.push(claim);
      else return Status.unresolvable(ERR_UNBOUND_IMMEDIATE);
    }
    // Larger requests pick first, as upstream sorts claims before matching.
    delayed.sort((a, b) => compareQuantities(storageOf(b.spec?.resources?.requests), storageOf(a.spec?.resources?.requests)));
    state.write(STATE_KEY, new VolumeBindingState(bound, delayed));
    return null;
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status | null {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    const node = nodeInfo.node;
    if (!s || !node) return null;
    for (const claim of s.bound) {
      const pv = this.volumes.get(claim.spec!.volumeName!);
      if (!pv) return Status.unresolvable(ERR_REASON_PV_NOT_EXIST);
      if (!volumeFitsNode(pv, node)) return Status.unresolvable(ERR_REASON_NODE_CONFLICT);
    }
    if (s.delayed.length === 0) return null;
    const bindings: StaticBinding[] = [];
    const provisions: PersistentVolumeClaim[] = [];
    const taken = new Set(this.assumed.keys());
    for (const claim of s.delayed) {
      const selected = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
      if (selected) {
        if (selected !== nodeInfo.name) return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
        provisions.push(claim);
        continue;
      }
      const candidates = this.pvInformer.indexer.byIndex(PV_CLASS_INDEX, claimClass(claim));
      const volume = findMatchingVolume(claim, candidates, { node, delayBinding: true, excluded: taken });
      if (volume) {
        taken.add(volume.metadata!.name!);
        bindings.push({ claim, volume });
      } else provisions.push(claim);
    }
    // checkVolumeProvisions: the class must provision here (allowedTopologies), with room (storage capacity).
    for (const claim of provisions) {
      if (claim.metadata?.annotations?.[ANN_SELECTED_NODE]) continue;
      const sc = this.classes.get(claimClass(claim));
      if (!sc || sc.provisioner === "kubernetes.io/no-provisioner") return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
      if (!matchesTopologyTerms(sc.allowedTopologies, node.metadata?.labels ?? {})) return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
      if (!this.hasEnoughCapacity(claim, sc, node)) return Status.unresolvable(ERR_REASON_NOT_ENOUGH_SPACE);
    }
    s.decisions.set(nodeInfo.name, { bindings, provisions });
    return null;
  }

  reserve(state: CycleState, pod: Pod, nodeName: string): Status | null {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    if (!s) return null;
    const decision = s.decisions.get(nodeName);
    if (!decision) return null;
    // Another pod may have assumed one of these since Filter ran.
    for (const b of decision.bindings) {
      const holder = this.assumed.get(b.volume.metadata!.name!);
      if (holder && holder !== pod.metadata?.uid) return Status.unschedulable(ERR_REASON_BIND_CONFLICT);
    }
    for (const b of decision.bindings) this.assumed.set(b.volume.metadata!.name!, pod.metadata!.uid!);
    s.chosen = decision;
    return null;
  }

  unreserve(state: CycleState, pod: Pod): void {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    if (!s?.chosen) return;
    for (const b of s.chosen.bindings) if (this.assumed.get(b.volume.metadata!.name!) === pod.metadata?.uid) this.assumed.delete(b.volume.metadata!.name!);
    s.chosen = undefined;
  }

  /** Nothing to do without chosen bindings or provisions (every claim bound already): answered at once. */
  preBind(state: CycleState, pod: Pod, nodeName: string): Status | null | Promise<Status | null> {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    if (!s?.chosen) return null;
    return this.bindVolumes(s.chosen, pod, nodeName);
  }

  /** Writes the chosen PV bindings and provisioning requests, then waits until every claim is bound. */
  private async bindVolumes(chosen: NonNullable<VolumeBindingState["chosen"]>, pod: Pod, nodeName: string): Promise<Status | null> {
    const { bindings, provisions } = chosen;
    const pvs = this.handle.client.resource<PersistentVolume>("PersistentVolume");
    const pvcs = this.handle.client.resource<PersistentVolumeClaim>("PersistentVolumeClaim");
    try {
      for (const { claim, volume } of bindings) {
        const claimRef = { kind: "PersistentVolumeClaim", apiVersion: "v1", namespace: claim.metadata!.namespace!, name: claim.metadata!.name!, uid: claim.metadata!.uid!, resourceVersion: claim.metadata!.resourceVersion! };
        await pvs.update({ ...volume, metadata: { ...volume.metadata, annotations: { ...volume.metadata?.annotations, [ANN_BOUND_BY_CONTROLLER]: "yes" } }, spec: { ...volume.spec, claimRef } });
      }
      for (const claim of provisions) {
        if (claim.metadata?.annotations?.[ANN_SELECTED_NODE] === nodeName) continue;
        await pvcs.patch(claim.metadata!.name!, "merge", { metadata: { annotations: { [ANN_SELECTED_NODE]: nodeName } } }, { namespace: claim.metadata!.namespace! });
      }
      const names = [...bindings.map((b) => b.claim), ...provisions].map((c) => c.metadata!.name!);
      const ns = pod.metadata!.namespace!;
      const deadline = this.handle.clock.now() + BIND_TIMEOUT_MS;
      for (;;) {
        const pending = names.filter((n) => {
          const c = this.claims.namespace(ns).get(n);
          return !c || c.status?.phase !== "Bound" || !c.spec?.volumeName;
        });
        if (pending.length === 0) return null;
        for (const n of pending) {
          const c = this.claims.namespace(ns).get(n);
          // The provisioner gave up on the node (rescheduling): try again from the start.
          if (c && provisions.some((p) => p.metadata!.name === n) && !c.metadata?.annotations?.[ANN_SELECTED_NODE]) return Status.unschedulable(`binding volumes: claim ${n} was unassigned from node ${nodeName}`);
        }
        if (this.handle.clock.now() >= deadline) return Status.error("binding volumes: context deadline exceeded");
        await this.handle.clock.sleep(BIND_POLL_MS);
      }
    } catch (err) {
      if (isStatusError(err, "Conflict")) return Status.unschedulable(`binding volumes: ${(err as Error).message}`);
      return Status.error(`binding volumes: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      for (const b of bindings) if (this.assumed.get(b.volume.metadata!.name!) === pod.metadata?.uid) this.assumed.delete(b.volume.metadata!.name!);
    }
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: "PersistentVolumeClaim", actionType: ActionType.Add | ActionType.UpdateOther } },
      { event: { resource: "PersistentVolume", actionType: ActionType.Add | ActionType.UpdateOther } },
      { event: { resource: "StorageClass", actionType: ActionType.Add | ActionType.UpdateOther } },
      { event: { resource: "CSINode", actionType: ActionType.Add | ActionType.UpdateOther } },
      { event: { resource: "CSIStorageCapacity", actionType: ActionType.Add | ActionType.UpdateOther } },
      { event: { resource: "CSIDriver", actionType: ActionType.UpdateOther } },
      { event: { resource: "Node", actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
    ];
  }
}
