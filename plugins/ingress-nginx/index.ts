import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import type { KubeObject } from "../../core/api/object.js";
import { createObjects } from "../../core/cluster/create-objects.js";
import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { selfSignedCertificate } from "../../core/apiserver/http/tls.js";
import { Client } from "../../core/client/client.js";
import { Clock } from "../../core/clock/clock.js";
import { Images } from "../../core/cri/images.js";
import { HostEndpoints } from "../../core/cluster/host-endpoints.js";
import { PluginConfigError } from "../../core/plugins/plugin-config.js";
import { fieldError } from "../../core/api/status.js";
import { token } from "../../core/di/token.js";
import { InformerFactory, type SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import type { IngressRequest } from "./request-handler.js";
import type { HttpResponse } from "../../core/cri/http.js";
import { IngressNginxController } from "./controller.js";
import { controllerImage } from "./controller-image.js";
import { HostPortForwarder, type IngressHostPorts } from "./host-ports.js";
import { ADMISSION_NAME, ingressNginxManifest, NAMESPACE } from "./manifest.js";
import { gatewayApiCrds, GATEWAY_GROUP } from "./gateway/crds.js";
import { GatewayController } from "./gateway/gateway-controller.js";

export { buildRoutingModel, findServer, findLocation, upstreamName, type RoutingModel, type Server, type Location, type ServiceBackend } from "./routing-model.js";
export { parseAnnotations, AnnotationError, type IngressAnnotations } from "./annotations.js";
export { renderNginxConf } from "./nginx-conf.js";
export { ingressProblems, isOurs, reviewIngress, WEBHOOK_NAME } from "./admission.js";
export { NAMESPACE, CONTROLLER_NAME, CONTROLLER_IMAGE, ADMISSION_NAME } from "./manifest.js";
export type { IngressHostPorts } from "./host-ports.js";
export type { IngressRequest } from "./request-handler.js";
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
  /**
   * `namespace/name` of a Service answering what no rule serves (the controller's
   * `--default-backend-service`, the Helm chart's `defaultBackend`); unset: nginx's own 404 page.
   */
  defaultBackendService?: string;
}

/** Objects are installed as `kubectl apply -f deploy.yaml` would. */
const FIELD_MANAGER = "kubectl-client-side-apply";

/** The GatewayClass controllerName the controller answers to. */
export const GATEWAY_CONTROLLER_NAME = "k8s.io/ingress-nginx";

