import type { ObjectReference, Pod } from "kubernetes-types/core/v1.js";
import type { ContainerSlot } from "./container-slot.js";

/**
 * The reference the kubelet's container events are about (upstream's GenerateContainerRef): the
 * pod, with `fieldPath` naming the container — `spec.containers{<name>}`,
 * `spec.initContainers{<name>}` (sidecars included) or `spec.ephemeralContainers{<name>}`.
 * `kubectl get events -o wide` shows it as SUBOBJECT.
 */
export function containerRef(pod: Pod, slot: ContainerSlot): ObjectReference {
  const meta = pod.metadata!;
  const ref: ObjectReference = { kind: "Pod" };
  if (meta.namespace !== undefined) ref.namespace = meta.namespace;
  ref.name = meta.name;
  if (meta.uid !== undefined) ref.uid = meta.uid;
  ref.apiVersion = "v1";
  if (meta.resourceVersion !== undefined) ref.resourceVersion = meta.resourceVersion;
  ref.fieldPath = `${FIELD[slot.kind]}{${slot.name}}`;
  return ref;
}

const FIELD: Readonly<Record<ContainerSlot["kind"], string>> = {
  regular: "spec.containers",
  init: "spec.initContainers",
  sidecar: "spec.initContainers",
  ephemeral: "spec.ephemeralContainers",
};
