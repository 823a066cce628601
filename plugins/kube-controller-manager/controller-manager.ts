import type { Client, Clock, Logger, Random, ResourceRegistry, SharedInformerFactory } from "../../core/index.js";
import { Manager } from "../../core/index.js";
import { Gauge, type Registry } from "prom-client";
import { newMetricsRegistry } from "../../core/metrics/metrics-registry.js";
import { PrometheusWorkqueueMetrics } from "../../core/metrics/workqueue-metrics.js";
import type { ControllerDescriptor } from "./controller-descriptor.js";
import type { RootCaSource } from "./controllers/root-ca-publisher.js";
import type { AggregatedGet } from "./controllers/podautoscaler/metrics-client.js";
import type { SigningCa } from "./controllers/certificates/certificate-authority.js";
import { selectControllers } from "./controller-selection.js";
import type { ServiceAccountClients } from "./service-account-credentials.js";
import { KNOWN_CONTROLLERS } from "./known-controllers.js";
import { LEASE_NAME, LEASE_NAMESPACE, type KubeControllerManagerOptions } from "./options.js";

export interface KubeControllerManagerDeps {
  client: Client;
  informers: SharedInformerFactory;
  clock: Clock;
  log: Logger;
  registry: ResourceRegistry;
  random?: Random;
  /** The cluster CA the root CA publisher puts into every namespace (`--root-ca-file`). */
  rootCA?: RootCaSource;
  /** The cluster CA the CSR signers sign with; without it they do not run. */
  signingCA?: () => Promise<SigningCa>;
  /** GETs through the aggregation layer (the HPA's metrics.k8s.io). */
  aggregated?: AggregatedGet;
  /**
   * Each controller's client by its service account (`--use-service-account-credentials`); without
   * it, or with the option off, every controller uses `client` (the controller manager's own user).
   */
  serviceAccountClients?: ServiceAccountClients;
}

/**
 * kube-controller-manager: the controllers `--controllers` enables, each with its workers, in one
 * {@link Manager} over the given shared informers, leader-elected on the
 * `kube-system/kube-controller-manager` Lease unless `leaderElect: false`. `setup` registers the
 * controllers (their informers join the factory), `start` runs them, `stop` ends everything it
 * started and releases the lease.
 */
export class KubeControllerManager {
  readonly manager: Manager;
  readonly enabled: readonly ControllerDescriptor[];
  /** Its metrics: every controller's `workqueue_*` and `leader_election_master_status` (served on :10257). */
  readonly metrics: Registry = newMetricsRegistry();
  private setUp = false;

  constructor(private readonly deps: KubeControllerManagerDeps, private readonly options: KubeControllerManagerOptions = {}, known: readonly ControllerDescriptor[] = KNOWN_CONTROLLERS) {
    this.enabled = selectControllers(known, options.controllers);
    for (const [flag, value] of Object.entries(options.concurrency ?? {})) {
      if (!known.some((d) => d.concurrencyFlag === flag)) throw new Error(`unknown flag --${flag}`);
      if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} must be a positive integer, got ${value}`);
    }
    const leaderElect = options.leaderElect ?? true;
    this.manager = new Manager({
      client: deps.client,
      informers: deps.informers,
      clock: deps.clock,
      log: deps.log,
      registry: deps.registry,
      metricsProvider: new PrometheusWorkqueueMetrics(this.metrics),
      ...(deps.random ? { random: deps.random } : {}),
      ...(leaderElect
        ? {
            leaderElection: {
              id: LEASE_NAME,
              namespace: LEASE_NAMESPACE,
              ...(options.identity ? { identity: options.identity } : {}),
              ...(options.leaseDuration ? { leaseDuration: options.leaseDuration } : {}),
              ...(options.renewDeadline ? { renewDeadline: options.renewDeadline } : {}),
              ...(options.retryPeriod ? { retryPeriod: options.retryPeriod } : {}),
            },
          }
        : {}),
    });
    const manager = this.manager;
    new Gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ["name"],
      registers: [this.metrics],
      collect() {
        this.set({ name: LEASE_NAME }, manager.isLeader() ? 1 : 0);
      },
    });
  }

  /** Workers for `d`: its flag's value, else its default. */
  concurrencyOf(d: ControllerDescriptor): number {
    return (d.concurrencyFlag && this.options.concurrency?.[d.concurrencyFlag]) || d.defaultConcurrency || 1;
  }

  /** Registers every enabled controller with the manager (once). */
  async setup(): Promise<void> {
    if (this.setUp) return;
    this.setUp = true;
    const accounts = this.deps.serviceAccountClients;
    const ownCredentials = (this.options.useServiceAccountCredentials ?? true) && accounts !== undefined;
    for (const d of this.enabled) {
      // Upstream's ClientBuilder: the controller's own service account's client, else the manager's.
      const mgr = ownCredentials && d.serviceAccount ? this.manager.withClient(await accounts(d.serviceAccount)) : this.manager;
      await d.setup({ mgr, registry: this.deps.registry, concurrency: this.concurrencyOf(d), log: this.deps.log.child(d.name), options: this.options, ...(this.deps.rootCA ? { rootCA: this.deps.rootCA } : {}), ...(this.deps.signingCA ? { signingCA: this.deps.signingCA } : {}), ...(this.deps.aggregated ? { aggregated: this.deps.aggregated } : {}) });
    }
    this.deps.log.info("controllers registered", { controllers: this.enabled.map((d) => d.name) });
  }

  /** Sets up (if not yet) and starts: informers sync, then the election, then the controllers. */
  async start(signal?: AbortSignal): Promise<void> {
    await this.setup();
    await this.manager.start(signal);
  }

  /** Stops the controllers, releases the lease, stops informers it started. */
  stop(): Promise<void> {
    return this.manager.stop();
  }
}
