import type { KubeObject } from "../object.js";
import type { ResourceStrategy } from "../strategy.js";
import { semanticEqual } from "../validation/semantic-equal.js";

/** metadata.generation is read-only in kubernetes-types; the API server owns it, through here. */
function setGeneration(obj: KubeObject, generation: number): void {
  const meta = (obj.metadata ??= {}) as { generation?: number };
  meta.generation = generation;
}

type WithSpecStatus = KubeObject & { spec?: unknown; status?: unknown };

export interface SpecStatusOptions {
  /**
   * The status a new object starts with: the zero value of the Go status struct as it serialises
   * (counters without omitempty show as 0, e.g. ReplicaSet `{replicas: 0}`). Default `{}`.
   */
  initialStatus?: () => Record<string, unknown>;
  /** Annotation changes also bump generation (Deployments, whose annotations flow to ReplicaSets). */
  annotationsBumpGeneration?: boolean;
  /** A status update also keeps the old labels (Deployments, ReplicaSets, StatefulSets, DaemonSets). */
  statusKeepsLabels?: boolean;
}

/**
 * Generation bookkeeping of kinds with a spec but no status subresource (NetworkPolicy):
 * generation 1 on create, +1 on an update that changes spec.
 */
export function generationHooks<T extends KubeObject & { spec?: unknown }>(): Pick<ResourceStrategy<T>, "prepareForCreate" | "prepareForUpdate"> {
  return {
    prepareForCreate: (obj) => setGeneration(obj, 1),
    prepareForUpdate: (obj, old) => setGeneration(obj, (old.metadata?.generation ?? 0) + (semanticEqual(obj.spec, old.spec) ? 0 : 1)),
  };
}

/**
 * The spec/status split every kind with a status subresource shares (`PrepareForCreate`,
 * `PrepareForUpdate` of its REST strategies): create clears status and sets generation 1; a
 * main-resource update keeps the stored status and bumps generation only when spec changed; a
 * status update keeps the stored spec. Each hook only reassigns fields of the draft: no copies.
 */
export function specStatusHooks<T extends WithSpecStatus>(options: SpecStatusOptions = {}): Pick<ResourceStrategy<T>, "prepareForCreate" | "prepareForUpdate" | "prepareForStatusUpdate"> {
  return {
    prepareForCreate(obj) {
      obj.status = options.initialStatus ? options.initialStatus() : {};
      setGeneration(obj, 1);
    },
    prepareForUpdate(obj, old) {
      obj.status = old.status;
      const meta = (obj.metadata ??= {});
      const changed = !semanticEqual(obj.spec, old.spec) || (options.annotationsBumpGeneration === true && !semanticEqual(meta.annotations, old.metadata?.annotations));
      setGeneration(obj, (old.metadata?.generation ?? 0) + (changed ? 1 : 0));
    },
    prepareForStatusUpdate(obj, old) {
      obj.spec = old.spec;
      if (options.statusKeepsLabels) (obj.metadata ??= {}).labels = old.metadata?.labels;
    },
  };
}
