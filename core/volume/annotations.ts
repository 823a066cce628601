/**
 * The annotations and finalizers the volume controllers, the scheduler's VolumeBinding plugin and
 * the CSI sidecars agree on (upstream `component-helpers/storage/volume/helpers.go` and the
 * pv controller's constants).
 */

/** On a PVC: the PV controller finished binding it (set with `spec.volumeName`). */
export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
/** On a PV or PVC: the binding was made by the PV controller, not pre-bound by a user. */
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
/** On a PVC: the node the scheduler chose for a WaitForFirstConsumer claim's first pod. */
export const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
/** On a PVC: the provisioner expected to provision it. */
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
/** The beta spelling of {@link ANN_STORAGE_PROVISIONER}, still written next to it. */
export const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
/** On a PV: the provisioner that created it (and deletes it when released). */
export const ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by";
/** The beta storage class annotation, read before `storageClassName` on PVs and PVCs. */
export const ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";
/** On a StorageClass: it is the default for claims naming no class. */
export const ANN_DEFAULT_STORAGE_CLASS = "storageclass.kubernetes.io/is-default-class";
/** The beta spelling of {@link ANN_DEFAULT_STORAGE_CLASS}. */
export const ANN_BETA_DEFAULT_STORAGE_CLASS = "storageclass.beta.kubernetes.io/is-default-class";

/** Keeps a PVC while a pod uses it (StorageObjectInUseProtection). */
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
/** Keeps a PV while it is bound to a claim. */
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";
/** The external-provisioner's finalizer on the PVs it provisioned, kept until DeleteVolume succeeded. */
export const PV_DELETION_PROTECTION_FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer";
