import type { ComponentStatus } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../api/object.js";
import type { ApiTypeRegistration } from "../api/strategy.js";

/** What a health probe reports: healthy with a message (`ok`), or the error that made it unhealthy. */
export type ComponentHealthResult = { healthy: true; message?: string } | { healthy: false; error: string };

/**
 * The components `/api/v1/componentstatuses` reports on, by name (`scheduler`,
 * `controller-manager`, `etcd-0`), each with a probe run at every read, as kube-apiserver probes
 * their health endpoints. The control plane registers its store; the cluster its controllers.
 */
export class ComponentHealth {
  private readonly probes = new Map<string, () => ComponentHealthResult | Promise<ComponentHealthResult>>();

  /** Adds or replaces the probe of a component. */
  set(name: string, probe: () => ComponentHealthResult | Promise<ComponentHealthResult>): void {
    this.probes.set(name, probe);
  }

  /** The ComponentStatus of one component (undefined: not a component). */
  async status(name: string): Promise<ComponentStatus & KubeObject | undefined> {
    const probe = this.probes.get(name);
    if (!probe) return undefined;
    let result: ComponentHealthResult;
    try {
      result = await probe();
    } catch (err) {
      result = { healthy: false, error: err instanceof Error ? err.message : String(err) };
    }
    const condition = result.healthy ? { type: "Healthy", status: "True", message: result.message ?? "ok" } : { type: "Healthy", status: "False", error: result.error };
    return { kind: "ComponentStatus", apiVersion: "v1", metadata: { name }, conditions: [condition] };
  }

  /** Every component's status, by name. */
  async all(): Promise<(ComponentStatus & KubeObject)[]> {
    const names = [...this.probes.keys()].sort();
    return (await Promise.all(names.map((n) => this.status(n)))).filter((s): s is ComponentStatus & KubeObject => !!s);
  }
}

/** core/v1 ComponentStatus (deprecated in 1.19, still served): computed from `health` at each read; get and list only. */
export function componentStatusType(health: ComponentHealth): ApiTypeRegistration {
  return {
    descriptor: {
      group: "", version: "v1", kind: "ComponentStatus", plural: "componentstatuses", singular: "componentstatus", listKind: "ComponentStatusList",
      namespaced: false, shortNames: ["cs"], categories: [], subresources: [], verbs: ["get", "list"],
      deprecationWarning: "v1 ComponentStatus is deprecated in v1.19+",
    },
    strategy: { computed: { get: (name) => health.status(name), list: () => health.all() } },
  };
}
