import type { ManagedFieldsEntry } from "kubernetes-types/meta/v1.js";
import type { Clock } from "../clock/clock.js";
import type { KubeObject } from "../api/object.js";
import type { ResourceDescriptor } from "../api/resource.js";
import { badRequest } from "../api/status.js";
import { applyServerSide, managedFieldsAfterUpdate, type UpdateManagedFieldsOptions } from "../api/patch/index.js";
import { yamlToJson } from "../api/yaml-to-json.js";

/** Manager recorded for writes that name none (kube-apiserver derives it from the user agent; in process there is none). */
export const DEFAULT_FIELD_MANAGER = "kubesim";

type WithMeta = KubeObject & { metadata: { managedFields?: unknown } };

/**
 * Field ownership (`metadata.managedFields`) for the API server: every ordinary write is recorded
 * as an `Update` by its manager; server-side apply merges an applied configuration under the
 * applier's ownership (conflicts are 409s listing the fields).
 */
export class FieldManager {
  constructor(private readonly clock: Clock) {}

  /** Records an `Update` by `manager` on `draft` (sets draft.metadata.managedFields in place). */
  recordUpdate(old: KubeObject | undefined, draft: KubeObject, manager: string | undefined, subresource: string | undefined, d?: ResourceDescriptor): void {
    this.setEntries(draft, this.updateEntries(old, draft, manager, subresource, d));
  }

  /** The `managedFields` entries {@link recordUpdate} would set on `draft`, without setting them. */
  updateEntries(old: KubeObject | undefined, draft: KubeObject, manager: string | undefined, subresource: string | undefined, d?: ResourceDescriptor): ManagedFieldsEntry[] {
    // Members set one by one: conditional spreads take V8's slow object-literal path on every write.
    const options: UpdateManagedFieldsOptions = { manager: manager || DEFAULT_FIELD_MANAGER, now: new Date(this.clock.now()) };
    if (subresource) options.subresource = subresource;
    if (d?.patchMeta) options.meta = d.patchMeta;
    return managedFieldsAfterUpdate(old, draft, options);
  }

  /** Sets `draft.metadata.managedFields` to `entries` (removes it when there are none). */
  setEntries(draft: KubeObject, entries: ManagedFieldsEntry[]): void {
    const meta = (draft as WithMeta).metadata;
    // Entries are freshly built or shared with the (immutable) old object; the draft never mutates them.
    if (entries.length > 0) meta.managedFields = entries as typeof meta.managedFields;
    else delete meta.managedFields;
  }

  /** Parses an apply patch body (YAML or JSON text, bytes, or an already decoded object). */
  parseApplied(patch: unknown): KubeObject {
    let value = patch;
    if (typeof patch === "string" || patch instanceof Uint8Array) {
      try {
        value = yamlToJson(typeof patch === "string" ? patch : new TextDecoder().decode(patch));
      } catch (err) {
        throw badRequest(`error decoding YAML: ${(err as Error).message}`);
      }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("error decoding patch: the apply patch must be a single object");
    return value as KubeObject;
  }

  /** Server-side apply of `applied` onto `live` (undefined: the apply creates). Returns the merged object with managedFields. */
  apply(live: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, d: ResourceDescriptor, subresource?: string): KubeObject {
    const result = applyServerSide(live, applied, { manager, force, kind: d.kind, ...(d.patchMeta ? { meta: d.patchMeta } : {}), now: new Date(this.clock.now()), ...(subresource ? { subresource } : {}) });
    return result.object;
  }
}
