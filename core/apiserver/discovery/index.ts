export * from "./legacy-discovery.js";
export * from "./aggregated-discovery.js";
export { negotiateDiscovery, type DiscoveryFormat } from "./negotiate-discovery.js";
export { buildVersionInfo, KUBERNETES_VERSION, type VersionInfo } from "./version-info.js";
export { RegistryDocumentCache } from "./discovery-cache.js";
export { storageVersionHash } from "./storage-version-hash.js";
export { compareVersionPriority, servedGroups } from "./group-versions.js";
