import type { Node } from "kubernetes-types/core/v1.js";
import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { NodeName } from "../../core/cluster/node-spec.js";
import { Images, type ImageDefinition } from "../../core/cri/images.js";
import type { Program } from "../../core/cri/process.js";
import { NodeRuntimeToken, type NodeRuntime } from "../../core/cri/runtime-service.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import type { KubeObject } from "../../core/api/object.js";
import { serveHttp, untilSignal } from "../images/index.js";
import { renderNodeMetrics } from "./metrics.js";
import { CpuAccount, type NodeModel } from "./node-model.js";

export { renderNodeMetrics } from "./metrics.js";
export { CpuAccount, type NodeModel } from "./node-model.js";

export const NODE_EXPORTER_VERSION = "1.8.2";
export const NODE_EXPORTER_IMAGE = `quay.io/prometheus/node-exporter:v${NODE_EXPORTER_VERSION}`;

/** The DaemonSet and headless Service as kube-prometheus deploys node-exporter (namespace monitoring, host network, port 9100). */
export function nodeExporterObjects(): KubeObject[] {
  const labels = { "app.kubernetes.io/component": "exporter", "app.kubernetes.io/name": "node-exporter", "app.kubernetes.io/part-of": "kube-prometheus", "app.kubernetes.io/version": NODE_EXPORTER_VERSION };
  const selector = { "app.kubernetes.io/component": "exporter", "app.kubernetes.io/name": "node-exporter", "app.kubernetes.io/part-of": "kube-prometheus" };
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring" } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "node-exporter", namespace: "monitoring", labels } },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "node-exporter", namespace: "monitoring", labels },
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { "kubectl.kubernetes.io/default-container": "node-exporter" } },
          spec: {
            hostNetwork: true,
            hostPID: true,
            priorityClassName: "system-cluster-critical",
            serviceAccountName: "node-exporter",
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534 },
            tolerations: [{ operator: "Exists" }],
            nodeSelector: { "kubernetes.io/os": "linux" },
            containers: [
              {
                name: "node-exporter",
                image: NODE_EXPORTER_IMAGE,
                args: ["--web.listen-address=:9100", "--path.sysfs=/host/sys", "--path.rootfs=/host/root", "--no-collector.wifi", "--no-collector.hwmon"],
                ports: [{ containerPort: 9100, hostPort: 9100, name: "http" }],
                resources: { limits: { cpu: "250m", memory: "180Mi" }, requests: { cpu: "102m", memory: "180Mi" } },
                volumeMounts: [
                  { name: "sys", mountPath: "/host/sys", readOnly: true, mountPropagation: "HostToContainer" },
                  { name: "root", mountPath: "/host/root", readOnly: true, mountPropagation: "HostToContainer" },
                ],
              },
            ],
            volumes: [
              { name: "sys", hostPath: { path: "/sys" } },
              { name: "root", hostPath: { path: "/" } },
            ],
          },
        },
      },
    },
    { apiVersion: "v1", kind: "Service", metadata: { name: "node-exporter", namespace: "monitoring", labels }, spec: { clusterIP: "None", selector, ports: [{ name: "http", port: 9100, targetPort: "http" }] } },
  ] as KubeObject[];
}

/**
 * node-exporter as an add-on: a host-network DaemonSet in namespace monitoring whose image
 * behaviour serves node_* metrics of the node it runs on, on port 9100 of the node's address.
 */
export function nodeExporter(): DefinedPlugin {
  return definePlugin({
    name: "node-exporter",
    description: "node-exporter: node_* metrics of each simulated node (host-network DaemonSet on port 9100)",
    async setup(ctx) {
      const plane = ctx.resolve<DataPlane>(DataPlaneToken);
      const informers = (): SharedInformerFactory => ctx.resolve<SharedInformerFactory>(InformerFactory);
      const models = new Map<string, { model: NodeModel; cpu: CpuAccount }>();
      ctx.contribute(NodeAgents, "node-exporter-model", {
        start({ scope }) {
          const name = scope.resolve<string>(NodeName);
          const boot = ctx.clock.now();
          const nodes = informers().forResource<Node>("Node");
          const model: NodeModel = {
            name,
            bootTime: boot,
            capacity: () => nodes.lister().get(name)?.status?.capacity,
            runtime: () => (scope.isRegistered(NodeRuntimeToken, true) ? scope.resolve<NodeRuntime>(NodeRuntimeToken) : undefined),
            netns: () => plane.node(name),
            kernelRelease: "6.1.0-26-amd64",
          };
          models.set(name, { model, cpu: new CpuAccount(boot) });
          informers().start();
          return { stop: () => void models.delete(name) };
        },
      });
      const program: Program = async (p) => {
        const arg = p.argv.find((a) => a.startsWith("--web.listen-address="));
        const port = Number(arg?.split(":").pop() ?? 9100);
        const entry = models.get(p.hostname);
        p.stderr(`ts=${new Date(p.clock.now()).toISOString()} caller=node_exporter.go:193 level=info msg="Starting node_exporter" version="(version=${NODE_EXPORTER_VERSION}, branch=HEAD, revision=kubesim)"\n`);
        if (!entry) {
          p.stderr(`ts=${new Date(p.clock.now()).toISOString()} caller=node_exporter.go:223 level=error msg="not running on a node's host network"\n`);
          return 1;
        }
        serveHttp(p, port, async (req) => {
          const path = req.path.split("?")[0];
          if (path === "/metrics") return { status: 200, headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }, body: await renderNodeMetrics(entry.model, entry.cpu, p.clock.now()) };
          if (path === "/") return { status: 200, headers: { "Content-Type": "text/html; charset=UTF-8" }, body: "<html><head><title>Node Exporter</title></head><body><h1>Node Exporter</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n" };
          return { status: 404, body: "404 page not found\n" };
        });
        p.stderr(`ts=${new Date(p.clock.now()).toISOString()} caller=tls_config.go:313 level=info msg="Listening on" address=[::]:${port}\n`);
        return untilSignal(p, (s) => (s === "SIGTERM" || s === "SIGINT" ? 0 : undefined));
      };
      const image: ImageDefinition = { repository: "quay.io/prometheus/node-exporter", tags: [`v${NODE_EXPORTER_VERSION}`, "v1.8.1", "v1.7.0"], size: 11_342_610, layers: ["sha256:busybox-glibc-layer", "sha256:node-exporter-1.8-layer"], config: { entrypoint: ["/bin/node_exporter"], exposedPorts: ["9100/tcp"], user: "nobody" }, programs: { node_exporter: program } };
      ctx.contribute(Images, image.repository, image);
      await ctx.resolve<AddonInstaller>(Addons).install(nodeExporterObjects(), (m) => ctx.log.warn(m), "kubectl-client-side-apply");
      return () => {
        ctx.extensions(NodeAgents).withdraw("node-exporter-model");
        ctx.extensions(Images).withdraw(image.repository);
      };
    },
  });
}

export default nodeExporter();
