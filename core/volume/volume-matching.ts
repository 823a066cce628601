import type { Node, PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import { compareQuantities, parseQuantity, type Quantity } from "../api/quantity.js";
import { labelSelectorFromObject } from "../api/selectors/label-selector.js";
import { nodeMatchesSelectorTerms } from "../api/selectors/node-selector.js";
import { claimClass, volumeClass } from "./storage-class.js";

/**
 * PV ↔ PVC matching as upstream's `component-helpers/storage/volume/pv_helpers.go`
 * (FindMatchingVolume) and the PV controller's access-mode index: used by the PV controller
 * (node unknown) and the scheduler's VolumeBinding plugin (node known).
 */

/** A storage quantity, 0 when missing or malformed. */
export function storageOf(resources: Readonly<Record<string, string | number>> | undefined): Quantity {
  const text = resources?.["storage"];
  if (text === undefined) return parseQuantity(0);
  try {
    return parseQuantity(text);
  } catch {
    return parseQuantity(0);
  }
}

/** The volume's claimRef names this claim (namespace, name, and uid when the ref has one) — IsVolumeBoundToClaim. */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** Every access mode the claim asks for is one the volume offers. */
export function accessModesContain(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const offered = volume.spec?.accessModes ?? [];
  return (claim.spec?.accessModes ?? []).every((m) => offered.includes(m));
}

/** The claim's and the volume's volumeMode differ (both default to Filesystem) — CheckVolumeModeMismatches. */
export function volumeModeMismatch(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return (claim.spec?.volumeMode ?? "Filesystem") !== (volume.spec?.volumeMode ?? "Filesystem");
}

/** The volume's required node affinity admits `node` (CheckNodeAffinity); volumes without one fit every node. */
export function volumeFitsNode(volume: PersistentVolume, node: Node): boolean {
  const required = volume.spec?.nodeAffinity?.required;
  if (!required) return true;
  return nodeMatchesSelectorTerms(node, required.nodeSelectorTerms ?? []);
}

/**
 * Why `volume` cannot satisfy `claim`, or undefined when it can (the PV controller's
 * checkVolumeSatisfyClaim, used for claims pre-bound by `volumeName`): capacity, class, access
 * modes and volume mode.
 */
export function volumeUnsatisfiedReason(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (compareQuantities(storageOf(volume.spec?.capacity), storageOf(claim.spec?.resources?.requests)) < 0) return "requested PV is too small";
  if (volumeClass(volume) !== claimClass(claim)) return "storageClassName does not match";
  if (volumeModeMismatch(claim, volume)) return "incompatible volumeMode";
  if (!accessModesContain(volume, claim)) return "incompatible accessMode";
  return undefined;
}

export interface MatchOptions {
  /** The node a pod is being scheduled to (the scheduler's path); undefined for the PV controller. */
  node?: Node;
  /** The claim's class binds WaitForFirstConsumer: without a node only volumes pre-bound to it match. */
  delayBinding?: boolean;
  /** Volume names already taken in this scheduling cycle. */
  excluded?: ReadonlySet<string>;
}

/**
 * The best volume for `claim` among `volumes`: one already bound to the claim if any; otherwise
 * the available volume with the fewest access modes offering all the claim's, then the smallest
 * capacity, matching class, selector, volume mode and (with a node) node affinity. Undefined when
 * nothing fits.
 */
export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: Iterable<PersistentVolume>, options: MatchOptions = {}): PersistentVolume | undefined {
  const requested = storageOf(claim.spec?.resources?.requests);
  const requestedClass = claimClass(claim);
  const selector = claim.spec?.selector ? labelSelectorFromObject(claim.spec.selector) : undefined;
  const { node, delayBinding, excluded } = options;
  let best: PersistentVolume | undefined;
  let bestModes = Infinity;
  let bestSize: Quantity | undefined;
  for (const volume of volumes) {
    const name = volume.metadata?.name ?? "";
    if (excluded?.has(name)) continue;
    const size = storageOf(volume.spec?.capacity);
    if (compareQuantities(size, requested) < 0) continue;
    if (volumeModeMismatch(claim, volume)) continue;
    if (volume.metadata?.deletionTimestamp) continue;
    if (!accessModesContain(volume, claim)) continue;
    const fitsNode = node ? volumeFitsNode(volume, node) : true;
    if (isVolumeBoundToClaim(volume, claim)) return fitsNode ? volume : undefined;
    if (!node && delayBinding) continue; // the scheduler binds these, knowing the node
    if (volume.spec?.claimRef) continue;
    if (selector && !selector.matches(volume.metadata?.labels)) continue;
    if (volumeClass(volume) !== requestedClass) continue;
    if (!fitsNode) continue;
    if (node && volume.status?.phase !== "Available") continue;
    const modes = volume.spec?.accessModes?.length ?? 0;
    if (!best || modes < bestModes || (modes === bestModes && compareQuantities(size, bestSize!) < 0)) {
      best = volume;
      bestModes = modes;
      bestSize = size;
    }
  }
  return best;
}
