import type { Clock } from "../clock/clock.js";
import type { KubeObject } from "../api/object.js";
import type { ResourceDescriptor } from "../api/resource.js";
import { badRequest, notImplemented } from "../api/status.js";
import YAML from "yaml";

/** Manager recorded for writes that name none (kube-apiserver derives it from the user agent). */
export const DEFAULT_FIELD_MANAGER = "kubesim";

/**
 * Field ownership (`metadata.managedFields`) for every write, and server-side apply.
 * TEMPORARY: wired to the patch module's server-side apply once it lands.
 */
export class FieldManager {
  constructor(private readonly clock: Clock) {}

  /** Records an `Update` operation by `manager` on `draft` (mutates draft.metadata.managedFields). */
  recordUpdate(_old: KubeObject | undefined, _draft: KubeObject, _manager: string | undefined, _subresource: string | undefined): void {
    void this.clock;
  }

  /** Parses an apply patch body (YAML or JSON text, or an object). */
  parseApplied(patch: unknown): KubeObject {
    let value = patch;
    if (typeof patch === "string" || patch instanceof Uint8Array) {
      try {
        value = YAML.parse(typeof patch === "string" ? patch : new TextDecoder().decode(patch));
      } catch (err) {
        throw badRequest(`error decoding YAML: ${(err as Error).message}`);
      }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("the apply patch must be a single object");
    return value as KubeObject;
  }

  apply(_live: KubeObject | undefined, _applied: KubeObject, _manager: string, _force: boolean, _d: ResourceDescriptor, _builtIn: boolean): KubeObject {
    throw notImplemented("server-side apply is not wired yet");
  }
}
