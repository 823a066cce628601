import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import type { KubeObject } from "../../core/api/object.js";
import { isStatusError } from "../../core/api/status.js";
import { selfSignedCertificate } from "../../core/apiserver/http/tls.js";
import { Client } from "../../core/client/client.js";
import { Clock } from "../../core/clock/clock.js";
import { Images } from "../../core/cri/images.js";
import { token } from "../../core/di/token.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { AdmissionPlugins } from "../../core/plugins/extension-points.js";
import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { ingressAdmission } from "./admission.js";
import { IngressNginxController } from "./controller.js";
import { controllerImage } from "./controller-image.js";
import { HostPortForwarder, type IngressHostPorts } from "./host-ports.js";
import { ingressNginxManifest } from "./manifest.js";
import { gatewayApiCrds, GATEWAY_GROUP } from "./gateway/crds.js";
import { GatewayController } from "./gateway/gateway-controller.js";

export { buildRoutingModel, findServer, findLocation, upstreamName, type RoutingModel, type Server, type Location, type ServiceBackend } from "./routing-model.js";
export { parseAnnotations, AnnotationError, type IngressAnnotations } from "./annotations.js";
export { renderNginxConf } from "./nginx-conf.js";
export { ingressProblems, isOurs, WEBHOOK_NAME } from "./admission.js";
export { NAMESPACE, CONTROLLER_NAME, CONTROLLER_IMAGE } from "./manifest.js";
export type { IngressHostPorts } from "./host-ports.js";
export { gatewayApiCrds, GATEWAY_API_VERSION } from "./gateway/crds.js";
export { compileGateways, findGatewayMatch, hostnameMatches } from "./gateway/gateway-routes.js";

export interface IngressNginxOptions {
  /**
   * Host port for plain HTTP into the controller (`kubesim up`: 8080; `0` picks a free one).
   * Unset: no host listeners (the controller still serves inside the cluster).
   */
  httpPort?: number;
  /** Host port for HTTPS (`kubesim up`: 8443; `0` picks a free one). Only with `httpPort`. */
  httpsPort?: number;
  /** Address the host listeners bind (default 127.0.0.1). */
  host?: string;
  /** Mark the `nginx` IngressClass as the cluster's default (default true, as k3s and kind users expect). */
  defaultClass?: boolean;
  /** Install the Gateway API's standard-channel CRDs and the `nginx` GatewayClass, and serve Gateways (default true). */
  gatewayApi?: boolean;
}

/** The GatewayClass controllerName the controller answers to. */
export const GATEWAY_CONTROLLER_NAME = "k8s.io/ingress-nginx";

/** Creates the Gateway API CRDs (when absent) and waits until the API server serves them. */
async function installGatewayApi(client: Client): Promise<void> {
  const crds = gatewayApiCrds();
  await install(client, crds);
  const names = crds.map((c) => c.metadata!.name!);
  for (let i = 0; i < 400; i++) {
    const established = await Promise.all(names.map(async (n) => ((await client.resource<CustomResourceDefinition>("CustomResourceDefinition").get(n)).status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True")));
    if (established.every(Boolean)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await install(client, [{ apiVersion: `${GATEWAY_GROUP}/v1`, kind: "GatewayClass", metadata: { name: "nginx" }, spec: { controllerName: GATEWAY_CONTROLLER_NAME, description: "ingress-nginx serving the Gateway API (kubesim)" } } as KubeObject]);
}

/** Where a cluster's ingress host listeners are bound (registered when they are). */
export const IngressHostPortsToken = token<IngressHostPorts>("ingress-nginx/host-ports");

async function install(client: Client, objects: readonly KubeObject[]): Promise<void> {
  for (const obj of objects) {
    try {
      await client.resource(obj.kind!).create(obj, { fieldManager: "kubectl-client-side-apply", ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) });
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
    }
  }
}

/**
 * ingress-nginx as a plugin: installs the controller as `deploy.yaml` does (namespace
 * ingress-nginx, Deployment, LoadBalancer Service, IngressClass `nginx`), validates Ingresses as
 * its webhook does, runs its control loop (routing model, nginx.conf, Ingress status) and
 * contributes the controller image whose pods serve the traffic; optionally listens on host
 * ports and hands requests to a controller pod. See docs/ingress.md.
 */
export function ingressNginx(options: IngressNginxOptions = {}): DefinedPlugin {
  return definePlugin({
    name: "ingress-nginx",
    requires: ["kube-controller-manager"],
    description: "ingress-nginx: Ingress routing from the controller's pods, validated like its webhook, reachable from host ports",
    async setup(ctx) {
      const client = ctx.resolve<Client>(Client);
      const controller = new IngressNginxController(ctx.resolve<SharedInformerFactory>(InformerFactory), client, ctx.resolve<Clock>(Clock), ctx.log);
      const image = controllerImage(() => controller);
      ctx.contribute(Images, image.repository, image);
      ctx.contribute(AdmissionPlugins, ingressAdmission.name, ingressAdmission);
      const abort = new AbortController();
      controller.start(abort.signal);
      await install(client, ingressNginxManifest(options.defaultClass ?? true));
      let gateway: GatewayController | undefined;
      if (options.gatewayApi ?? true) {
        await installGatewayApi(client);
        gateway = new GatewayController(GATEWAY_CONTROLLER_NAME, ctx.resolve<SharedInformerFactory>(InformerFactory), client, ctx.resolve<Clock>(Clock), ctx.log, () => controller.publishedIps());
        controller.enableGateway(gateway);
        gateway.start(abort.signal);
      }
      let forwarder: HostPortForwarder | undefined;
      if (options.httpPort !== undefined) {
        const cert = await selfSignedCertificate("Kubernetes Ingress Controller Fake Certificate", ["ingress.local"], { organization: "Acme Co" });
        forwarder = new HostPortForwarder(controller, cert);
        const bound = await forwarder.listen(options.host ?? "127.0.0.1", options.httpPort, options.httpsPort ?? 0);
        ctx.provide(IngressHostPortsToken, bound);
        ctx.log.info("ingress listening", { http: `${bound.host}:${bound.httpPort}`, https: `${bound.host}:${bound.httpsPort}` });
      }
      return async () => {
        abort.abort();
        controller.stop();
        gateway?.stop();
        await forwarder?.close();
        ctx.extensions(Images).withdraw(image.repository);
        ctx.extensions(AdmissionPlugins).withdraw(ingressAdmission.name);
      };
    },
  });
}

export default ingressNginx;
