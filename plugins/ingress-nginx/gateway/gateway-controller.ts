import type { Namespace, Secret, Service } from "kubernetes-types/core/v1.js";
import type { Condition } from "kubernetes-types/meta/v1.js";
import type { Client, ResourceRef } from "../../../core/client/client.js";
import type { Clock, TimerHandle } from "../../../core/clock/clock.js";
import type { EventHandlerRegistration } from "../../../core/informers/event-handler.js";
import type { SharedInformerFactory } from "../../../core/informers/shared-informer-factory.js";
import type { Logger } from "../../../core/log/logger.js";
import { isStatusError } from "../../../core/api/status.js";
import { GATEWAY_GROUP } from "./crds.js";
import { compileGateways, type GatewayRoutes, type GatewayStatuses } from "./gateway-routes.js";
import type { Gateway, GatewayClass, GRPCRoute, HTTPRoute, ReferenceGrant } from "./types.js";

const GATEWAY_CLASSES: ResourceRef = { group: GATEWAY_GROUP, version: "v1", resource: "gatewayclasses" };
const GATEWAYS: ResourceRef = { group: GATEWAY_GROUP, version: "v1", resource: "gateways" };
const HTTP_ROUTES: ResourceRef = { group: GATEWAY_GROUP, version: "v1", resource: "httproutes" };
const GRPC_ROUTES: ResourceRef = { group: GATEWAY_GROUP, version: "v1", resource: "grpcroutes" };
const REFERENCE_GRANTS: ResourceRef = { group: GATEWAY_GROUP, version: "v1beta1", resource: "referencegrants" };

/**
 * The controller's Gateway API half: GatewayClasses naming its controller, their Gateways, the
 * HTTPRoutes attached to them and ReferenceGrants, compiled into the matches its pods serve, with
 * the status conditions written back (only when they change, keeping lastTransitionTime when the
 * status of a condition does not).
 */
export class GatewayController {
  private compiled: { routes: GatewayRoutes; statuses: GatewayStatuses } | undefined;
  private readonly registrations: EventHandlerRegistration[] = [];
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    readonly controllerName: string,
    private readonly informers: SharedInformerFactory,
    private readonly client: Client,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** The addresses Gateways publish (the controller's, as for Ingresses). */
    private readonly addresses: () => string[],
  ) {}

