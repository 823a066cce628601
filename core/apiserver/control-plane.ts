import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { Logger } from "../log/logger.js";
import { ResourceRegistry, type RegisteredType } from "../api/resource-registry.js";
import type { ApiTypeRegistration } from "../api/strategy.js";
import { BUILT_IN_TYPES } from "../api/builtin/index.js";
import type { Store } from "../store/store.js";
import { MemoryStore } from "../store/memory-store.js";
import { InProcessClient } from "../client/in-process-client.js";
import type { ClientFactory } from "../client/client-factory.js";
import type { Service } from "kubernetes-types/core/v1.js";
import type { AdmissionPlugin } from "./admission.js";
import { BUILT_IN_ADMISSION, podSecurityAdmission, type PodSecurityConfiguration } from "./admission/index.js";
import { mutatingWebhookAdmission, validatingWebhookAdmission } from "./webhooks/webhook-admission.js";
import { validatingAdmissionPolicy } from "./admission-policy/validating-admission-policy.js";
import { serviceResolver } from "./webhooks/service-resolver.js";
import type { ServiceResolver } from "./webhooks/webhook-client.js";
import { allowAllAuthorizer, type Authorizer } from "./http/authorization.js";
import { createStrategyServices, type AllocatingStrategyServices } from "./allocators/strategy-services.js";
import { ApiServer } from "./api-server.js";
import { bootstrapApiObjects } from "./bootstrap.js";
import { EventTtl } from "./event-ttl.js";
import { CrdController } from "./apiextensions/crd-controller.js";
import type { ConverterLookup } from "./apiextensions/custom-resource-converters.js";
import { registerLocalApiServices } from "./aggregator/local-api-services.js";
import { ComponentHealth, componentStatusType } from "./component-statuses.js";
import { ClusterCredentials } from "./serviceaccount/cluster-credentials.js";
import { ServiceAccountTokens, type TokenRequest } from "./serviceaccount/service-account-tokens.js";
import { ApiAuthorization } from "./authorization/api-authorization.js";
import { admissionListers } from "./admission/admission-listers.js";
import type { AuthorizationMode } from "./authorization/authorization-modes.js";
import { accessReviewTypes } from "./authorization/reviews/access-reviews.js";
import { rbacEscalationCheck } from "./authorization/rbac/escalation-check.js";

export interface ControlPlaneOptions {
  clock: Clock;
  random: Random;
  log: Logger;
  /** Storage backend (default: a new MemoryStore). */
  store?: Store;
  /** Service CIDR (default 10.96.0.0/12). */
  serviceCidr?: string;
  /** Node port range (default 30000-32767). */
  nodePortRange?: string;
  /** Types beyond the built-ins (from the ApiTypes extension point). */
  extraTypes?: () => readonly ApiTypeRegistration[];
  /** Admission plugins beyond the built-ins, in load order (from the AdmissionPlugins extension point). */
  extraAdmission?: () => readonly AdmissionPlugin[];
  /** Port written into the `kubernetes` Service's targetPort (default 6443). */
  apiServerPort?: number;
  /**
   * How the API server reaches a Service that serves an admission or conversion webhook (default:
   * refused, naming the Service: the API server runs outside the simulated pod network).
   */
  resolveWebhookService?: ServiceResolver;
  /**
   * The conversion function a plugin contributed for a CRD's group and kind (from the
   * CustomResourceConverters extension point): a `Webhook` CRD with one is converted in process.
   */
  customResourceConverters?: ConverterLookup;
  /** Built-in admission plugins turned off by name (kube-apiserver's `--disable-admission-plugins`). */
  disabledAdmission?: readonly string[];
  /** The PodSecurity admission plugin's defaults and exemptions (default: privileged everywhere, nothing exempt). */
  podSecurity?: PodSecurityConfiguration;
  /** The service-account key and cluster CA (default: generated, shared by the process's in-memory clusters). */
  credentials?: ClusterCredentials;
  /** `--authorization-mode` of the server's authorizer (default Node,RBAC). */
  authorizationModes?: readonly AuthorizationMode[];
  /** Authorizers asked after the modes (from the HttpAuthorizers extension point). */
  extraAuthorizers?: () => readonly Authorizer[];
  /** The authorizer admission policies' and webhook match conditions' `authorizer` library asks (default: the server's own, the modes then the extra ones). */
  authorizer?: () => Authorizer;
  /** kube-apiserver's `--event-ttl`: Events are deleted this long after their last write, on the clock (default 1 h; 0: never). */
  eventTtlMs?: number;
}

