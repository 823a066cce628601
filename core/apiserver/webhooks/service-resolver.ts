import type { Endpoints, Service } from "kubernetes-types/core/v1.js";
import type { Client } from "../../client/client.js";
import { connectionToDuplex } from "../../net/connection-stream.js";
import { NetError, type NetworkStack } from "../../net/sockets.js";
import type { ServiceResolver } from "./webhook-client.js";

/** How Go's dialer words the socket errors. */
const DIAL_ERRORS: Partial<Record<string, string>> = { ECONNREFUSED: "connection refused", ETIMEDOUT: "i/o timeout", EHOSTUNREACH: "no route to host", ENETUNREACH: "network is unreachable" };

/**
 * The default way to a webhook's Service: it must exist and have the port (the errors read as
 * kube-apiserver's service resolver's). A Service whose endpoints are the host's own addresses
 * (a webhook process running beside kubesim, as with `kind` and a host-network webhook) is
 * reached there; otherwise, given the simulated `network` (the control-plane node's root
 * namespace, where kube-apiserver runs), the Service's cluster IP and port, as kube-apiserver's
 * default cluster-IP resolver does — kube-proxy's rules take the connection to a ready pod.
 */
export function serviceResolver(client: () => Client, network?: () => NetworkStack | undefined): ServiceResolver {
  return async (namespace, name, port) => {
    const svc = (await client().resource<Service>("Service").get(name, { namespace }).catch(() => undefined)) as Service | undefined;
    if (!svc) throw new Error(`service "${name}" not found`);
    const sp = svc.spec?.ports?.find((p) => p.port === port);
    if (!sp) throw new Error(`no service port ${port} found for service "${name}"`);
    const ep = (await client().resource<Endpoints>("Endpoints").get(name, { namespace }).catch(() => undefined)) as Endpoints | undefined;
    let podAddress: string | undefined;
    for (const subset of ep?.subsets ?? []) {
      const target = subset.ports?.find((p) => p.name === sp.name || (subset.ports?.length === 1 && !sp.name));
      for (const a of subset.addresses ?? []) {
        if (a.ip === "127.0.0.1" && target) return { host: a.ip, port: target.port };
      }
      podAddress ??= subset.addresses?.[0] ? `${subset.addresses[0].ip}:${target?.port ?? port}` : undefined;
    }
    const stack = network?.();
    const clusterIP = svc.spec?.clusterIP;
    if (stack && clusterIP && clusterIP !== "None") {
      return {
        host: clusterIP,
        port,
        connect: async () => {
          try {
            return connectionToDuplex(await stack.connect(clusterIP, port, { timeoutMs: 10_000 }));
          } catch (err) {
            if (err instanceof NetError) throw new Error(`dial tcp ${clusterIP}:${port}: connect: ${DIAL_ERRORS[err.code] ?? err.message}`);
            throw err;
          }
        },
      };
    }
    if (podAddress) throw new Error(`dial tcp ${podAddress}: connect: no route to host (pod addresses are not reachable from kubesim's API server)`);
    throw new Error(`no endpoints available for service "${name}"`);
  };
}