  start(signal: AbortSignal): void {
    const h = { onAdd: () => this.invalidate(), onUpdate: () => this.invalidate(), onDelete: () => this.invalidate() };
    for (const ref of [GATEWAY_CLASSES, GATEWAYS, HTTP_ROUTES, GRPC_ROUTES, REFERENCE_GRANTS, "Service", "Secret", "Namespace"] as ResourceRef[]) this.registrations.push(this.informers.forResource(ref).addEventHandler(h));
    if (this.informers.all().some((i) => !i.isStarted())) this.informers.start(signal);
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.registrations) r.remove();
    this.clock.clearTimeout(this.timer);
  }

  /** What the controller pods serve for Gateways. */
  routes(): GatewayRoutes {
    return this.compile().routes;
  }

  /** Addresses changed (controller pods moved): republish. */
  invalidate(): void {
    this.compiled = undefined;
    if (this.timer || this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.writeStatus().catch((err: unknown) => this.log.warn("gateway status update failed", { error: err }));
    }, 0);
  }

  private compile(): { routes: GatewayRoutes; statuses: GatewayStatuses } {
    if (this.compiled) return this.compiled;
    const list = <T>(ref: ResourceRef): T[] => this.informers.forResource(ref).lister().list() as T[];
    this.compiled = compileGateways({
      controllerName: this.controllerName,
      classes: list<GatewayClass>(GATEWAY_CLASSES),
      gateways: list<Gateway>(GATEWAYS),
      routes: list<HTTPRoute>(HTTP_ROUTES),
      grpcRoutes: list<GRPCRoute>(GRPC_ROUTES),
      grants: list<ReferenceGrant>(REFERENCE_GRANTS),
      services: (ns, name) => this.informers.forResource<Service>("Service").lister().namespace(ns).get(name),
      namespace: (name) => this.informers.forResource<Namespace>("Namespace").lister().get(name),
      secretExists: (ns, name) => this.informers.forResource<Secret>("Secret").lister().namespace(ns).get(name)?.type === "kubernetes.io/tls",
      hasAddress: this.addresses().length > 0,
      now: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    });
    return this.compiled;
  }

  private async writeStatus(): Promise<void> {
    const { statuses } = this.compile();
    const addresses = this.addresses().map((value) => ({ type: "IPAddress", value }));
    const retry = (err: unknown): void => {
      if (isStatusError(err, "Conflict") || isStatusError(err, "NotFound")) this.invalidate();
      else throw err;
    };
    for (const gc of this.informers.forResource(GATEWAY_CLASSES).lister().list() as GatewayClass[]) {
      const want = statuses.classes.get(gc.metadata?.name ?? "");
      if (!want) continue;
      const conditions = keepTransitions(gc.status?.conditions, want);
      if (same(gc.status?.conditions, conditions)) continue;
      await this.client.resource<GatewayClass>(GATEWAY_CLASSES).updateStatus({ ...gc, status: { ...gc.status, conditions } }).catch(retry);
    }
    for (const gw of this.informers.forResource(GATEWAYS).lister().list() as Gateway[]) {
      const want = statuses.gateways.get(`${gw.metadata?.namespace}/${gw.metadata?.name}`);
      if (!want) continue;
      const status = {
        addresses,
        conditions: keepTransitions(gw.status?.conditions, want.conditions),
        listeners: want.listeners.map((l) => ({ name: l.name, supportedKinds: [{ group: GATEWAY_GROUP, kind: "HTTPRoute" }, { group: GATEWAY_GROUP, kind: "GRPCRoute" }], attachedRoutes: l.attachedRoutes, conditions: keepTransitions(gw.status?.listeners?.find((x) => x.name === l.name)?.conditions, l.conditions) })),
      };
      if (JSON.stringify(gw.status ?? {}) === JSON.stringify(status)) continue;
      await this.client.resource<Gateway>(GATEWAYS).updateStatus({ ...gw, status }, { namespace: gw.metadata?.namespace }).catch(retry);
    }
    for (const [ref, wanted] of [[HTTP_ROUTES, statuses.routes], [GRPC_ROUTES, statuses.grpcRoutes]] as const) {
      for (const route of this.informers.forResource(ref).lister().list() as (HTTPRoute | GRPCRoute)[]) {
        const want = wanted.get(`${route.metadata?.namespace}/${route.metadata?.name}`);
        if (!want) continue;
        const mine = want.map((p) => ({ ...p, conditions: keepTransitions(route.status?.parents?.find((x) => x.controllerName === this.controllerName && JSON.stringify(x.parentRef) === JSON.stringify(p.parentRef))?.conditions, p.conditions) }));
        const parents = [...(route.status?.parents ?? []).filter((p) => p.controllerName !== this.controllerName), ...mine];
        if (JSON.stringify(route.status?.parents ?? []) === JSON.stringify(parents)) continue;
        await this.client.resource<HTTPRoute | GRPCRoute>(ref).updateStatus({ ...route, status: { parents } }, { namespace: route.metadata?.namespace }).catch(retry);
      }
    }
  }
}

/** Conditions as wanted, keeping each one's lastTransitionTime when its status did not change. */
function keepTransitions(old: readonly Condition[] | undefined, want: readonly Condition[]): Condition[] {
  return want.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    return prev && prev.status === c.status ? { ...c, lastTransitionTime: prev.lastTransitionTime } : c;
  });
}

function same(a: readonly Condition[] | undefined, b: readonly Condition[]): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b);
}
