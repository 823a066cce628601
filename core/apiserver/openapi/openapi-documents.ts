import type { ResourceRegistry } from "../../api/resource-registry.js";
import { RegistryDocumentCache } from "../discovery/discovery-cache.js";
import { buildOpenApiV2, type SwaggerDocument } from "./openapi-v2.js";
import { encodeOpenApiV2Protobuf } from "./openapi-v2-protobuf.js";
import { contentHash } from "./content-hash.js";
import { buildOpenApiV3Document, buildOpenApiV3Index, openApiV3PathKey } from "./openapi-v3.js";

/**
 * The serialized OpenAPI documents the HTTP layer serves, built on first request and rebuilt after
 * any registry change (CRD added/removed). Text is cached so `/openapi/v3` hashes exactly the
 * bytes served. `dispose` stops following the registry.
 */
export class OpenApiDocuments {
  private readonly cache: RegistryDocumentCache;

  constructor(private readonly registry: ResourceRegistry) {
    this.cache = new RegistryDocumentCache(registry);
  }

  /** `/openapi/v3` as JSON text. */
  v3Index(): string {
    return this.cache.get("v3", () => JSON.stringify(buildOpenApiV3Index(this.registry, (g, v) => this.v3Document(g, v) ?? "")));
  }

  /** `/openapi/v3/<api/v1|apis/g/v>` as JSON text, or undefined if the group/version is not served. */
  v3Document(group: string, version: string): string | undefined {
    return this.cache.get(`v3:${openApiV3PathKey(group, version)}`, () => {
      const doc = buildOpenApiV3Document(this.registry, group, version);
      return doc && JSON.stringify(doc);
    });
  }

  private v2Document(): SwaggerDocument {
    return this.cache.get("v2:document", () => buildOpenApiV2(this.registry));
  }

  /** `/openapi/v2` as JSON text. */
  v2(): string {
    return this.cache.get("v2", () => JSON.stringify(this.v2Document()));
  }

  /** `/openapi/v2` as gnostic's `openapi.v2.Document` protobuf message. */
  v2Protobuf(): Buffer {
    return this.cache.get("v2:protobuf", () => encodeOpenApiV2Protobuf(this.v2Document() as unknown as Record<string, unknown>));
  }

  /** The `ETag` of `/openapi/v2` in either representation: the hash of its JSON text, as kube-openapi computes it. */
  v2ETag(): string {
    return this.cache.get("v2:etag", () => `"${contentHash(this.v2())}"`);
  }

  dispose(): void {
    this.cache.dispose();
  }
}
