/** The Container Storage Interface contract: messages, services, errors, and the StorageDrivers extension point. */
export * from "./types.js";
export * from "./services.js";
export * from "./errors.js";
export * from "./storage-drivers.js";
export * from "./access-modes.js";
export * from "./paging.js";
export * from "./volume-usage.js";
export * from "./volume-names.js";
export * from "./plugin-registration.js";
export * from "./driver-pods.js";
