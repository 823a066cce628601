import type { Listener, NetworkStack } from "../../core/net/sockets.js";
import { usableEndpoints, type ServicePortInfo } from "./service-ports.js";

/**
 * kube-proxy's service health check server (pkg/proxy/healthcheck): for each Service with
 * externalTrafficPolicy Local, an HTTP server on its healthCheckNodePort on every node answering
 * 200 with the number of local endpoints, or 503 when this node has none — what cloud load
 * balancers probe to pick nodes.
 */
export class HealthCheckServer {
  private readonly listeners = new Map<number, { listener: Listener; state: { svc: ServicePortInfo; local: number } }>();

  constructor(
    private readonly stack: NetworkStack,
    private readonly node: string,
  ) {}

  sync(ports: readonly ServicePortInfo[]): void {
    const wanted = new Map<number, ServicePortInfo>();
    for (const sp of ports) if (sp.externalPolicyLocal && sp.healthCheckNodePort) wanted.set(sp.healthCheckNodePort, sp);
    for (const [port, entry] of this.listeners)
      if (!wanted.has(port)) {
        entry.listener.close();
        this.listeners.delete(port);
      }
    for (const [port, svc] of wanted) {
      const local = usableEndpoints(svc, this.node, true).length;
      const existing = this.listeners.get(port);
      if (existing) {
        existing.state.svc = svc;
        existing.state.local = local;
        continue;
      }
      const state = { svc, local };
      try {
        const listener = this.stack.listen("TCP", port, (conn) => {
          conn.on("data", () => {
            const body = JSON.stringify({ service: { namespace: state.svc.namespace, name: state.svc.service }, localEndpoints: state.local, serviceProxyHealthy: true });
            const status = state.local > 0 ? "200 OK" : "503 Service Unavailable";
            conn.write(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nX-Load-Balancing-Endpoint-Weight: ${state.local}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
            conn.end();
          });
        });
        this.listeners.set(port, { listener, state });
      } catch {
        /* port taken on this node: kube-proxy logs and retries on the next sync */
      }
    }
  }

  close(): void {
    for (const { listener } of this.listeners.values()) listener.close();
    this.listeners.clear();
  }
}
