import type { Endpoints, Service } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../../api/status.js";
import type { ApiService } from "../../api/builtin/apiregistration/index.js";
import type { ApiServerApi } from "../api-server-contract.js";

/** A group version the aggregation layer sends to a Service instead of serving it. */
export interface RemoteGroupVersion {
  group: string;
  version: string;
  service: { namespace: string; name: string; port: number };
  groupPriorityMinimum: number;
  versionPriority: number;
  /** Why it cannot be reached (kube-aggregator's availability reasons), or undefined when the Service has endpoints. */
  unavailable?: { reason: "ServiceNotFound" | "MissingEndpoints"; message: string };
}

/**
 * The APIServices that name a Service (as metrics-server registers metrics.k8s.io), read from the
 * API at each call: the few requests that reach here are those the local registry does not serve
 * (and discovery). Availability follows kube-aggregator's: the Service must exist and have
 * endpoint addresses.
 */
export class RemoteApiServices {
  constructor(private readonly api: ApiServerApi) {}

  /** Every remote group version, by group priority (highest first), then name, as the aggregator orders groups. */
  async list(): Promise<RemoteGroupVersion[]> {
    const type = this.api.registry.byGroupVersionResource("apiregistration.k8s.io", "v1", "apiservices");
    if (!type) return [];
    const out: RemoteGroupVersion[] = [];
    for (const item of (await this.api.list(type, undefined)).items as ApiService[]) {
      const spec = item.spec;
      if (!spec?.service?.name || !spec.service.namespace || !spec.version) continue;
      const group = spec.group ?? "";
      if (this.api.registry.all().some((t) => t.descriptor.group === group && t.descriptor.version === spec.version)) continue; // served locally
      const service = { namespace: spec.service.namespace, name: spec.service.name, port: spec.service.port ?? 443 };
      const unavailable = await this.availability(service);
      out.push({ group, version: spec.version, service, groupPriorityMinimum: spec.groupPriorityMinimum ?? 0, versionPriority: spec.versionPriority ?? 0, ...(unavailable ? { unavailable } : {}) });
    }
    return out.sort((a, b) => b.groupPriorityMinimum - a.groupPriorityMinimum || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0) || b.versionPriority - a.versionPriority);
  }

  async find(group: string, version: string): Promise<RemoteGroupVersion | undefined> {
    return (await this.list()).find((r) => r.group === group && r.version === version);
  }

  private async availability(ref: RemoteGroupVersion["service"]): Promise<RemoteGroupVersion["unavailable"]> {
    const what = `service/${ref.name} in ${JSON.stringify(ref.namespace)}`;
    const services = this.api.registry.byGroupVersionResource("", "v1", "services");
    const endpoints = this.api.registry.byGroupVersionResource("", "v1", "endpoints");
    if (!services || !endpoints) return { reason: "ServiceNotFound", message: `${what} is not present` };
    const read = async <T>(type: typeof services): Promise<T | undefined> => {
      try {
        return (await this.api.get(type, ref.namespace, ref.name)) as T;
      } catch (err) {
        if (isStatusError(err, "NotFound")) return undefined;
        throw err;
      }
    };
    if (!(await read<Service>(services))) return { reason: "ServiceNotFound", message: `${what} is not present` };
    const eps = await read<Endpoints>(endpoints);
    if (!eps?.subsets?.some((s) => s.addresses?.length)) return { reason: "MissingEndpoints", message: `endpoints for ${what} have no addresses` };
    return undefined;
  }
}
