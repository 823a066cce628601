/** Storage helpers the volume controllers, the scheduler and CSI sidecars share (upstream component-helpers/storage). */
export * from "./annotations.js";
export { claimClass, claimClassUnset, volumeClass, isDefaultClass, defaultClassOf, isDelayBinding } from "./storage-class.js";
export { storageOf, isVolumeBoundToClaim, accessModesContain, volumeModeMismatch, volumeFitsNode, volumeUnsatisfiedReason, findMatchingVolume, type MatchOptions } from "./volume-matching.js";
export { podClaimNames } from "./pod-claims.js";
export { RESIZE_CONDITIONS, resizeFinishedStatus } from "./resize-status.js";