/** The assembled API side of a cluster. */
export interface ControlPlane {
  readonly store: Store;
  readonly registry: ResourceRegistry;
  readonly apiServer: ApiServer;
  /** The in-process client, acting as the cluster admin. */
  readonly client: InProcessClient;
  readonly services: AllocatingStrategyServices;
  /** Serves CustomResourceDefinitions' resources (naming, establishing, registry); `stop` ends it. */
  readonly crds: CrdController;
  /** The components `componentstatuses` reports (the store as `etcd-0`; the cluster adds its controllers). */
  readonly componentHealth: ComponentHealth;
  /** TokenRequest and the service account token authenticator. */
  readonly tokens: ServiceAccountTokens;
  readonly credentials: ClusterCredentials;
  /**
   * The server's authorizer, its RBAC index and Node graph, and the access reviews' view of them.
   * Its informers are not started here: whoever serves the API (the Cluster) starts and stops them.
   */
  readonly authorization: ApiAuthorization;
  /** Clients acting as a component's own user, authorized as the HTTP server would authorize it (one per user). */
  readonly clients: ClientFactory;
  /** Stops what the control plane runs in the background (following the registry for local APIServices, serving CRDs). */
  readonly stop: () => void;
}

/**
 * Assembles store, resource registry, allocators, admission chain, API server and in-process
 * client, then creates the bootstrap objects (system namespaces, the `kubernetes` Service).
 */
