import type { Logger, Manager, ResourceRegistry } from "../../core/index.js";
import type { KubeControllerManagerOptions } from "./options.js";
import type { RootCaSource } from "./controllers/root-ca-publisher.js";
import type { AggregatedGet } from "./controllers/podautoscaler/metrics-client.js";
import type { SigningCa } from "./controllers/certificates/certificate-authority.js";

/** What a controller's setup receives from kube-controller-manager (upstream's `ControllerContext`). */
export interface ControllerContext {
  /** The manager the controller registers with (leader-elected as a whole). */
  readonly mgr: Manager;
  /** The served resource types (the namespace controller and the garbage collector walk them). */
  readonly registry: ResourceRegistry;
  /** Workers for this controller: its `--concurrent-*-syncs` flag, or the upstream default. */
  readonly concurrency: number;
  readonly log: Logger;
  /** kube-controller-manager's settings (flags), for controllers that read their own. */
  readonly options: KubeControllerManagerOptions;
  /** The cluster CA (`--root-ca-file`); the root CA publisher does nothing without one. */
  readonly rootCA?: RootCaSource;
  /** The cluster CA the CSR signers sign with (`--cluster-signing-cert-file`/`--cluster-signing-key-file`); without it they do not run. */
  readonly signingCA?: () => Promise<SigningCa>;
  /** GETs through the aggregation layer (metrics.k8s.io for the HPA); without it the HPA reports its metrics unavailable. */
  readonly aggregated?: AggregatedGet;
}

/**
 * One controller of kube-controller-manager's registry (upstream's `ControllerDescriptor`): its
 * name as `--controllers` spells it, the older aliases that still select it, whether `*` turns it
 * on, and the concurrency flag it reads.
 */
export interface ControllerDescriptor {
  /** Upstream's name, e.g. `deployment-controller`. */
  readonly name: string;
  /**
   * The kube-system ServiceAccount it runs as under `--use-service-account-credentials` (upstream's
   * client name, bound to `system:controller:<name>` by the bootstrap policy), e.g.
   * `deployment-controller`; the taint eviction and node IPAM controllers share `node-controller`.
   */
  readonly serviceAccount?: string;
  /** Older names accepted by `--controllers`, e.g. `deployment`. */
  readonly aliases: readonly string[];
  /** `*` does not enable it (upstream's bootstrapsigner, tokencleaner). Default false. */
  readonly disabledByDefault?: boolean;
  /** `--concurrent-deployment-syncs` (without dashes): the flag that sets its workers. */
  readonly concurrencyFlag?: string;
  /** Workers when the flag is not given (upstream's defaults). */
  readonly defaultConcurrency?: number;
  setup(ctx: ControllerContext): void | Promise<void>;
}
