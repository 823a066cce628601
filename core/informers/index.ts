/** Informers: reflector, indexer (cache), listers and the shared informer factory (after client-go's tools/cache). */
export { SharedInformerFactory, type SharedInformerFactoryOptions, type InformerOptions } from "./shared-informer-factory.js";
export { SharedInformer, MINIMUM_RESYNC_PERIOD_MS, type SharedInformerOptions } from "./shared-informer.js";
export type { ResourceEventHandler, EventHandlerOptions, EventHandlerRegistration } from "./event-handler.js";
export { DeletedFinalStateUnknown, isTombstone, objectOrTombstoneObject } from "./tombstone.js";
export { Indexer, NAMESPACE_INDEX, namespaceIndexFunc, type IndexFunc, type Indexers } from "./indexer.js";
export { Lister, NamespaceLister, type LabelMatcher } from "./lister.js";
export { Reflector, isExpired, type ReflectorOptions, type ReflectorStore } from "./reflector.js";
export { ExponentialBackoff, type BackoffOptions } from "./backoff.js";
export { ProcessorListener } from "./processor-listener.js";
export type { Notification } from "./notification.js";