export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const store = options.store ?? new MemoryStore();
  const builtIn = new Set<RegisteredType>();
  const registry = new ResourceRegistry();
  for (const t of BUILT_IN_TYPES) builtIn.add(registry.add(t));
  const componentHealth = new ComponentHealth();
  componentHealth.set("etcd-0", () => (store.currentRevision() >= 0 ? { healthy: true } : { healthy: false, error: "the store is not serving" }));
  builtIn.add(registry.add(componentStatusType(componentHealth)));
  let client: InProcessClient | undefined;
  // The reviews ask the server's authorization, which reads through the loopback client made below.
  let authorization: ApiAuthorization | undefined;
  const reviews = accessReviewTypes({ get authorizer() { return authorization!.authorizer; }, rulesFor: (user, namespace) => authorization!.rulesFor(user, namespace) });
  for (const t of reviews) builtIn.add(registry.add(t));
  for (const t of options.extraTypes?.() ?? []) registry.add(t);
  const services = createStrategyServices({ random: options.random, ...(options.serviceCidr ? { serviceCIDR: options.serviceCidr } : {}), ...(options.nodePortRange ? { nodePortRange: options.nodePortRange } : {}) });
  const extraAdmission = options.extraAdmission ?? (() => []);
  const resolve = options.resolveWebhookService ?? serviceResolver(() => client!);
  // RBAC's escalation prevention (upstream: the RBAC storage) refuses role and binding writes first.
  const escalation = rbacEscalationCheck({ rulesFor: (u, ns, errs) => authorization!.rbac.rulesFor(u, ns, errs), rulesOf: (ref, ns, errs) => authorization!.rbac.rulesOf(ref, ns, errs) }, () => authorization!.authorizer);
  // What CEL's `authorizer` asks in admission policies and webhook match conditions.
  const celAuthorizer = options.authorizer ?? (() => authorization!.authorizer);
  const disabled = new Set(options.disabledAdmission ?? []);
  const enabled = disabled.size ? BUILT_IN_ADMISSION.filter((p) => !disabled.has(p.name)) : BUILT_IN_ADMISSION;
  const ordered = options.podSecurity ? enabled.map((p) => (p.name === "PodSecurity" ? podSecurityAdmission(options.podSecurity, (e) => options.log.child("pod-security").info("audit", { ...e })) : p)) : enabled;
  // kube-apiserver's order: the webhooks and policies run after the other built-ins, before ResourceQuota.
  const quotaAt = ordered.findIndex((p) => p.name === "ResourceQuota");
  const quota = quotaAt < 0 ? ordered.length : quotaAt;
  const builtInAdmission = [escalation, ...ordered.slice(0, quota), mutatingWebhookAdmission(resolve, celAuthorizer), validatingAdmissionPolicy(celAuthorizer), validatingWebhookAdmission(resolve, celAuthorizer), ...ordered.slice(quota)];
  let lastExtra: readonly AdmissionPlugin[] | undefined;
  let admissionPlugins: readonly AdmissionPlugin[] = builtInAdmission;
  const credentials = options.credentials ?? new ClusterCredentials();
  const tokens = new ServiceAccountTokens({ credentials, clock: options.clock, client: () => client! });
  const apiServer = new ApiServer({
    tokenRequest: (namespace, name, body) => tokens.request(namespace, name, body as TokenRequest),
    store,
    registry,
    clock: options.clock,
    random: options.random,
    log: options.log.child("apiserver"),
    services,
    isBuiltIn: (t) => builtIn.has(t),
    // Read twice per write: the list is rebuilt only when the contributed plugins change (the
    // extension point hands out the same array until then), so the chain finds it unchanged by identity.
    admission: () => {
      const extra = extraAdmission();
      if (extra !== lastExtra) {
        lastExtra = extra;
        admissionPlugins = extra.length ? [...builtInAdmission, ...extra] : builtInAdmission;
      }
      return admissionPlugins;
    },
  });
  client = new InProcessClient(apiServer, { user: { username: "system:admin", groups: ["system:masters", "system:authenticated"] } });
  apiServer.setAdmissionClient(client);
  authorization = new ApiAuthorization({
    client, clock: options.clock, registry, random: options.random, log: options.log.child("authorization"),
    ...(options.authorizationModes ? { modes: options.authorizationModes } : {}),
    ...(options.extraAuthorizers ? { extra: options.extraAuthorizers } : {}),
  });
  apiServer.setAdmissionListers(admissionListers(authorization.informers));
  // A store that already holds Services (a durable backend) must not hand their IPs out again.
  const existing = await client.resource("Service").list().catch(() => undefined);
  if (existing) services.rebuildFrom(existing.items as Service[]);
  await bootstrapApiObjects(client, { kubernetesServiceIP: services.clusterIPs.kubernetesServiceIP, ...(options.apiServerPort ? { apiServerPort: options.apiServerPort } : {}) });
  const builtInGroupVersions = new Set([...builtIn].map((t) => `${t.descriptor.group}/${t.descriptor.version}`));
  const stopLocalApiServices = await registerLocalApiServices(client, registry, options.clock, options.log.child("aggregator"), (g, v) => builtInGroupVersions.has(`${g}/${v}`));
  // CRDs already stored (a durable backend) are served again before the first request.
  const crds = new CrdController({ apiServer, registry, clock: options.clock, log: options.log.child("apiextensions"), isBuiltIn: (t) => builtIn.has(t), resolveWebhookService: resolve, ...(options.customResourceConverters ? { converters: options.customResourceConverters } : {}) });
  await crds.start();
  const eventTtl = new EventTtl({ store, clock: options.clock, log: options.log.child("event-ttl"), ...(options.eventTtlMs !== undefined ? { ttlMs: options.eventTtlMs } : {}) });
  await eventTtl.start();
  const stop = (): void => {
    eventTtl.stop();
    crds.stop();
    stopLocalApiServices();
  };
  const byUser = new Map<string, InProcessClient>();
  const clients: ClientFactory = {
    clientFor(user, userAgent) {
      const key = `${user.username}\n${user.groups.join(",")}\n${userAgent ?? ""}`;
      let c = byUser.get(key);
      if (!c) byUser.set(key, (c = new InProcessClient(apiServer, userAgent ? { user, userAgent } : { user }, authorization!.requestCheck(user))));
      return c;
    },
  };
  return { store, registry, apiServer, client, services, crds, componentHealth, tokens, credentials, authorization, clients, stop };
}
