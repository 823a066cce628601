import type { ConfigMap, LoadBalancerIngress, Node, Pod, Secret, Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { Ingress, IngressClass, IngressLoadBalancerIngress } from "kubernetes-types/networking/v1.js";
import type { Client } from "../../core/client/client.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import type { EventHandlerRegistration } from "../../core/informers/event-handler.js";
import type { Logger } from "../../core/log/logger.js";
import { isStatusError } from "../../core/api/status.js";
import { isOurs, reviewIngress, type IngressReview } from "./admission.js";
import { CONTROLLER_NAME, NAMESPACE } from "./manifest.js";
import { renderNginxConf } from "./nginx-conf.js";
import type { RequestHandler, RoutingState, UpstreamEndpoint } from "./request-handler.js";
import type { GatewayController } from "./gateway/gateway-controller.js";
import { buildRoutingModel, type RoutingModel, type ServiceBackend } from "./routing-model.js";

/** A running controller pod: its request path and the nginx.conf file it shows. */
export interface ControllerInstance {
  readonly podName: string;
  readonly handler: RequestHandler;
  writeConf(text: string): void;
  log(line: string): void;
}

/** How the controller is started (its Deployment's flags). */
export interface ControllerFlags {
  /** `--default-backend-service`: `namespace/name` of the Service answering what no rule serves. */
  readonly defaultBackendService?: string;
}

/** A TLS certificate and key (PEM) from a kubernetes.io/tls Secret. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/**
 * The control loop of ingress-nginx: from the shared informers (Ingresses of its class,
 * IngressClasses, Services, EndpointSlices, TLS Secrets, its ConfigMap) it keeps the routing model every
 * running controller pod serves, renders their nginx.conf on change, and publishes the
 * controller's address in each Ingress's `status.loadBalancer` (the controller Service's
 * load-balancer addresses, else the InternalIPs of the nodes running controller pods).
 */
export class IngressNginxController {
  private model: RoutingModel | undefined;
  private readonly endpointCache = new Map<string, readonly UpstreamEndpoint[]>();
  /** The cache key of each backend of the (immutable) routing model, built once rather than per request. */
  private readonly endpointKeys = new WeakMap<ServiceBackend, string>();
  private readonly instances = new Set<ControllerInstance>();
  /** The running pods in attach order (what `pick` cycles through). */
  private running: ControllerInstance[] = [];
  /** The state handed to requests, kept while the model and the Gateway routes stay the same. */
  private state: RoutingState | undefined;
  private readonly endpointsOf = (b: ServiceBackend): readonly UpstreamEndpoint[] => this.endpoints(b);
  private readonly registrations: EventHandlerRegistration[] = [];
  private statusTimer: TimerHandle | undefined;
  private reportedSkips = new Set<string>();
  private stopped = false;
  private gateway: GatewayController | undefined;
  /** Round-robin position over the running controller pods. */
  private rr = 0;
  /** The `--default-backend-service` backend (null: none or no such Service), until a Service changes. */
  private defaultBackendCache: ServiceBackend | null | undefined;
  private readonly defaultBackendOf = (): ServiceBackend | undefined => this.defaultBackend();

  constructor(
    private readonly informers: SharedInformerFactory,
    private readonly client: Client,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly flags: ControllerFlags = {},
  ) {}

  start(signal: AbortSignal): void {
    const onRouting = { onAdd: () => this.invalidate(), onUpdate: () => this.invalidate(), onDelete: () => this.invalidate() };
    const onEndpoints = { onAdd: () => this.endpointsChanged(), onUpdate: () => this.endpointsChanged(), onDelete: () => this.endpointsChanged() };
    // The controller's own ConfigMap (`--configmap`): its settings change the configuration, as a reload.
    const onConfig = {
      onAdd: (c: ConfigMap) => void (c.metadata?.name === CONTROLLER_NAME && this.invalidate()),
      onUpdate: (_: ConfigMap, c: ConfigMap) => void (c.metadata?.name === CONTROLLER_NAME && this.invalidate()),
      onDelete: () => this.invalidate(),
    };
    const onStatus = { onAdd: () => this.requestStatusSync(), onUpdate: () => this.requestStatusSync(), onDelete: () => this.requestStatusSync() };
    this.registrations.push(
      this.informers.forResource<Ingress>("Ingress").addEventHandler(onRouting),
      this.informers.forResource<IngressClass>("IngressClass").addEventHandler(onRouting),
      this.informers.forResource<Service>("Service").addEventHandler(onEndpoints),
      this.informers.forResource<EndpointSlice>("EndpointSlice").addEventHandler(onEndpoints),
      this.informers.forResource<Pod>("Pod", { namespace: NAMESPACE }).addEventHandler(onStatus),
      this.informers.forResource<ConfigMap>("ConfigMap", { namespace: NAMESPACE }).addEventHandler(onConfig),
    );
    // Read on demand (TLS secrets by SNI, node addresses for status): cached, no handler needed.
    this.informers.forResource<Secret>("Secret");
    this.informers.forResource<Node>("Node");
    if (this.informers.all().some((i) => !i.isStarted())) this.informers.start(signal);
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.registrations) r.remove();
    this.clock.clearTimeout(this.statusTimer);
  }

  /** Serves the Gateway API too: its routes are tried before the Ingress rules; its status follows the controller's address. */
  enableGateway(gateway: GatewayController): void {
    this.gateway = gateway;
  }

  /** The IPs the controller publishes (Ingress and Gateway status). */
  publishedIps(): string[] {
    return this.addresses().map((a) => a.ip ?? a.hostname ?? "").filter(Boolean);
  }

  /** A controller pod started serving. */
  attach(instance: ControllerInstance): void {
    this.instances.add(instance);
    this.running = [...this.instances];
    instance.writeConf(renderNginxConf(this.routing().model, new Date(this.clock.now()).toISOString()));
  }

  detach(instance: ControllerInstance): void {
    this.instances.delete(instance);
    this.running = [...this.instances];
  }

  /** A running controller pod to hand a host-port request to (round-robin), if any. */
  pick(): ControllerInstance | undefined {
    const all = this.running;
    if (all.length === 0) return undefined;
    this.rr = (this.rr + 1) % all.length;
    return all[this.rr];
  }

  /** The routing model and endpoints the request path reads. */
  routing(): RoutingState {
    if (!this.model) this.rebuild();
    const gateway = this.gateway?.routes();
    const s = this.state;
    if (s && s.model === this.model && s.gateway === gateway) return s;
    return (this.state = { model: this.model!, endpoints: this.endpointsOf, defaultBackend: this.defaultBackendOf, ...(gateway ? { gateway } : {}) });
  }

  /** The TLS material for `namespace/name`, if that Secret exists and is a usable TLS secret. */
  tlsSecret(key: string): TlsMaterial | undefined {
    const [namespace = "", name = ""] = key.split("/");
    const secret = this.informers.forResource<Secret>("Secret").lister().namespace(namespace).get(name);
    const cert = secret?.data?.["tls.crt"];
    const tlsKey = secret?.data?.["tls.key"];
    if (!cert || !tlsKey) return undefined;
    return { cert: Buffer.from(cert, "base64").toString("utf8"), key: Buffer.from(tlsKey, "base64").toString("utf8") };
  }

  /** Answers the validating webhook's AdmissionReview from the informers' Ingresses and IngressClasses (see reviewIngress). */
  review(review: IngressReview): ReturnType<typeof reviewIngress> {
    const classes = this.informers.forResource<IngressClass>("IngressClass").lister().list();
    return reviewIngress(review, classes, this.informers.forResource<Ingress>("Ingress").lister().list());
  }

  private ourIngresses(): Ingress[] {
    const classes = this.informers.forResource<IngressClass>("IngressClass").lister().list();
    return this.informers.forResource<Ingress>("Ingress").lister().list().filter((i) => isOurs(i, classes));
  }

  private invalidate(): void {
    this.model = undefined;
    this.endpointCache.clear();
    // Re-render promptly so `cat /etc/nginx/nginx.conf` shows the change (nginx's reload).
    queueMicrotask(() => {
      if (!this.model && !this.stopped) this.rebuild();
    });
    this.requestStatusSync();
  }

  private endpointsChanged(): void {
    this.endpointCache.clear();
    this.defaultBackendCache = undefined;
  }

  /** The `--default-backend-service` Service's first port as a backend, as getDefaultUpstream takes it. */
  private defaultBackend(): ServiceBackend | undefined {
    if (this.defaultBackendCache !== undefined) return this.defaultBackendCache ?? undefined;
    const [namespace = "", name = ""] = (this.flags.defaultBackendService ?? "").split("/");
    const svc = this.flags.defaultBackendService ? this.informers.forResource<Service>("Service").lister().namespace(namespace).get(name) : undefined;
    const port = svc?.spec?.ports?.[0];
    this.defaultBackendCache = svc && port ? { namespace, service: name, port: { number: port.port } } : null;
    return this.defaultBackendCache ?? undefined;
  }

  /** The controller ConfigMap's `data` (empty when it is gone). */
  private configMap(): Readonly<Record<string, string>> {
    return this.informers.forResource<ConfigMap>("ConfigMap", { namespace: NAMESPACE }).lister().namespace(NAMESPACE).get(CONTROLLER_NAME)?.data ?? {};
  }

  private rebuild(): void {
    const loadBalance = this.configMap()["load-balance"];
    this.model = buildRoutingModel(this.ourIngresses(), loadBalance !== undefined ? { loadBalance } : {});
    for (const s of this.model.skipped) {
      const key = `${s.ingress.namespace}/${s.ingress.name}: ${s.reason}`;
      if (this.reportedSkips.has(key)) continue;
      this.reportedSkips.add(key);
      this.log.warn("ingress skipped", { ingress: `${s.ingress.namespace}/${s.ingress.name}`, reason: s.reason });
    }
    if (this.instances.size === 0) return;
    const conf = renderNginxConf(this.model, new Date(this.clock.now()).toISOString());
    for (const i of this.instances) {
      i.writeConf(conf);
      i.log(`${klogTime(this.clock.now())}       7 controller.go:214] "Backend successfully reloaded"\n`);
    }
  }

  /** Ready endpoints of a Service port, from its EndpointSlices (cached until a Service or slice changes). */
  private endpoints(b: ServiceBackend): readonly UpstreamEndpoint[] {
    let key = this.endpointKeys.get(b);
    if (key === undefined) this.endpointKeys.set(b, (key = `${b.namespace}/${b.service}/${b.port.number ?? ""}/${b.port.name ?? ""}`));
    const cached = this.endpointCache.get(key);
    if (cached) return cached;
    const svc = this.informers.forResource<Service>("Service").lister().namespace(b.namespace).get(b.service);
    const port = svc?.spec?.ports?.find((p) => (b.port.number !== undefined ? p.port === b.port.number : p.name === b.port.name));
    const out: UpstreamEndpoint[] = [];
    if (svc && port) {
      if (svc.spec?.type === "ExternalName") {
        // Not resolvable without cluster DNS in the controller; treated as having no endpoints.
      } else {
        for (const slice of this.informers.forResource<EndpointSlice>("EndpointSlice").lister().namespace(b.namespace).list()) {
          if (slice.metadata?.labels?.["kubernetes.io/service-name"] !== b.service) continue;
          const sp = slice.ports?.find((p) => (p.name ?? "") === (port.name ?? ""));
          if (!sp?.port) continue;
          for (const e of slice.endpoints ?? []) if (e.conditions?.ready !== false && e.addresses[0]) out.push({ ip: e.addresses[0], port: sp.port });
        }
      }
    }
    this.endpointCache.set(key, out);
    return out;
  }

  private requestStatusSync(): void {
    this.gateway?.invalidate();
    if (this.statusTimer || this.stopped) return;
    this.statusTimer = this.clock.setTimeout(() => {
      this.statusTimer = undefined;
      void this.syncStatus().catch((err: unknown) => this.log.warn("ingress status update failed", { error: err }));
    }, 0);
  }

  /** The addresses the controller publishes: its Service's load balancer, else its pods' nodes. */
  private addresses(): IngressLoadBalancerIngress[] {
    const svc = this.informers.forResource<Service>("Service").lister().namespace(NAMESPACE).get(CONTROLLER_NAME);
    const lb = (svc?.status?.loadBalancer?.ingress ?? []).map((i: LoadBalancerIngress) => (i.ip ? { ip: i.ip } : { hostname: i.hostname ?? "" }));
    if (lb.length) return lb;
    const nodes = new Set<string>();
    for (const pod of this.informers.forResource<Pod>("Pod", { namespace: NAMESPACE }).lister().list()) {
      if (pod.status?.phase === "Running" && pod.spec?.nodeName && pod.metadata?.labels?.["app.kubernetes.io/component"] === "controller") nodes.add(pod.spec.nodeName);
    }
    const ips: string[] = [];
    for (const name of nodes) {
      const ip = this.informers.forResource<Node>("Node").lister().get(name)?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
      if (ip) ips.push(ip);
    }
    return ips.sort().map((ip) => ({ ip }));
  }

  private async syncStatus(): Promise<void> {
    const want = this.addresses();
    const text = JSON.stringify(want);
    for (const ing of this.ourIngresses()) {
      if (JSON.stringify(ing.status?.loadBalancer?.ingress ?? []) === text) continue;
      try {
        await this.client.resource<Ingress>("Ingress").updateStatus({ ...ing, status: { loadBalancer: want.length ? { ingress: want } : {} } }, { namespace: ing.metadata?.namespace });
      } catch (err) {
        if (isStatusError(err, "Conflict") || isStatusError(err, "NotFound")) this.requestStatusSync();
        else throw err;
      }
    }
  }
}

/** klog's `I1126 05:00:00.000000` prefix. */
export function klogTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `I${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}`;
}
