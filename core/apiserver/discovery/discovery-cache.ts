import type { ResourceRegistry } from "../../api/resource-registry.js";

/**
 * Memoises documents derived from the registry (discovery, OpenAPI) and forgets them all when a
 * type is added or removed (a CRD established or deleted). `dispose` stops listening.
 */
export class RegistryDocumentCache {
  private readonly documents = new Map<string, unknown>();
  private readonly unsubscribe: () => void;

  constructor(readonly registry: ResourceRegistry) {
    this.unsubscribe = registry.onChange(() => this.documents.clear());
  }

  /** The cached document under `key`, built by `build` on first use since the last change. */
  get<T>(key: string, build: () => T): T {
    if (this.documents.has(key)) return this.documents.get(key) as T;
    const doc = build();
    this.documents.set(key, doc);
    return doc;
  }

  dispose(): void {
    this.unsubscribe();
    this.documents.clear();
  }
}