/** Creates the Gateway API CRDs (when absent) and waits until the API server serves them. */
async function installGatewayApi(client: Client, warn: (m: string) => void): Promise<void> {
  const crds = gatewayApiCrds();
  await createObjects(client, crds, warn, FIELD_MANAGER);
  const names = crds.map((c) => c.metadata!.name!);
  for (let i = 0; i < 400; i++) {
    const established = await Promise.all(names.map(async (n) => ((await client.resource<CustomResourceDefinition>("CustomResourceDefinition").get(n)).status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True")));
    if (established.every(Boolean)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await createObjects(client, [{ apiVersion: `${GATEWAY_GROUP}/v1`, kind: "GatewayClass", metadata: { name: "nginx" }, spec: { controllerName: GATEWAY_CONTROLLER_NAME, description: "ingress-nginx serving the Gateway API (kubesim)" } } as KubeObject], warn, FIELD_MANAGER);
}

/** Validates an `ingress-nginx` configuration section (cluster.yaml `plugins: [{ name: ingress-nginx, config }]`). */
export function parseIngressOptions(raw: unknown): IngressNginxOptions {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new PluginConfigError([fieldError.invalid("", raw, "must be an object")]);
  const r = raw as Record<string, unknown>;
  const errors = [];
  const known = ["httpPort", "httpsPort", "host", "defaultClass", "gatewayApi", "defaultBackendService"];
  for (const k of Object.keys(r)) if (!known.includes(k)) errors.push(fieldError.notSupported(k, r[k], known));
  for (const k of ["httpPort", "httpsPort"]) if (r[k] !== undefined && (!Number.isInteger(r[k]) || (r[k] as number) < 0 || (r[k] as number) > 65535)) errors.push(fieldError.invalid(k, r[k], "must be a port number between 0 and 65535"));
  if (r["host"] !== undefined && typeof r["host"] !== "string") errors.push(fieldError.invalid("host", r["host"], "must be an address"));
  for (const k of ["defaultClass", "gatewayApi"]) if (r[k] !== undefined && typeof r[k] !== "boolean") errors.push(fieldError.invalid(k, r[k], "must be true or false"));
  const svc = r["defaultBackendService"];
  if (svc !== undefined && (typeof svc !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(svc))) errors.push(fieldError.invalid("defaultBackendService", svc, "must be namespace/name of a Service"));
  if (errors.length) throw new PluginConfigError(errors);
  return r as IngressNginxOptions;
}

/** Hands one request to a running controller pod, as the host ports do (undefined: none is running). */
export interface IngressEntry {
  handle(req: IngressRequest): Promise<HttpResponse> | undefined;
}

/** The cluster's ingress entry (registered when the plugin loads): what benchmarks and tests drive without a host socket. */
export const IngressEntryToken = token<IngressEntry>("ingress-nginx/entry");

/** Where a cluster's ingress host listeners are bound (registered when they are). */
export const IngressHostPortsToken = token<IngressHostPorts>("ingress-nginx/host-ports");

/**
 * ingress-nginx as a plugin: installs the controller as `deploy.yaml` does (namespace
 * ingress-nginx, Deployment, LoadBalancer Service, IngressClass `nginx`, the validating webhook
 * its pods serve and its Secret), runs its control loop (routing model, nginx.conf, Ingress status) and
 * contributes the controller image whose pods serve the traffic; optionally listens on host
 * ports and hands requests to a controller pod. See docs/ingress.md.
 */
export function ingressNginx(given: IngressNginxOptions = {}): DefinedPlugin {
  return definePlugin({
    name: "ingress-nginx",
    config: { description: "ingress-nginx options: httpPort, httpsPort, host, defaultClass, gatewayApi, defaultBackendService", parse: parseIngressOptions },
    requires: ["kube-controller-manager"],
    description: "ingress-nginx: Ingress routing from the controller's pods, validated by their webhook, reachable from host ports",
    async setup(ctx) {
      const options: IngressNginxOptions = { ...given, ...((ctx.config as IngressNginxOptions | undefined) ?? {}) };
      const client = ctx.resolve<Client>(Client);
      const flags = options.defaultBackendService ? { defaultBackendService: options.defaultBackendService } : {};
      const controller = new IngressNginxController(ctx.resolve<SharedInformerFactory>(InformerFactory), client, ctx.resolve<Clock>(Clock), ctx.log, flags);
      const image = controllerImage(() => controller);
      ctx.contribute(Images, image.repository, image);
      const abort = new AbortController();
      controller.start(abort.signal);
      ctx.provide(IngressEntryToken, { handle: (req) => controller.pick()?.handler.handle(req) });
      const warn = (m: string): void => ctx.log.warn(m);
      // What upstream's kube-webhook-certgen Job generates for the admission Service (docs/differences.md).
      const webhookCert = await selfSignedCertificate(ADMISSION_NAME, [ADMISSION_NAME, `${ADMISSION_NAME}.${NAMESPACE}.svc`]);
      await ctx.resolve<AddonInstaller>(Addons).install(ingressNginxManifest(options.defaultClass ?? true, webhookCert, flags), warn, FIELD_MANAGER);
      let gateway: GatewayController | undefined;
      if (options.gatewayApi ?? true) {
        await installGatewayApi(client, warn);
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
        ctx.contribute(HostEndpoints, "ingress-http", { description: "ingress (HTTP)", url: `http://${bound.host}:${bound.httpPort}` });
        ctx.contribute(HostEndpoints, "ingress-https", { description: "ingress (HTTPS)", url: `https://${bound.host}:${bound.httpsPort}` });
        ctx.log.info("ingress listening", { http: `${bound.host}:${bound.httpPort}`, https: `${bound.host}:${bound.httpsPort}` });
      }
      return async () => {
        abort.abort();
        controller.stop();
        gateway?.stop();
        await forwarder?.close();
        if (forwarder) for (const n of ["ingress-http", "ingress-https"]) ctx.extensions(HostEndpoints).withdraw(n);
        ctx.extensions(Images).withdraw(image.repository);
      };
    },
  });
}

export default ingressNginx;
