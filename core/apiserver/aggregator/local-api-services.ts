import type { Client } from "../../client/client.js";
import type { Clock } from "../../clock/clock.js";
import type { Logger } from "../../log/logger.js";
import type { ResourceRegistry } from "../../api/resource-registry.js";
import { isStatusError } from "../../api/status.js";
import { rfc3339 } from "../../api/time.js";
import type { ApiService } from "../../api/builtin/apiregistration/index.js";

/** kube-apiserver's priorities of its own group versions (`apiVersionPriorities`): group minimum, version priority. */
const PRIORITIES: Readonly<Record<string, readonly [number, number]>> = {
  "/v1": [18000, 1],
  "apps/v1": [17800, 15],
  "events.k8s.io/v1": [17750, 15],
  "authentication.k8s.io/v1": [17700, 15],
  "authorization.k8s.io/v1": [17600, 15],
  "autoscaling/v2": [17500, 30],
  "autoscaling/v1": [17500, 15],
  "batch/v1": [17400, 15],
  "certificates.k8s.io/v1": [17300, 15],
  "networking.k8s.io/v1": [17200, 15],
  "policy/v1": [17100, 15],
  "rbac.authorization.k8s.io/v1": [17000, 15],
  "storage.k8s.io/v1": [16800, 15],
  "apiextensions.k8s.io/v1": [16700, 15],
  "admissionregistration.k8s.io/v1": [16700, 15],
  "scheduling.k8s.io/v1": [16600, 15],
  "coordination.k8s.io/v1": [16500, 15],
  "node.k8s.io/v1": [16300, 15],
  "discovery.k8s.io/v1": [16200, 15],
  "flowcontrol.apiserver.k8s.io/v1": [16100, 21],
  "apiregistration.k8s.io/v1": [18000, 1],
};

/** A group version kube-apiserver does not list (a CRD's): kube-aggregator's crdRegistrationController gives 1000 / 100. */
const OTHER: readonly [number, number] = [1000, 100];

/** The local APIService of a served group version, as kube-aggregator's autoregister controller writes it. */
export function localApiService(group: string, version: string, builtIn: boolean): ApiService {
  const [groupPriorityMinimum, versionPriority] = PRIORITIES[`${group}/${version}`] ?? OTHER;
  return {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: `${version}.${group}`, labels: { "kube-aggregator.kubernetes.io/automanaged": builtIn ? "onstart" : "true" } },
    spec: { group, version, groupPriorityMinimum, versionPriority },
  };
}

/**
 * Keeps a local APIService (Available, reason Local) for every group version the registry serves,
 * now and as types are added (CRDs), as kube-aggregator does for kube-apiserver's own groups.
 * Existing APIServices are left as they are. Returns a function that stops following the registry.
 */
export async function registerLocalApiServices(client: Client, registry: ResourceRegistry, clock: Clock, log: Logger, isBuiltIn: (group: string, version: string) => boolean): Promise<() => void> {
  const apiServices = client.resource<ApiService>({ group: "apiregistration.k8s.io", version: "v1", resource: "apiservices" });
  const done = new Set<string>();
  const ensure = async (group: string, version: string): Promise<void> => {
    const key = `${group}/${version}`;
    if (done.has(key)) return;
    done.add(key);
    let created: ApiService;
    try {
      created = await apiServices.create(localApiService(group, version, isBuiltIn(group, version)), { fieldManager: "kube-apiserver" });
    } catch (err) {
      if (isStatusError(err, "AlreadyExists")) return;
      throw err;
    }
    const condition = { type: "Available", status: "True", lastTransitionTime: rfc3339(clock.now()), reason: "Local", message: "Local APIServices are always available" };
    await apiServices.updateStatus({ ...created, status: { conditions: [condition] } }, { fieldManager: "kube-apiserver" });
  };
  for (const t of registry.all()) await ensure(t.descriptor.group, t.descriptor.version);
  return registry.onChange((t, change) => {
    if (change !== "added") return;
    ensure(t.descriptor.group, t.descriptor.version).catch((err: unknown) => log.error("registering a local APIService failed", { group: t.descriptor.group, version: t.descriptor.version, error: err }));
  });
}
