import type { Endpoints, Service } from "kubernetes-types/core/v1.js";
import type { Client } from "../../client/client.js";
import type { ServiceResolver } from "./webhook-client.js";

/**
 * The default way to a webhook's Service: it must exist and have ready endpoints (the errors read
 * as kube-apiserver's service resolver's); a Service whose endpoints are the host's own addresses
 * (a webhook process running beside kubesim, as with `kind` and a host-network webhook) is reached
 * there. Pod addresses are not reachable from the API server process.
 */
export function serviceResolver(client: () => Client): ServiceResolver {
  return async (namespace, name, port) => {
    const svc = (await client().resource<Service>("Service").get(name, { namespace }).catch(() => undefined)) as Service | undefined;
    if (!svc) throw new Error(`service "${name}" not found`);
    const sp = svc.spec?.ports?.find((p) => p.port === port);
    if (!sp) throw new Error(`no service port ${port} found for service "${name}"`);
    const ep = (await client().resource<Endpoints>("Endpoints").get(name, { namespace }).catch(() => undefined)) as Endpoints | undefined;
    for (const subset of ep?.subsets ?? []) {
      const target = subset.ports?.find((p) => p.name === sp.name || (subset.ports?.length === 1 && !sp.name));
      for (const a of subset.addresses ?? []) {
        if (a.ip === "127.0.0.1" && target) return { host: a.ip, port: target.port };
      }
      if (subset.addresses?.length) throw new Error(`dial tcp ${subset.addresses[0]!.ip}:${target?.port ?? port}: connect: no route to host (pod addresses are not reachable from kubesim's API server)`);
    }
    throw new Error(`no endpoints available for service "${name}"`);
  };
}
