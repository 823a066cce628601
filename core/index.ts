/** kubesim: Kubernetes rebuilt in TypeScript as a framework. The public API of the core. */
import "reflect-metadata";

export { token, resolve, provide, type Token } from "./di/token.js";
export { createClusterScope, createNodeScope } from "./di/scopes.js";

export { Clock, abortError, type TimerHandle } from "./clock/clock.js";
export { RealClock } from "./clock/real-clock.js";
export { VirtualClock, type VirtualClockOptions } from "./clock/virtual-clock.js";
export { Random, SeededRandom } from "./clock/random.js";

export { Logger, createLogger, type LogLevel, type LogRecord, type LogSink, type LoggerOptions } from "./log/logger.js";

export { definePlugin, isPlugin, type Plugin, type PluginContext, type Teardown, type DefinedPlugin } from "./plugins/plugin.js";
export { extensionPoint, ExtensionPoint, ExtensionRegistry, type ExtensionPointKey, type Contribution } from "./plugins/extension-point.js";
export { PluginHost, orderPlugins, type PluginHostOptions } from "./plugins/plugin-host.js";
export { loadPlugin, PluginError, type PluginRef } from "./plugins/plugin-loader.js";
export { ApiTypes, AdmissionPlugins } from "./plugins/extension-points.js";

export * from "./api/object.js";
export * from "./api/resource.js";
export * from "./api/status.js";
export type * from "./api/strategy.js";
export type * from "./apiserver/admission.js";
export { Store, StoreError, isStoreError, type StoreEvent, type StoreListOptions, type StoreListResult, type StorePreconditions, type StoreWatch, type StoreWatchOptions } from "./store/store.js";
export { Client, type ResourceClient, type ResourceRef, type ListOptions, type WatchOptions, type WatchEvent, type WatchEventType, type Watch, type WriteOptions, type PatchType, type PatchOptions, type DeleteOptions, type GetOptions } from "./client/client.js";
