import type { Pod } from "kubernetes-types/core/v1.js";
import { buildVersionInfo } from "../apiserver/discovery/version-info.js";
import { serveHttpConnection, type HttpResponse } from "../cri/http.js";
import { NodeFiles, type NodeFileSystem } from "../cni/node-files.js";
import { DataPlaneToken, type DataPlane } from "../net/data-plane.js";
import type { Listener } from "../net/sockets.js";
import { etcdPod, ETCD_METRICS_PORT, KUBEADM_MANIFEST_DIR, kubeApiServerPod, staticPodManifestText, type KubeadmControlPlaneOptions } from "./kubeadm-static-pods.js";
import type { NodeAgent } from "./node-agents.js";
import { NodeIP, NodeName } from "./node-spec.js";

/** The node agent's name (contributed by the cluster itself). */
export const CONTROL_PLANE_HOST_AGENT = "kubeadm-control-plane";

/** A component's health as its endpoints answer it: healthy, or the reason it is not. */
export type HealthCheck = () => Promise<{ healthy: boolean; reason?: string }> | { healthy: boolean; reason?: string };

/** What the control-plane host serves its health from, and what kubeadm's manifests are made of. */
export interface ControlPlaneHostOptions {
  /** The in-process API server (`/livez`, `/readyz`, `/healthz` on its secure port). */
  apiServer: HealthCheck;
  /** The store etcd stands for (`/livez`, `/readyz`, `/health` on etcd's metrics port). */
  etcd: HealthCheck;
  /** kubeadm's settings, less the node's own name and address. */
  kubeadm: () => Omit<KubeadmControlPlaneOptions, "nodeName" | "advertiseAddress">;
}

const TEXT = { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" };

/** Writes a static pod's manifest where kubeadm writes it (the kubelet notices and runs it). */
export function writeStaticPodManifest(files: NodeFileSystem, pod: Pod): void {
  files.write(`${KUBEADM_MANIFEST_DIR}/${pod.metadata!.name!}.yaml`, staticPodManifestText(pod));
}

/** `/livez`, `/readyz` and `/healthz` as a Kubernetes component answers them: `ok`, or 500 naming the failed check. */
export async function componentHealthAnswer(path: string, check: HealthCheck, checkName: string): Promise<HttpResponse | undefined> {
  const endpoint = /^\/(livez|readyz|healthz)$/.exec(path)?.[1];
  if (!endpoint) return undefined;
  const result = await check();
  if (result.healthy) return { status: 200, headers: TEXT, body: "ok" };
  return { status: 500, headers: TEXT, body: `[-]${checkName} failed: reason withheld\n${endpoint} check failed\n` };
}

/**
 * What kubeadm leaves on a control-plane node, as a node agent of the cluster bootstrap: the
 * kube-apiserver and etcd static pod manifests in /etc/kubernetes/manifests (the kubelet runs them
 * and mirrors them into kube-system as `kube-apiserver-<node>` and `etcd-<node>`), and the
 * endpoints their probes reach on the node, answered from the health of the in-process API server
 * and store those pods stand for: the API server's `/livez`, `/readyz` and `/healthz` on its secure
 * port, and `/version` (anything else is refused to the anonymous caller with a 403 Status, as
 * kube-apiserver refuses it), etcd's `/livez`, `/readyz` and `/health` on its metrics port 2381. Plain HTTP: the
 * simulated network carries no TLS. kube-controller-manager and kube-scheduler write their own
 * manifests from their plugins.
 */
export function controlPlaneHostAgent(options: ControlPlaneHostOptions): NodeAgent {
  return {
    start({ role, scope }) {
      if (role !== "control-plane") return { stop() {} };
      const nodeName = scope.resolve<string>(NodeName);
      const ip = scope.resolve<string>(NodeIP);
      const kubeadm = { ...options.kubeadm(), nodeName, advertiseAddress: ip };
      const listeners: Listener[] = [];
      if (scope.isRegistered(DataPlaneToken, true)) {
        const plane = scope.resolve<DataPlane>(DataPlaneToken);
        const stack = plane.stack(plane.addNode(nodeName, ip));
        listeners.push(
          stack.listen("TCP", kubeadm.apiServerPort, (conn) =>
            serveHttpConnection(conn, async (req) => {
              const path = req.path.split("?")[0]!;
              if (path === "/version") return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(buildVersionInfo(), null, 2) };
              return (await componentHealthAnswer(path, options.apiServer, "etcd")) ?? forbidden(path);
            }),
          ),
          stack.listen("TCP", ETCD_METRICS_PORT, (conn) =>
            serveHttpConnection(conn, async (req) => {
              const path = req.path.split("?")[0]!;
              if (path === "/health") {
                const r = await options.etcd();
                return { status: r.healthy ? 200 : 503, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: JSON.stringify({ health: String(r.healthy), reason: r.healthy ? "" : (r.reason ?? "") }) };
              }
              if (path === "/livez" || path === "/readyz") {
                const r = await options.etcd();
                return r.healthy ? { status: 200, headers: TEXT, body: "ok" } : { status: 503, headers: TEXT, body: `[-]${path === "/livez" ? "serializable_read" : "data_corruption"} failed: ${r.reason ?? "unhealthy"}\n${path.slice(1)} check failed\n` };
              }
              return { status: 404, headers: TEXT, body: "404 page not found\n" };
            }),
          ),
        );
      }
      if (scope.isRegistered(NodeFiles, true)) {
        const files = scope.resolve<NodeFileSystem>(NodeFiles);
        writeStaticPodManifest(files, etcdPod(kubeadm));
        writeStaticPodManifest(files, kubeApiServerPod(kubeadm));
      }
      return { stop: () => listeners.forEach((l) => l.close()) };
    },
  };
}

/** kube-apiserver's answer to an anonymous request for a path public-info-viewer does not grant. */
function forbidden(path: string): HttpResponse {
  const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `forbidden: User "system:anonymous" cannot get path "${path}"`, reason: "Forbidden", details: {}, code: 403 };
  return { status: 403, headers: { "Content-Type": "application/json", "X-Content-Type-Options": "nosniff" }, body: JSON.stringify(status) + "\n" };
}
